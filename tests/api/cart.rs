//! The cart: quantities in a per-user actor written through to Redis (or the database), prices
//! from the catalog.

use crate::helpers::{
    TestApp, TestUser, assert_invalid_field, assert_problem, spawn_app, spawn_app_with,
    test_settings,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

#[actix_web::test]
async fn a_cart_is_priced_from_the_catalog_and_checked_against_stock() {
    let app = spawn_app().await;
    let (_, mug) = app
        .stocked_product(5, json!({"price_cents": 1299, "name": "Mug"}))
        .await;
    let (_, pot) = app
        .stocked_product(2, json!({"price_cents": 4500, "name": "Pot"}))
        .await;
    let customer = app.customer().await;
    let as_customer = app.as_user(&customer);
    let empty: Value = as_customer.cart().await.json().await.unwrap();
    assert_eq!(
        (
            empty["items"].as_array().unwrap().len(),
            empty["total_cents"].as_i64()
        ),
        (0, Some(0))
    );

    as_customer
        .add_to_cart(&json!({"product_id": mug, "qty": 2}))
        .await;
    let cart: Value = as_customer
        .add_to_cart(&json!({"product_id": mug, "qty": 1}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cart["items"][0]["qty"], 3, "adding adds to the line");
    let cart: Value = as_customer
        .add_to_cart(&json!({"product_id": pot, "qty": 2}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cart["subtotal_cents"], 3 * 1299 + 2 * 4500);
    assert_eq!(cart["total_cents"], cart["subtotal_cents"]);
    assert_eq!(cart["currency"], "EUR");
    let line = cart["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["product_id"] == mug.as_str())
        .unwrap();
    assert_eq!(
        (
            line["name"].as_str(),
            line["line_total_cents"].as_i64(),
            line["available"].as_i64()
        ),
        (Some("Mug"), Some(3897), Some(5))
    );

    let beyond = as_customer
        .add_to_cart(&json!({"product_id": pot, "qty": 1}))
        .await;
    assert_problem(beyond, StatusCode::CONFLICT, "out_of_stock").await;
    let set: Value = as_customer
        .set_cart_item(&mug, &json!({"qty": 1}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(set["subtotal_cents"], 1299 + 9000);
    assert_problem(
        as_customer.set_cart_item(&mug, &json!({"qty": 6})).await,
        StatusCode::CONFLICT,
        "out_of_stock",
    )
    .await;
    let removed: Value = as_customer
        .remove_cart_item(&pot)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(removed["items"].as_array().unwrap().len(), 1);
    let zero: Value = as_customer
        .set_cart_item(&mug, &json!({"qty": 0}))
        .await
        .json()
        .await
        .unwrap();
    assert!(zero["items"].as_array().unwrap().is_empty());
    for (body, field) in [
        (json!({"product_id": mug, "qty": 0}), "qty"),
        (
            json!({"product_id": mug, "qty": 1, "unit_price_cents": 1}),
            "unit_price_cents",
        ),
        (
            json!({"product_id": uuid::Uuid::nil(), "qty": 1}),
            "product_id",
        ),
    ] {
        assert_invalid_field(as_customer.add_to_cart(&body).await, field).await;
    }
    assert_problem(
        app.anonymous().cart().await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[actix_web::test]
async fn checking_out_the_cart_empties_it_and_carts_survive_restarts() {
    let settings = crate::helpers::test_settings();
    let first = spawn_app_with(settings.clone()).await;
    let (_, mug) = first.stocked_product(5, json!({})).await;
    let customer = first.customer().await;
    first
        .as_user(&customer)
        .add_to_cart(&json!({"product_id": mug, "qty": 2}))
        .await;
    first.handle.stop(true).await;

    let app = spawn_app_with(settings).await;
    let as_customer = app.as_user(&customer);
    let seen: Value = as_customer.cart().await.json().await.unwrap();
    assert_eq!(
        seen["items"][0]["qty"], 2,
        "the cart is stored, not kept in the process"
    );

    let body = json!({"shipping_address": {"name": "A", "line1": "B", "city": "C", "postal_code": "1", "country": "DE"}});
    let order = app.checkout(&customer, &body, None).await;
    assert_eq!(order.status(), StatusCode::CREATED);
    let order: Value = order.json().await.unwrap();
    assert_eq!(order["order"]["items"][0]["qty"], 2);
    let after: Value = as_customer.cart().await.json().await.unwrap();
    assert!(
        after["items"].as_array().unwrap().is_empty(),
        "checked-out carts are emptied"
    );
    assert_invalid_field(app.checkout(&customer, &body, None).await, "items").await;

    as_customer
        .add_to_cart(&json!({"product_id": mug, "qty": 1}))
        .await;
    assert_eq!(
        as_customer.clear_cart().await.status(),
        StatusCode::NO_CONTENT
    );
    let cleared: Value = as_customer.cart().await.json().await.unwrap();
    assert!(cleared["items"].as_array().unwrap().is_empty());
}

#[actix_web::test]
async fn a_cart_in_the_database_expires_thirty_days_after_its_last_change() {
    // Without Redis the carts are in the database; Redis expires its own keys.
    let mut settings = test_settings();
    settings.redis_url = None;
    let app = spawn_app_with(settings.clone()).await;
    let (_, mug) = app.stocked_product(5, json!({})).await;
    let (fresh, stale) = (app.customer().await, app.customer().await);
    for shopper in [&fresh, &stale] {
        let added = app
            .as_user(shopper)
            .add_to_cart(&json!({"product_id": mug, "qty": 1}))
            .await;
        assert_eq!(added.status(), StatusCode::OK);
    }
    let now = time::OffsetDateTime::now_utc();
    for (shopper, days) in [(&fresh, 29), (&stale, 31)] {
        let aged = app
            .db
            .execute(
                "UPDATE carts SET updated_at = $1 WHERE user_id = $2",
                &[
                    (now - time::Duration::days(days)).into(),
                    user_id(shopper).into(),
                ],
            )
            .await;
        assert_eq!(aged, 1);
    }
    // A restarted server (whose cart actors read the database afresh) deletes the expired one.
    app.handle.stop(true).await;
    let restarted = spawn_app_with(settings).await;
    assert_eq!(
        cart_lines(&restarted, &fresh).await,
        1,
        "29 days old: still there"
    );
    assert_eq!(cart_lines(&restarted, &stale).await, 0, "31 days old: gone");
    let stored = "SELECT count(*) FROM carts WHERE user_id = $1";
    let db = &restarted.db;
    assert_eq!(db.count(stored, &[user_id(&stale).into()]).await, 0);
    assert_eq!(db.count(stored, &[user_id(&fresh).into()]).await, 1);
}

fn user_id(user: &TestUser) -> Uuid {
    user.id.parse().unwrap()
}

async fn cart_lines(app: &TestApp, user: &TestUser) -> usize {
    let cart: Value = app.as_user(user).cart().await.json().await.unwrap();
    cart["items"].as_array().map_or(0, Vec::len)
}
