//! Products: creation with inventory and ledger, visibility, ownership, updates, the cache.

use crate::helpers::{
    Api, Bind, TestApp, TestUser, assert_invalid_field, assert_problem, deployment_settings,
    product_body, spawn_app, spawn_app_with,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[actix_web::test]
async fn a_seller_creates_a_product_with_its_stock_and_ledger() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let seller = app.seller().await;
    let body = product_body(
        &category,
        json!({
            "images": ["https://cdn.example.com/mug.jpg"], "attributes": {"color": "blue", "ml": 350},
            "stock": 25, "low_stock_threshold": 3, "max_per_customer": 2, "currency": "eur"
        }),
    );
    let product = app.product(&seller, &body).await;
    assert_eq!(product["seller_id"], seller.id.as_str());
    assert_eq!(product["status"], "published");
    assert_eq!(product["available"], 25);
    assert_eq!(product["currency"], "EUR");
    assert_eq!(product["attributes"]["ml"], 350);
    assert_eq!(product["max_per_customer"], 2);
    assert!(product["rating_avg"].is_null());
    assert_eq!(product["rating_count"], 0);

    let id: uuid::Uuid = product["id"].as_str().unwrap().parse().unwrap();
    let (on_hand, reserved, threshold): (i64, i64, i32) = app
        .db
        .row(
            "SELECT on_hand, reserved, low_stock_threshold FROM inventory WHERE product_id = $1",
            &[Bind::Uuid(id)],
        )
        .await;
    assert_eq!((on_hand, reserved, threshold), (25, 0, 3));
    let ledger: Vec<(i64, String)> = app
        .db
        .rows(
            "SELECT delta, reason FROM inventory_movements WHERE product_id = $1",
            &[Bind::Uuid(id)],
        )
        .await;
    assert_eq!(ledger, vec![(25, "initial".to_owned())]);

    let read = app.product_page(&id.to_string()).await;
    assert_eq!(read["name"], "Enamel Mug");
}

#[actix_web::test]
async fn invalid_products_name_every_field_and_mass_assignment_is_refused() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let seller = app.seller().await;
    let cases = [
        (json!({"price_cents": 0}), "price_cents"),
        (json!({"price_cents": "12.99"}), "price_cents"),
        (json!({"currency": "euros"}), "currency"),
        (json!({"sku": "bad sku!"}), "sku"),
        (json!({"name": ""}), "name"),
        (json!({"images": ["not a url"]}), "images"),
        (json!({"stock": -3}), "stock"),
        (json!({"status": "sold_out"}), "status"),
        (
            json!({"category_id": "0192f0c1-0000-7000-8000-000000000000"}),
            "category_id",
        ),
        (json!({"category_id": "nope"}), "category_id"),
        (json!({"seller_id": seller.id}), "seller_id"),
        (json!({"rating_avg": 5}), "rating_avg"),
        (json!({"rating_count": 1000}), "rating_count"),
        (json!({"available": 1000}), "available"),
    ];
    for (overrides, field) in cases {
        let response = app
            .as_user(&seller)
            .create_product(&product_body(&category, overrides))
            .await;
        assert_invalid_field(response, field).await;
    }
    assert_eq!(app.count("SELECT count(*) FROM products").await, 0);
}

#[actix_web::test]
async fn skus_are_unique_per_seller() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let (first, second) = (app.seller().await, app.seller().await);
    let body = product_body(&category, json!({"sku": "MUG-1"}));
    app.product(&first, &body).await;
    let again = app.as_user(&first).create_product(&body).await;
    assert_problem(again, StatusCode::CONFLICT, "conflict").await;
    app.product(&second, &body).await;
}

#[actix_web::test]
async fn only_sellers_and_admins_create_products() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let customer = app.customer().await;
    let response = app
        .as_user(&customer)
        .create_product(&product_body(&category, json!({})))
        .await;
    assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    let admin = app.admin().await;
    let by_admin = app
        .product(&admin, &product_body(&category, json!({})))
        .await;
    assert_eq!(by_admin["seller_id"], admin.id.as_str());
}

async fn status_as(api: Api<'_>, id: &str) -> StatusCode {
    api.product(id).await.status()
}

