//! Seller catalogs: anyone browses, only the owner (or an admin) changes.

use crate::helpers::{
    TestApp, TestUser, assert_invalid_field, assert_problem, product_body, spawn_app,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn new_catalog(app: &TestApp, seller: &TestUser, name: &str) -> String {
    let response = app
        .post(
            "/api/v1/catalogs",
            Some(&seller.access_token),
            &json!({"name": name, "description": "Our picks"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn put(app: &TestApp, token: &str, catalog: &str, product: &str) -> reqwest::Response {
    app.request(
        Method::PUT,
        &format!("/api/v1/catalogs/{catalog}/products/{product}"),
        Some(token),
        None,
    )
    .await
}

#[actix_web::test]
async fn a_seller_curates_a_catalog_anyone_can_browse() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let seller = app.seller().await;
    let catalog = new_catalog(&app, &seller, "Summer").await;
    let published = app
        .product(
            &seller,
            &product_body(&category, json!({"name": "Sun Mug"})),
        )
        .await;
    let draft = app
        .product(
            &seller,
            &product_body(&category, json!({"status": "draft"})),
        )
        .await;
    for product in [&published, &draft] {
        let response = put(
            &app,
            &seller.access_token,
            &catalog,
            product["id"].as_str().unwrap(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    let again = put(
        &app,
        &seller.access_token,
        &catalog,
        published["id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        again.status(),
        StatusCode::NO_CONTENT,
        "adding twice is harmless"
    );

    let public: Value = app
        .get(&format!("/api/v1/catalogs/{catalog}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["name"], "Summer");
    assert_eq!(public["product_count"], 1);
    assert_eq!(
        public["products"]["total"], 1,
        "drafts are not shown to the public"
    );
    assert_eq!(public["products"]["items"][0]["name"], "Sun Mug");
    let own: Value = app
        .get(
            &format!("/api/v1/catalogs/{catalog}"),
            Some(&seller.access_token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["products"]["total"], 2, "the owner sees their drafts");

    let list: Value = app
        .get(&format!("/api/v1/catalogs?seller={}", seller.id), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    let removed = app
        .delete(
            &format!(
                "/api/v1/catalogs/{catalog}/products/{}",
                published["id"].as_str().unwrap()
            ),
            Some(&seller.access_token),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let missing = app
        .delete(
            &format!(
                "/api/v1/catalogs/{catalog}/products/{}",
                published["id"].as_str().unwrap()
            ),
            Some(&seller.access_token),
        )
        .await;
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
}

#[actix_web::test]
async fn only_the_owner_or_an_admin_changes_a_catalog() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let (owner, other, customer) = (app.seller().await, app.seller().await, app.customer().await);
    let catalog = new_catalog(&app, &owner, "Mine").await;
    let theirs = app
        .product(&other, &product_body(&category, json!({})))
        .await;
    let path = format!("/api/v1/catalogs/{catalog}");

    let rename = app
        .patch(&path, Some(&other.access_token), &json!({"name": "Stolen"}))
        .await;
    assert_problem(rename, StatusCode::FORBIDDEN, "forbidden").await;
    let delete = app.delete(&path, Some(&other.access_token)).await;
    assert_problem(delete, StatusCode::FORBIDDEN, "forbidden").await;
    let create = app
        .post(
            "/api/v1/catalogs",
            Some(&customer.access_token),
            &json!({"name": "X"}),
        )
        .await;
    assert_problem(create, StatusCode::FORBIDDEN, "forbidden").await;
    let foreign_product = put(
        &app,
        &owner.access_token,
        &catalog,
        theirs["id"].as_str().unwrap(),
    )
    .await;
    assert_problem(foreign_product, StatusCode::NOT_FOUND, "not_found").await;

    let renamed: Value = app
        .patch(
            &path,
            Some(&owner.access_token),
            &json!({"name": "Renamed"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renamed["name"], "Renamed");
    let admin = app.admin().await;
    assert_eq!(
        app.patch(
            &path,
            Some(&admin.access_token),
            &json!({"description": "Curated"})
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.delete(&path, Some(&owner.access_token)).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.get(&path, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[actix_web::test]
async fn catalog_names_are_unique_per_seller_and_validated() {
    let app = spawn_app().await;
    let (seller, other) = (app.seller().await, app.seller().await);
    new_catalog(&app, &seller, "Picks").await;
    let twice = app
        .post(
            "/api/v1/catalogs",
            Some(&seller.access_token),
            &json!({"name": "Picks"}),
        )
        .await;
    assert_problem(twice, StatusCode::CONFLICT, "conflict").await;
    new_catalog(&app, &other, "Picks").await;
    assert_invalid_field(
        app.post("/api/v1/catalogs", Some(&seller.access_token), &json!({}))
            .await,
        "name",
    )
    .await;
    assert_invalid_field(
        app.post(
            "/api/v1/catalogs",
            Some(&seller.access_token),
            &json!({"name": ""}),
        )
        .await,
        "name",
    )
    .await;
    assert_invalid_field(
        app.post(
            "/api/v1/catalogs",
            Some(&seller.access_token),
            &json!({"name": "A", "seller_id": other.id}),
        )
        .await,
        "seller_id",
    )
    .await;
}
