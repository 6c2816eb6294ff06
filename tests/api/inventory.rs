//! Inventory routes: through the product's actor, never below zero or below what is reserved.

use crate::helpers::{assert_invalid_field, assert_problem, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[actix_web::test]
async fn sellers_read_and_adjust_their_stock_through_the_ledger() {
    let app = spawn_app().await;
    let (seller, product) = app
        .stocked_product(10, json!({"low_stock_threshold": 2}))
        .await;
    let as_seller = app.as_user(&seller);
    let read: Value = as_seller.inventory(&product).await.json().await.unwrap();
    assert_eq!(
        read,
        json!({"on_hand": 10, "reserved": 0, "available": 10, "low_stock_threshold": 2})
    );

    let restocked: Value = as_seller
        .adjust_inventory(&product, &json!({"delta": 5, "reason": "restock"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(restocked["on_hand"], 15);
    let damaged: Value = as_seller
        .adjust_inventory(&product, &json!({"delta": -3, "reason": "damage"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(damaged["on_hand"], 12);
    assert_eq!(
        app.stock(&product).await,
        (12, 0, 12),
        "each change is a ledger row"
    );

    let customer = app.customer().await;
    app.place_order(&customer, &[(&product, 10)]).await;
    let below = as_seller
        .adjust_inventory(&product, &json!({"delta": -3, "reason": "correction"}))
        .await;
    assert_problem(below, StatusCode::CONFLICT, "conflict").await;
    let ok: Value = as_seller
        .adjust_inventory(&product, &json!({"delta": -2, "reason": "correction"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            ok["on_hand"].as_i64(),
            ok["reserved"].as_i64(),
            ok["available"].as_i64()
        ),
        (Some(10), Some(10), Some(0))
    );
    assert_eq!(
        app.available(&product).await,
        0,
        "product pages show the actor's live stock"
    );

    for (body, field) in [
        (json!({"delta": 0, "reason": "correction"}), "delta"),
        (json!({"delta": -1, "reason": "restock"}), "delta"),
        (json!({"delta": 1, "reason": "damage"}), "delta"),
        (json!({"delta": 1, "reason": "theft"}), "reason"),
        (json!({"delta": i64::MIN, "reason": "correction"}), "delta"),
        (json!({"delta": i64::MIN, "reason": "damage"}), "delta"),
        (
            json!({"delta": 1_000_000_001, "reason": "restock"}),
            "delta",
        ),
        (
            json!({"delta": -1_000_000_001, "reason": "correction"}),
            "delta",
        ),
    ] {
        assert_invalid_field(as_seller.adjust_inventory(&product, &body).await, field).await;
    }
}

#[actix_web::test]
async fn only_the_owning_seller_or_an_admin_manages_stock() {
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(10, json!({})).await;
    let (other, customer, admin) = (app.seller().await, app.customer().await, app.admin().await);
    assert_problem(
        app.as_user(&other).inventory(&product).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        app.as_user(&customer).inventory(&product).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let adjust = app
        .as_user(&other)
        .adjust_inventory(&product, &json!({"delta": 5, "reason": "restock"}))
        .await;
    assert_problem(adjust, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(
        app.as_user(&admin).inventory(&product).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.stock(&product).await, (10, 0, 10));
}
