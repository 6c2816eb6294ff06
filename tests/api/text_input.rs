//! Text a client sends never holds NUL or control characters (tab and line breaks only where
//! text runs over several lines), and names never hold bidirectional overrides: each is a 422
//! naming the field, on every route that stores text, never a 500 from the database.

use crate::helpers::{assert_invalid_field, product_body, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

const NUL: &str = "before\u{0}after";
const ESCAPE: &str = "red\u{1b}[31m";
const OVERRIDE: &str = "evil\u{202E}txt.exe";

#[actix_web::test]
async fn products_refuse_control_characters_in_every_text_field() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let seller = app.seller().await;
    let as_seller = app.as_user(&seller);
    let cases: [(Value, &str); 8] = [
        (json!({"name": NUL}), "name"),
        (json!({"name": OVERRIDE}), "name"),
        (json!({"name": "two\nlines"}), "name"),
        (json!({"description": NUL}), "description"),
        (json!({"description": ESCAPE}), "description"),
        (json!({"brand": ESCAPE}), "brand"),
        (json!({"attributes": {"color": NUL}}), "attributes"),
        (
            json!({"attributes": {"deep": [{"key\u{0}": 1}]}}),
            "attributes",
        ),
    ];
    for (overrides, field) in &cases {
        let body = product_body(&category, overrides.clone());
        assert_invalid_field(as_seller.create_product(&body).await, field).await;
    }
    let product = app
        .product(
            &seller,
            &product_body(&category, json!({"description": "line one\n\tline two"})),
        )
        .await;
    assert_eq!(
        product["description"], "line one\n\tline two",
        "tab and line breaks stay"
    );
    let id = product["id"].as_str().unwrap();
    for (patch, field) in &cases {
        assert_invalid_field(as_seller.update_product(id, patch).await, field).await;
    }
    assert_eq!(app.product_page(id).await["name"], "Enamel Mug");
}

#[actix_web::test]
async fn an_import_row_with_a_nul_fails_alone() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let seller = app.seller().await;
    let catalog = app.catalog(&seller, &json!({"name": "Feed"})).await;
    let rows = [
        json!({"sku": "A", "name": "Alpha", "category_id": category, "price_cents": 1, "currency": "EUR", "description": NUL}),
        json!({"sku": "B", "name": "Beta", "category_id": category, "price_cents": 1, "currency": "EUR", "attributes": {"k": NUL}}),
        json!({"sku": "C", "name": "Gamma", "category_id": category, "price_cents": 1, "currency": "EUR"}),
    ];
    let ndjson: String = rows.iter().map(|row| format!("{row}\n")).collect();
    let response = app
        .as_user(&seller)
        .import(&catalog, "application/x-ndjson", ndjson)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["created"], 1, "{report}");
    let failed: Vec<(u64, &str)> = report["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["errors"][0]["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(failed, vec![(1, "description"), (2, "attributes")]);
}

#[actix_web::test]
async fn accounts_addresses_reviews_catalogs_and_categories_refuse_them_too() {
    let app = spawn_app().await;
    let register =
        json!({"email": "nul@example.com", "password": "correct horse battery", "name": NUL});
    assert_invalid_field(app.anonymous().register(&register).await, "name").await;
    let customer = app.customer().await;
    let as_customer = app.as_user(&customer);
    assert_invalid_field(
        as_customer.update_me(&json!({"name": OVERRIDE})).await,
        "name",
    )
    .await;
    let address = |field: &str, value: &str| {
        let mut body = json!({"name": "Ada", "line1": "1 Main St", "city": "Paris", "postal_code": "75001", "country": "FR"});
        body[field] = json!(value);
        body
    };
    for field in ["name", "line1", "city", "postal_code"] {
        let response = as_customer.add_address(&address(field, NUL)).await;
        assert_invalid_field(response, field).await;
    }

    let (_, product) = app.stocked_product(5, json!({})).await;
    let review = |title: &str, body: &str| json!({"rating": 5, "title": title, "body": body});
    let cases = [
        (review(OVERRIDE, "fine"), "title"),
        (review("Fine", NUL), "body"),
        (review("Fine", ESCAPE), "body"),
    ];
    for (body, field) in cases {
        assert_invalid_field(as_customer.review(&product, &body).await, field).await;
    }
    let multi_line = as_customer
        .review(&product, &review("Fine", "Good.\r\n\tVery good."))
        .await;
    assert_eq!(multi_line.status(), StatusCode::CREATED);

    let seller = app.seller().await;
    let catalog = app
        .as_user(&seller)
        .create_catalog(&json!({"name": "Feed", "description": NUL}))
        .await;
    assert_invalid_field(catalog, "description").await;
    let admin = app.admin().await;
    let category = app
        .as_user(&admin)
        .create_category(&json!({"name": NUL}))
        .await;
    assert_invalid_field(category, "name").await;
    assert_invalid_field(app.anonymous().search("brand=a%00b").await, "brand").await;
}
