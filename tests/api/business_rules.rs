//! The shop's rules against abuse of its flows (OWASP API6): a cap on one customer's orders
//! pending payment, unpaid units counting toward `max_per_customer`, a cap on declined payments
//! per order, and all of them held by the database when several processes take one customer's
//! checkouts at once. They are business rules: switching rate limits off does not lift them.

use crate::helpers::{
    Bind, DECLINED_CARD, GOOD_CARD, TestApp, TestUser, assert_problem, checkout_body,
    deployment_settings, spawn_app, spawn_app_with, test_settings,
};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

/// Races `count` checkouts of one unit of `product` by `customer`, spread over `apps`; the
/// statuses of the answers and the refusals' codes.
async fn race_checkouts(
    apps: &[&TestApp],
    customer: &TestUser,
    product: &str,
    count: usize,
) -> (usize, Vec<String>) {
    let body = checkout_body(&[(product, 1)]);
    let attempts = (0..count).map(|n| apps[n % apps.len()].checkout(customer, &body, None));
    let mut created = 0;
    let mut refusals = Vec::new();
    for response in futures_util::future::join_all(attempts).await {
        if response.status() == StatusCode::CREATED {
            created += 1;
        } else {
            assert_eq!(response.status(), StatusCode::CONFLICT);
            let problem: serde_json::Value = response.json().await.unwrap();
            refusals.push(problem["code"].as_str().unwrap().to_owned());
        }
    }
    (created, refusals)
}

#[actix_web::test]
async fn a_customer_holds_at_most_three_unpaid_orders() {
    let app = spawn_app().await;
    assert!(
        !app.settings.rate_limit,
        "rate limits are off: the rule holds anyway"
    );
    let (_, product) = app.stocked_product(100, json!({})).await;
    let customer = app.customer().await;
    let (created, refusals) = race_checkouts(&[&app], &customer, &product, 10).await;
    assert_eq!(created, 3);
    assert!(
        refusals.iter().all(|code| code == "too_many_unpaid_orders"),
        "{refusals:?}"
    );

    let refused = app
        .checkout(&customer, &checkout_body(&[(&product, 1)]), None)
        .await;
    let problem = assert_problem(refused, StatusCode::CONFLICT, "too_many_unpaid_orders").await;
    assert_eq!(problem["limit"], 3);
    assert_eq!(
        app.available(&product).await,
        97,
        "a refused checkout holds nothing"
    );

    let orders: serde_json::Value = app
        .as_user(&customer)
        .orders("")
        .await
        .json()
        .await
        .unwrap();
    let first = orders["items"][0]["id"].as_str().unwrap();
    assert_eq!(
        app.pay(&customer, first, GOOD_CARD).await.status(),
        StatusCode::OK
    );
    app.place_order(&customer, &[(&product, 1)]).await;
    let other = app.customer().await;
    app.place_order(&other, &[(&product, 1)]).await;
}

/// `customer`'s checkout of one unit of `product` is refused for their unpaid orders.
async fn assert_unpaid_cap(app: &TestApp, customer: &TestUser, product: &str) {
    let refused = app
        .checkout(customer, &checkout_body(&[(product, 1)]), None)
        .await;
    assert_problem(refused, StatusCode::CONFLICT, "too_many_unpaid_orders").await;
}