#[actix_web::test]
async fn drafts_and_archived_products_are_visible_only_to_their_seller_and_admins() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let (seller, other, customer, admin) = (
        app.seller().await,
        app.seller().await,
        app.customer().await,
        app.admin().await,
    );
    let draft = app
        .product(
            &seller,
            &product_body(&category, json!({"status": "draft"})),
        )
        .await;
    let id = draft["id"].as_str().unwrap();
    assert_eq!(status_as(app.anonymous(), id).await, StatusCode::NOT_FOUND);
    assert_eq!(
        status_as(app.as_user(&customer), id).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status_as(app.as_user(&other), id).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(status_as(app.as_user(&seller), id).await, StatusCode::OK);
    assert_eq!(status_as(app.as_user(&admin), id).await, StatusCode::OK);

    let published = app
        .product(&seller, &product_body(&category, json!({})))
        .await;
    let published_id = published["id"].as_str().unwrap();
    assert_eq!(
        status_as(app.anonymous(), published_id).await,
        StatusCode::OK
    );
    let expired_token = status_as(app.with_token("not-a-token"), published_id).await;
    assert_eq!(
        expired_token,
        StatusCode::UNAUTHORIZED,
        "a bad token is not silently anonymous"
    );
    let archived = app.as_user(&seller).archive_product(published_id).await;
    assert_eq!(archived.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        status_as(app.anonymous(), published_id).await,
        StatusCode::NOT_FOUND,
        "the cache forgot it"
    );
    let own: Value = app
        .as_user(&seller)
        .product(published_id)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["status"], "archived");
    assert_eq!(
        status_as(app.anonymous(), "0192f0c1-0000-7000-8000-000000000000").await,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn a_seller_changes_only_their_own_products() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let (seller, other) = (app.seller().await, app.seller().await);
    let published = app
        .product(&seller, &product_body(&category, json!({})))
        .await;
    let draft = app
        .product(
            &seller,
            &product_body(&category, json!({"status": "draft"})),
        )
        .await;
    let (published, draft) = (
        published["id"].as_str().unwrap(),
        draft["id"].as_str().unwrap(),
    );

    let as_other = app.as_user(&other);
    let forbidden = as_other
        .update_product(published, &json!({"price_cents": 1}))
        .await;
    assert_problem(forbidden, StatusCode::FORBIDDEN, "forbidden").await;
    let hidden = as_other
        .update_product(draft, &json!({"price_cents": 1}))
        .await;
    assert_problem(hidden, StatusCode::NOT_FOUND, "not_found").await;
    let archive = as_other.archive_product(published).await;
    assert_problem(archive, StatusCode::FORBIDDEN, "forbidden").await;
    let unchanged = app.product_page(published).await;
    assert_eq!(unchanged["price_cents"], 1299);
    assert_eq!(unchanged["status"], "published");

    let admin = app.admin().await;
    let by_admin = app
        .as_user(&admin)
        .update_product(published, &json!({"price_cents": 999}))
        .await;
    assert_eq!(by_admin.status(), StatusCode::OK);
}

#[actix_web::test]
async fn updates_apply_only_what_is_sent_and_refuse_the_rest() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let other_category = app.category("Cups", None).await;
    let seller = app.seller().await;
    let product = app
        .product(
            &seller,
            &product_body(&category, json!({"max_per_customer": 2})),
        )
        .await;
    let (as_seller, id) = (app.as_user(&seller), product["id"].as_str().unwrap());
    let updated: Value = as_seller
        .update_product(id, &json!({
            "name": "Steel Mug", "price_cents": 1599, "brand": null, "category_id": other_category,
            "max_per_customer": null, "images": ["https://cdn.example.com/steel.jpg"], "status": "draft"
        }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (updated["name"].as_str(), updated["price_cents"].as_i64()),
        (Some("Steel Mug"), Some(1599))
    );
    assert!(updated["brand"].is_null() && updated["max_per_customer"].is_null());
    assert_eq!(updated["category_id"], other_category.as_str());
    assert_eq!(updated["description"], product["description"]);
    assert_eq!(updated["status"], "draft");

    for (body, field) in [
        (json!({"seller_id": seller.id}), "seller_id"),
        (json!({"stock": 100}), "stock"),
        (json!({"rating_avg": 5}), "rating_avg"),
        (json!({"price_cents": -1}), "price_cents"),
        (
            json!({"category_id": "0192f0c1-0000-7000-8000-000000000000"}),
            "category_id",
        ),
    ] {
        assert_invalid_field(as_seller.update_product(id, &body).await, field).await;
    }
}

