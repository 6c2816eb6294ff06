//! The wallet: topping up by card (idempotent, limited), paying orders from it without ever
//! going below zero, refunds back into it, and a ledger whose sum is the balance.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn top_up_body(amount: i64, number: &str) -> Value {
    json!({"amount_cents": amount, "card": card_body(number)})
}

fn wallet_payment() -> Value {
    json!({"method": "wallet"})
}

/// Every wallet's balance is the sum of its ledger, and none is below zero.
async fn assert_ledgers_add_up(app: &TestApp) {
    let off = app
        .count(
            "SELECT count(*) FROM wallets w WHERE balance_cents < 0 OR balance_cents <> \
             (SELECT coalesce(sum(amount_cents), 0) FROM wallet_transactions t \
              WHERE t.user_id = w.user_id)",
        )
        .await;
    assert_eq!(
        off, 0,
        "a wallet whose balance is not the sum of its ledger"
    );
}

async fn balance(app: &TestApp, user: &TestUser) -> i64 {
    let wallet: Value = app.as_user(user).wallet("").await.json().await.unwrap();
    wallet["balance_cents"].as_i64().unwrap()
}

#[actix_web::test]
async fn a_wallet_is_topped_up_spent_and_refunded_with_its_ledger() {
    let app = spawn_app().await;
    let (_, mug) = app.stocked_product(5, json!({})).await;
    let customer = app.customer().await;
    let empty: Value = app
        .as_user(&customer)
        .wallet("")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(empty["balance_cents"], 0);
    assert_eq!(empty["currency"], "EUR");
    assert_eq!(empty["transactions"]["total"], 0);

    let topped = app
        .as_user(&customer)
        .top_up(&top_up_body(5000, GOOD_CARD), None)
        .await;
    assert_eq!(topped.status(), StatusCode::CREATED);
    let topped: Value = topped.json().await.unwrap();
    assert_eq!(topped["kind"], "top_up");
    assert_eq!(topped["balance_after_cents"], 5000);
    assert_eq!(topped["card_last4"], "4242");
    assert!(!topped.to_string().contains("4242424242424242"));

    let order = app.place_order(&customer, &[(&mug, 1)]).await;
    let id = order["id"].as_str().unwrap();
    let paid = app
        .as_user(&customer)
        .pay(id, &wallet_payment(), None)
        .await;
    assert_eq!(paid.status(), StatusCode::OK);
    let paid: Value = paid.json().await.unwrap();
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payments"][0]["method"], "wallet");
    assert_eq!(paid["payments"][0]["card_last4"], Value::Null);
    assert_eq!(balance(&app, &customer).await, 5000 - 1299);
    assert_eq!(app.stock(&mug).await.0, 4, "sold");

    // Cancelled: the money goes back to the wallet, not to a card.
    let cancelled = app.as_user(&customer).cancel(id).await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    assert_eq!(balance(&app, &customer).await, 5000);
    let wallet: Value = app
        .as_user(&customer)
        .wallet("")
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<(&str, i64, i64)> = wallet["transactions"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["kind"].as_str().unwrap(),
                t["amount_cents"].as_i64().unwrap(),
                t["balance_after_cents"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("refund", 1299, 5000),
            ("payment", -1299, 3701),
            ("top_up", 5000, 5000)
        ]
    );
    let paged: Value = app
        .as_user(&customer)
        .wallet("per_page=1&page=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(paged["transactions"]["items"][0]["kind"], "payment");
    assert_ledgers_add_up(&app).await;

    // A seller's refund of a wallet payment goes back to the wallet too.
    let order = app.place_order(&customer, &[(&mug, 2)]).await;
    let id = order["id"].as_str().unwrap();
    app.as_user(&customer)
        .pay(id, &wallet_payment(), None)
        .await;
    let admin = app.admin().await;
    let refunded = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/orders/{id}/refunds"),
            Some(&admin.access_token),
            Some(&json!({"amount_cents": 500, "reason": "scratched"})),
        )
        .await;
    assert_eq!(refunded.status(), StatusCode::CREATED);
    assert_eq!(balance(&app, &customer).await, 5000 - 2598 + 500);
    assert_ledgers_add_up(&app).await;
}

