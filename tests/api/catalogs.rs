//! Seller catalogs: anyone browses, only the owner (or an admin) changes.

use crate::helpers::{
    TestApp, TestUser, assert_invalid_field, assert_problem, product_body, spawn_app,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn new_catalog(app: &TestApp, seller: &TestUser, name: &str) -> String {
    app.catalog(seller, &json!({"name": name, "description": "Our picks"}))
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
    let as_seller = app.as_user(&seller);
    let published_id = published["id"].as_str().unwrap();
    for product in [published_id, draft["id"].as_str().unwrap()] {
        let response = as_seller.add_to_catalog(&catalog, product).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    let again = as_seller.add_to_catalog(&catalog, published_id).await;
    assert_eq!(
        again.status(),
        StatusCode::NO_CONTENT,
        "adding twice is harmless"
    );

    let public: Value = app
        .anonymous()
        .catalog(&catalog, "")
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
    let own: Value = as_seller.catalog(&catalog, "").await.json().await.unwrap();
    assert_eq!(own["products"]["total"], 2, "the owner sees their drafts");

    let list: Value = app
        .anonymous()
        .catalogs(&format!("seller={}", seller.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    let removed = as_seller.remove_from_catalog(&catalog, published_id).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let missing = as_seller.remove_from_catalog(&catalog, published_id).await;
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
    let rename = app
        .as_user(&other)
        .update_catalog(&catalog, &json!({"name": "Stolen"}))
        .await;
    assert_problem(rename, StatusCode::FORBIDDEN, "forbidden").await;
    let delete = app.as_user(&other).delete_catalog(&catalog).await;
    assert_problem(delete, StatusCode::FORBIDDEN, "forbidden").await;
    let create = app
        .as_user(&customer)
        .create_catalog(&json!({"name": "X"}))
        .await;
    assert_problem(create, StatusCode::FORBIDDEN, "forbidden").await;
    let foreign_product = app
        .as_user(&owner)
        .add_to_catalog(&catalog, theirs["id"].as_str().unwrap())
        .await;
    assert_problem(foreign_product, StatusCode::NOT_FOUND, "not_found").await;

    let renamed: Value = app
        .as_user(&owner)
        .update_catalog(&catalog, &json!({"name": "Renamed"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renamed["name"], "Renamed");
    let admin = app.admin().await;
    assert_eq!(
        app.as_user(&admin)
            .update_catalog(&catalog, &json!({"description": "Curated"}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.as_user(&owner).delete_catalog(&catalog).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.anonymous().catalog(&catalog, "").await,
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
    let as_seller = app.as_user(&seller);
    let twice = as_seller.create_catalog(&json!({"name": "Picks"})).await;
    assert_problem(twice, StatusCode::CONFLICT, "conflict").await;
    new_catalog(&app, &other, "Picks").await;
    assert_invalid_field(as_seller.create_catalog(&json!({})).await, "name").await;
    assert_invalid_field(as_seller.create_catalog(&json!({"name": ""})).await, "name").await;
    assert_invalid_field(
        as_seller
            .create_catalog(&json!({"name": "A", "seller_id": other.id}))
            .await,
        "seller_id",
    )
    .await;
}
