//! Notifications: stored for order status changes and low stock, listed, marked read, pushed live.

use crate::helpers::{GOOD_CARD, TestApp, TestUser, assert_problem, checkout_body, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The user's notifications once there are at least `count`.
async fn notifications(app: &TestApp, user: &TestUser, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let page: Value = app
            .get("/api/v1/notifications", Some(&user.access_token))
            .await
            .json()
            .await
            .unwrap();
        let items = page["items"].as_array().unwrap().clone();
        if items.len() >= count {
            return items;
        }
        assert!(
            Instant::now() < deadline,
            "only {} notifications",
            items.len()
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn order_changes_and_low_stock_become_notifications() {
    let app = spawn_app().await;
    let (seller, product) = app
        .stocked_product(3, json!({"low_stock_threshold": 1}))
        .await;
    let (customer, stranger) = (app.customer().await, app.customer().await);
    let order: Value = app
        .checkout(&customer, &checkout_body(&[(&product, 2)]), None)
        .await
        .json()
        .await
        .unwrap();
    let id = order["order"]["id"].as_str().unwrap();
    app.pay(&customer, id, GOOD_CARD).await;

    let mine = notifications(&app, &customer, 1).await;
    assert_eq!(
        mine.len(),
        1,
        "placing the order is no news, its payment is: {mine:?}"
    );
    assert_eq!(mine[0]["kind"], "order_status");
    assert!(
        mine[0]["title"].as_str().unwrap().contains("paid"),
        "newest first: {}",
        mine[0]
    );
    assert_eq!(mine[0]["order_id"], id);
    assert!(mine[0]["read_at"].is_null());
    let sellers = notifications(&app, &seller, 2).await;
    assert!(
        sellers
            .iter()
            .any(|n| n["kind"] == "low_stock" && n["product_id"] == product.as_str()),
        "{sellers:?}"
    );
    let theirs: Value = app
        .get("/api/v1/notifications", Some(&stranger.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["total"], 0);

    let read_path = format!(
        "/api/v1/notifications/{}/read",
        mine[0]["id"].as_str().unwrap()
    );
    assert_problem(
        app.post(&read_path, Some(&stranger.access_token), &json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(
        app.post(&read_path, Some(&customer.access_token), &json!({}))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let after = notifications(&app, &customer, 1).await;
    assert!(after[0]["read_at"].is_string());
    assert_problem(
        app.get("/api/v1/notifications", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}