#[actix_web::test]
async fn bad_top_ups_and_payments_are_refused_and_change_nothing() {
    let mut settings = test_settings();
    settings.wallet.top_ups_per_day = 2;
    let app = spawn_app_with(settings).await;
    let customer = app.customer().await;
    let wallet = app.as_user(&customer);
    for (body, field) in [
        (top_up_body(0, GOOD_CARD), "amount_cents"),
        (top_up_body(50_001, GOOD_CARD), "amount_cents"),
        (top_up_body(1000, "1234"), "card.number"),
        (json!({"amount_cents": 1000}), "card"),
        (
            json!({"amount_cents": "10", "card": card_body(GOOD_CARD)}),
            "amount_cents",
        ),
    ] {
        assert_invalid_field(wallet.top_up(&body, None).await, field).await;
    }
    let declined = assert_problem(
        wallet.top_up(&top_up_body(1000, DECLINED_CARD), None).await,
        StatusCode::PAYMENT_REQUIRED,
        "payment_declined",
    )
    .await;
    assert_eq!(declined["decline_code"], "card_declined");
    assert_eq!(balance(&app, &customer).await, 0);

    // Two a day; the third waits.
    for _ in 0..2 {
        let topped = wallet.top_up(&top_up_body(1000, GOOD_CARD), None).await;
        assert_eq!(topped.status(), StatusCode::CREATED);
    }
    let response = wallet.top_up(&top_up_body(1000, GOOD_CARD), None).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "too_many_top_ups").await;
    assert_eq!(balance(&app, &customer).await, 2000);

    // A wallet payment takes no card; an order dearer than the balance is declined.
    let (_, lamp) = app.stocked_product(5, json!({"price_cents": 2500})).await;
    let order = app.place_order(&customer, &[(&lamp, 1)]).await;
    let id = order["id"].as_str().unwrap();
    assert_invalid_field(
        wallet
            .pay(
                id,
                &json!({"method": "wallet", "card": card_body(GOOD_CARD)}),
                None,
            )
            .await,
        "card",
    )
    .await;
    let short = assert_problem(
        wallet.pay(id, &wallet_payment(), None).await,
        StatusCode::PAYMENT_REQUIRED,
        "payment_declined",
    )
    .await;
    assert_eq!(short["decline_code"], "insufficient_funds");
    assert_eq!(balance(&app, &customer).await, 2000);
    assert_eq!(app.stock(&lamp).await, (5, 1, 5), "still held, not sold");

    // The wallet holds euros: a dollar order cannot be paid from it.
    let (_, hat) = app
        .stocked_product(5, json!({"currency": "USD", "price_cents": 500}))
        .await;
    let order = app.place_order(&customer, &[(&hat, 1)]).await;
    assert_invalid_field(
        wallet
            .pay(order["id"].as_str().unwrap(), &wallet_payment(), None)
            .await,
        "method",
    )
    .await;
    assert_ledgers_add_up(&app).await;
}

/// ACIDRain's wallet attack: one customer pays many orders at once from a wallet that covers a
/// few.
#[actix_web::test]
async fn twenty_payments_racing_on_a_wallet_that_covers_five_take_exactly_five() {
    let mut settings = test_settings();
    settings.max_unpaid_orders = 20;
    let app = spawn_app_with(settings).await;
    let (_, mug) = app.stocked_product(40, json!({})).await;
    let customer = app.customer().await;
    let topped = app
        .as_user(&customer)
        .top_up(&top_up_body(5 * 1299, GOOD_CARD), None)
        .await;
    assert_eq!(topped.status(), StatusCode::CREATED);
    let mut orders = Vec::new();
    for _ in 0..20 {
        let order = app.place_order(&customer, &[(&mug, 1)]).await;
        orders.push(order["id"].as_str().unwrap().to_owned());
    }
    let statuses = futures_util::future::join_all(orders.iter().map(|id| {
        let api = app.as_user(&customer);
        async move { api.pay(id, &wallet_payment(), None).await.status() }
    }))
    .await;
    let paid = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(paid, 5, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::PAYMENT_REQUIRED),
        "{statuses:?}"
    );
    assert_eq!(balance(&app, &customer).await, 0);
    assert_ledgers_add_up(&app).await;
    let (on_hand, _, _) = app.stock(&mug).await;
    assert_eq!(on_hand, 40 - 5, "only the paid units were sold");
}

#[actix_web::test]
async fn concurrent_top_ups_with_one_key_credit_once() {
    let app = spawn_app().await;
    let customer = app.customer().await;
    let body = top_up_body(2500, GOOD_CARD);
    let answers = futures_util::future::join_all((0..10).map(|_| {
        let api = app.as_user(&customer);
        let body = body.clone();
        async move {
            let response = api.top_up(&body, Some("top-up-1")).await;
            let status = response.status();
            let entry: Value = response.json().await.unwrap();
            (status, entry["id"].clone())
        }
    }))
    .await;
    assert!(
        answers
            .iter()
            .all(|(status, _)| *status == StatusCode::CREATED),
        "{answers:?}"
    );
    assert!(
        answers.iter().all(|(_, id)| *id == answers[0].1),
        "{answers:?}"
    );
    assert_eq!(balance(&app, &customer).await, 2500);
    assert_eq!(
        app.count("SELECT count(*) FROM wallet_transactions WHERE kind = 'top_up'")
            .await,
        1
    );
    // The same key with another body is a conflict, and credits nothing.
    assert_problem(
        app.as_user(&customer)
            .top_up(&top_up_body(9000, GOOD_CARD), Some("top-up-1"))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_conflict",
    )
    .await;
    assert_eq!(balance(&app, &customer).await, 2500);
    assert_ledgers_add_up(&app).await;
}