#[actix_web::test]
async fn product_pages_are_served_from_memory_and_invalidated_on_change() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let seller = app.seller().await;
    let product = app
        .product(&seller, &product_body(&category, json!({})))
        .await;
    let id = product["id"].as_str().unwrap();
    app.anonymous().product(id).await;

    // Changed behind the server's back: the cached page stays as it was...
    app.db
        .execute(
            "UPDATE products SET name = 'Changed in SQL' WHERE id = $1",
            &[Bind::Uuid(id.parse().unwrap())],
        )
        .await;
    let cached = app.product_page(id).await;
    assert_eq!(
        cached["name"], "Enamel Mug",
        "served from memory, not PostgreSQL"
    );

    // ...and a change through the API invalidates it.
    app.as_user(&seller)
        .update_product(id, &json!({"price_cents": 2500}))
        .await;
    let fresh = app.product_page(id).await;
    assert_eq!(
        (fresh["name"].as_str(), fresh["price_cents"].as_i64()),
        (Some("Changed in SQL"), Some(2500))
    );
}

#[actix_web::test]
async fn a_change_on_one_process_invalidates_the_cache_of_another() {
    let Some(settings) = deployment_settings() else {
        return;
    };
    let a = spawn_app_with(settings.clone()).await;
    let b = spawn_app_with(settings).await;
    let category = a.category("Mugs", None).await;
    let seller = a.seller().await;
    let product = a
        .product(&seller, &product_body(&category, json!({})))
        .await;
    let id = product["id"].as_str().unwrap();
    let before = b.product_page(id).await;
    assert_eq!(before["price_cents"], 1299);

    a.as_user(&seller)
        .update_product(id, &json!({"price_cents": 4200}))
        .await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let seen = b.product_page(id).await;
        if seen["price_cents"] == 4200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "process b kept the stale product"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn a_product_page_shows_its_stock_whatever_its_attributes_say() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let seller = app.seller().await;
    let attributes = json!({"available": i64::MIN, "note": "\"available\":-9223372036854775808"});
    let product = app
        .product(
            &seller,
            &product_body(&category, json!({"stock": 5, "attributes": attributes})),
        )
        .await;
    let id = product["id"].as_str().unwrap();
    for read in ["fills the cache", "served from the cache"] {
        let page = app.product_page(id).await;
        assert_eq!(page["available"], 5, "{read}: {page}");
        assert_eq!(page["attributes"], attributes, "{read}");
    }
}

/// `GET /api/v1/seller/products?query` as `user`.
async fn seller_products(app: &TestApp, user: &TestUser, query: &str) -> reqwest::Response {
    app.get(
        &format!("/api/v1/seller/products?{query}"),
        Some(&user.access_token),
    )
    .await
}

#[actix_web::test]
async fn a_seller_lists_their_own_products_of_every_status() {
    let app = spawn_app().await;
    let seller = app.seller().await;
    let category = app.category("Mugs", None).await;
    let mut ids = Vec::new();
    for status in ["published", "draft", "published"] {
        let product = app
            .product(&seller, &product_body(&category, json!({"status": status})))
            .await;
        ids.push(product["id"].as_str().unwrap().to_owned());
    }
    let archived = app.as_user(&seller).archive_product(&ids[2]).await;
    assert!(archived.status().is_success());
    let other = app.seller().await;
    app.product(&other, &product_body(&category, json!({})))
        .await;
    let all: Value = seller_products(&app, &seller, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["total"], 3, "drafts and archived ones included: {all}");
    let listed: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [ids[2].as_str(), ids[1].as_str(), ids[0].as_str()],
        "newest first"
    );
    let drafts: Value = seller_products(&app, &seller, "status=draft")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (drafts["total"].as_i64(), drafts["items"][0]["id"].as_str()),
        (Some(1), Some(ids[1].as_str()))
    );
    let theirs: Value = seller_products(&app, &other, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["total"], 1, "another seller sees only their own");

    let admin = app.admin().await;
    let by_admin: Value = app
        .get(
            &format!("/api/v1/seller/products?seller_id={}", seller.id),
            Some(&admin.access_token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_admin["total"], 3);
    let prying = app
        .get(
            &format!("/api/v1/seller/products?seller_id={}", seller.id),
            Some(&other.access_token),
        )
        .await;
    assert_problem(prying, StatusCode::FORBIDDEN, "forbidden").await;
    let customer = app.customer().await;
    let refused = app
        .get("/api/v1/seller/products", Some(&customer.access_token))
        .await;
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    assert_invalid_field(
        seller_products(&app, &seller, "status=sold").await,
        "status",
    )
    .await;
}
