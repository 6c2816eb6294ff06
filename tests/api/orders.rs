//! Reading and cancelling orders, with their ownership rules.

use crate::helpers::{GOOD_CARD, assert_invalid_field, assert_problem, checkout_body, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[actix_web::test]
async fn orders_are_seen_by_their_customer_sellers_and_admins_only() {
    let app = spawn_app().await;
    let (seller, product) = app.stocked_product(10, json!({})).await;
    let (customer, stranger, other_seller) = (
        app.customer().await,
        app.customer().await,
        app.seller().await,
    );
    let order: Value = app
        .checkout(&customer, &checkout_body(&[(&product, 1)]), None)
        .await
        .json()
        .await
        .unwrap();
    let id = order["order"]["id"].as_str().unwrap();
    let path = format!("/api/v1/orders/{id}");
    for (user, status) in [
        (&customer, StatusCode::OK),
        (&seller, StatusCode::OK),
        (&stranger, StatusCode::NOT_FOUND),
        (&other_seller, StatusCode::NOT_FOUND),
    ] {
        assert_eq!(
            app.get(&path, Some(&user.access_token)).await.status(),
            status,
            "{}",
            user.email
        );
    }
    let admin = app.admin().await;
    assert_eq!(
        app.get(&path, Some(&admin.access_token)).await.status(),
        StatusCode::OK
    );
    assert_problem(
        app.get(&path, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;

    let mine: Value = app
        .get("/api/v1/orders", Some(&customer.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["total"], 1);
    let theirs: Value = app
        .get("/api/v1/orders", Some(&stranger.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["total"], 0);
    let sellers: Value = app
        .get(
            "/api/v1/orders?status=pending_payment",
            Some(&seller.access_token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sellers["total"], 1);
    let paid: Value = app
        .get("/api/v1/orders?status=paid", Some(&customer.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(paid["total"], 0);
    assert_invalid_field(
        app.get("/api/v1/orders?status=lost", Some(&customer.access_token))
            .await,
        "status",
    )
    .await;
    let foreign_pay = app.pay(&stranger, id, GOOD_CARD).await;
    assert_problem(foreign_pay, StatusCode::NOT_FOUND, "not_found").await;
}

#[actix_web::test]
async fn cancelling_a_pending_order_releases_its_holds() {
    let app = spawn_app().await;
    let (seller, product) = app.stocked_product(4, json!({})).await;
    let customer = app.customer().await;
    let order: Value = app
        .checkout(&customer, &checkout_body(&[(&product, 3)]), None)
        .await
        .json()
        .await
        .unwrap();
    let id = order["order"]["id"].as_str().unwrap();
    let path = format!("/api/v1/orders/{id}/cancel");
    assert_problem(
        app.post(&path, Some(&seller.access_token), &json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let cancelled = app
        .post(&path, Some(&customer.access_token), &json!({}))
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    assert_eq!(
        cancelled.json::<Value>().await.unwrap()["status"],
        "cancelled"
    );
    assert_eq!(app.stock(&product).await, (4, 0, 4));
    assert_eq!(
        app.available(&product).await,
        4,
        "the actor gave the units back"
    );
    assert_problem(
        app.post(&path, Some(&customer.access_token), &json!({}))
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_problem(
        app.pay(&customer, id, GOOD_CARD).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
}

#[actix_web::test]
async fn cancelling_a_paid_order_restocks_and_refunds() {
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(4, json!({"price_cents": 2000})).await;
    let customer = app.customer().await;
    let order: Value = app
        .checkout(&customer, &checkout_body(&[(&product, 2)]), None)
        .await
        .json()
        .await
        .unwrap();
    let id = order["order"]["id"].as_str().unwrap();
    app.pay(&customer, id, GOOD_CARD).await;
    assert_eq!(app.stock(&product).await, (2, 0, 2));
    let cancelled: Value = app
        .post(
            &format!("/api/v1/orders/{id}/cancel"),
            Some(&customer.access_token),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["refunds"][0]["amount_cents"], 4000);
    assert_eq!(cancelled["refunds"][0]["restocked"], true);
    assert_eq!(
        app.stock(&product).await,
        (4, 0, 4),
        "units returned through the ledger"
    );
    assert_eq!(app.available(&product).await, 4);
}

#[actix_web::test]
async fn an_admin_can_cancel_any_order() {
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(2, json!({})).await;
    let customer = app.customer().await;
    let order: Value = app
        .checkout(&customer, &checkout_body(&[(&product, 1)]), None)
        .await
        .json()
        .await
        .unwrap();
    let admin = app.admin().await;
    let path = format!(
        "/api/v1/orders/{}/cancel",
        order["order"]["id"].as_str().unwrap()
    );
    let cancelled: Value = app
        .post(&path, Some(&admin.access_token), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        cancelled["events"].as_array().unwrap().last().unwrap()["by"],
        admin.id.as_str()
    );
}
