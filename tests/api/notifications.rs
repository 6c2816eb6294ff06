//! Notifications: stored for order status changes and low stock, listed, marked read, pushed live.

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The user's notifications once there are at least `count`.
async fn notifications(app: &TestApp, user: &TestUser, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let page: Value = app
            .as_user(user)
            .notifications("")
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
    let order = app.paid_order(&customer, &[(&product, 2)]).await;
    let id = order["id"].as_str().unwrap();

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
        .as_user(&stranger)
        .notifications("")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["total"], 0);

    let newest = mine[0]["id"].as_str().unwrap();
    assert_problem(
        app.as_user(&stranger).mark_read(newest).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(
        app.as_user(&customer).mark_read(newest).await.status(),
        StatusCode::NO_CONTENT
    );
    let after = notifications(&app, &customer, 1).await;
    assert!(after[0]["read_at"].is_string());
    assert_problem(
        app.anonymous().notifications("").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}
