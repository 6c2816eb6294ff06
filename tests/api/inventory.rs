//! Inventory routes: through the product's actor, never below zero or below what is reserved.

use crate::helpers::{assert_invalid_field, assert_problem, checkout_body, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[actix_web::test]
async fn sellers_read_and_adjust_their_stock_through_the_ledger() {
    let app = spawn_app().await;
    let (seller, product) = app
        .stocked_product(10, json!({"low_stock_threshold": 2}))
        .await;
    let path = format!("/api/v1/products/{product}/inventory");
    let token = Some(seller.access_token.as_str());
    let read: Value = app.get(&path, token).await.json().await.unwrap();
    assert_eq!(
        read,
        json!({"on_hand": 10, "reserved": 0, "available": 10, "low_stock_threshold": 2})
    );

    let adjustments = format!("{path}/adjustments");
    let restocked: Value = app
        .post(
            &adjustments,
            token,
            &json!({"delta": 5, "reason": "restock"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(restocked["on_hand"], 15);
    let damaged: Value = app
        .post(
            &adjustments,
            token,
            &json!({"delta": -3, "reason": "damage"}),
        )
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
    app.checkout(&customer, &checkout_body(&[(&product, 10)]), None)
        .await;
    let below = app
        .post(
            &adjustments,
            token,
            &json!({"delta": -3, "reason": "correction"}),
        )
        .await;
    assert_problem(below, StatusCode::CONFLICT, "conflict").await;
    let ok: Value = app
        .post(
            &adjustments,
            token,
            &json!({"delta": -2, "reason": "correction"}),
        )
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
    ] {
        assert_invalid_field(app.post(&adjustments, token, &body).await, field).await;
    }
}

#[actix_web::test]
async fn only_the_owning_seller_or_an_admin_manages_stock() {
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(10, json!({})).await;
    let (other, customer, admin) = (app.seller().await, app.customer().await, app.admin().await);
    let path = format!("/api/v1/products/{product}/inventory");
    assert_problem(
        app.get(&path, Some(&other.access_token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get(&path, Some(&customer.access_token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let adjust = app
        .post(
            &format!("{path}/adjustments"),
            Some(&other.access_token),
            &json!({"delta": 5, "reason": "restock"}),
        )
        .await;
    assert_problem(adjust, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(
        app.get(&path, Some(&admin.access_token)).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.stock(&product).await, (10, 0, 10));
}