#[actix_web::test]
async fn a_paid_cancelled_or_expired_order_no_longer_counts_as_unpaid() {
    let mut settings = test_settings();
    settings.max_unpaid_orders = 1;
    let app = spawn_app_with(settings).await;
    let (_, product) = app.stocked_product(100, json!({})).await;
    let customer = app.customer().await;

    let first = app.place_order(&customer, &[(&product, 1)]).await;
    assert_unpaid_cap(&app, &customer, &product).await;
    let paid = app
        .pay(&customer, first["id"].as_str().unwrap(), GOOD_CARD)
        .await;
    assert_eq!(paid.status(), StatusCode::OK);

    let second = app.place_order(&customer, &[(&product, 1)]).await;
    assert_unpaid_cap(&app, &customer, &product).await;
    let cancelled = app
        .as_user(&customer)
        .cancel(second["id"].as_str().unwrap())
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    app.place_order(&customer, &[(&product, 1)]).await;
    assert_unpaid_cap(&app, &customer, &product).await;

    let mut settings = test_settings();
    settings.max_unpaid_orders = 1;
    settings.hold_ttl = Duration::from_secs(1);
    let hurried = spawn_app_with(settings).await;
    let (_, product) = hurried.stocked_product(100, json!({})).await;
    let late_payer = hurried.customer().await;
    // With a one-second hold, the cap is not checked before the order expires: on a busy machine
    // it may already have. The checkout after the expiry passes only if the slot came back.
    let unpaid = hurried.place_order(&late_payer, &[(&product, 1)]).await;
    hurried
        .wait_for_order_status(&late_payer, unpaid["id"].as_str().unwrap(), "expired")
        .await;
    hurried.place_order(&late_payer, &[(&product, 1)]).await;
}

#[actix_web::test]
async fn unpaid_units_count_toward_the_per_customer_limit_under_a_race() {
    let app = spawn_app().await;
    let (_, product) = app
        .stocked_product(100, json!({"max_per_customer": 2}))
        .await;
    let customer = app.customer().await;
    let (created, refusals) = race_checkouts(&[&app], &customer, &product, 8).await;
    assert_eq!(created, 2, "two unpaid orders of one unit reach the limit");
    assert!(
        refusals.iter().all(|code| code == "limit_exceeded"),
        "{refusals:?}"
    );
    assert_eq!(app.available(&product).await, 98);
}

#[actix_web::test]
async fn two_processes_racing_for_one_customer_cannot_both_pass_a_rule() {
    let Some(settings) = deployment_settings() else {
        return;
    };
    let a = spawn_app_with(settings.clone()).await;
    let b = spawn_app_with(settings).await;
    let (_, limited) = a.stocked_product(100, json!({"max_per_customer": 2})).await;
    let (_, plain) = a.stocked_product(100, json!({})).await;

    let customer = a.customer().await;
    let (created, _) = race_checkouts(&[&a, &b], &customer, &limited, 12).await;
    assert_eq!(created, 2, "max_per_customer across processes");
    let units =
        a.db.count(
            "SELECT CAST(coalesce(sum(oi.qty), 0) AS BIGINT) FROM order_items oi
             JOIN orders o ON o.id = oi.order_id WHERE o.user_id = $1",
            &[Bind::Uuid(customer.id.parse().unwrap())],
        )
        .await;
    assert_eq!(units, 2);

    let hoarder = a.customer().await;
    let (created, refusals) = race_checkouts(&[&a, &b], &hoarder, &plain, 12).await;
    assert_eq!(created, 3, "orders pending payment across processes");
    assert!(
        refusals.iter().all(|code| code == "too_many_unpaid_orders"),
        "{refusals:?}"
    );
}

#[actix_web::test]
async fn an_order_refuses_payment_after_five_declines() {
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(10, json!({})).await;
    let customer = app.customer().await;
    let order = app.place_order(&customer, &[(&product, 1)]).await;
    let order = order["id"].as_str().unwrap();

    let attempts = (0..12).map(|_| app.pay(&customer, order, DECLINED_CARD));
    let mut declined = 0;
    for response in futures_util::future::join_all(attempts).await {
        match response.status() {
            StatusCode::PAYMENT_REQUIRED => declined += 1,
            status => {
                assert_eq!(status, StatusCode::CONFLICT);
                assert_problem(response, status, "too_many_payment_attempts").await;
            }
        }
    }
    assert_eq!(declined, 5, "five declines, raced");
    let good = app.pay(&customer, order, GOOD_CARD).await;
    let problem = assert_problem(good, StatusCode::CONFLICT, "too_many_payment_attempts").await;
    assert_eq!(problem["limit"], 5);
    let payments = app
        .db
        .count(
            "SELECT count(*) FROM payments WHERE order_id = $1",
            &[Bind::Uuid(order.parse().unwrap())],
        )
        .await;
    assert_eq!(
        payments, 5,
        "one payment row per attempt that reached the gateway"
    );
}
