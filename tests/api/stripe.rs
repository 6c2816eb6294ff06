//! The Stripe adapter against a stand-in that follows Stripe's documented protocol: charges,
//! declines, a network error, a timeout, refunds, and signed webhooks (including one that arrives
//! before the API's answer, a forged one, a stale one and a redelivered one).

use crate::helpers::*;
use crate::stripe_standin::{Failure, SECRET_KEY, StripeStandIn, WEBHOOK_SECRET, now};
use bazaar::config::StripeSettings;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// A shop that charges through the stand-in, which delivers its webhooks to the shop.
async fn shop() -> (TestApp, StripeStandIn) {
    let stripe = StripeStandIn::start().await;
    let mut settings = test_settings();
    settings.stripe = Some(StripeSettings {
        secret_key: SECRET_KEY.into(),
        api_base: stripe.url.clone(),
        webhook_secret: Some(WEBHOOK_SECRET.into()),
        timeout: Duration::from_secs(1),
        webhook_tolerance: Duration::from_secs(300),
    });
    let app = spawn_app_with(settings).await;
    stripe.deliver_to(app.url("/api/v1/payments/stripe/webhook"));
    (app, stripe)
}

/// A customer's order of one unit of a new product, pending payment: (customer, order).
async fn pending_order(app: &TestApp) -> (TestUser, Value) {
    let (_, mug) = app.stocked_product(5, json!({})).await;
    let customer = app.customer().await;
    let order = app.place_order(&customer, &[(&mug, 1)]).await;
    (customer, order)
}

#[actix_web::test]
async fn a_card_is_charged_as_a_payment_intent_and_refunded_through_stripe() {
    let (app, stripe) = shop().await;
    let (customer, order) = pending_order(&app).await;
    let id = order["id"].as_str().unwrap();
    let paid = app.pay(&customer, id, GOOD_CARD).await;
    assert_eq!(paid.status(), StatusCode::OK);
    let paid: Value = paid.json().await.unwrap();
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payments"][0]["card_last4"], "4242");

    let asked = stripe.received("/v1/payment_intents");
    assert_eq!(asked.len(), 1);
    let form = &asked[0].form;
    assert_eq!(form["amount"], order["total_cents"].to_string());
    assert_eq!(form["currency"], "eur");
    assert_eq!(form["confirm"], "true");
    assert_eq!(form["metadata[order_id]"], id);
    assert!(
        asked[0]
            .idempotency_key
            .as_deref()
            .unwrap()
            .starts_with("order-")
    );

    // An admin's refund goes to Stripe against the intent.
    let admin = app.admin().await;
    let refunded = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/orders/{id}/refunds"),
            Some(&admin.access_token),
            Some(&json!({"amount_cents": 300, "reason": "late"})),
        )
        .await;
    assert_eq!(refunded.status(), StatusCode::CREATED);
    let intent = stripe.intents().into_keys().next().unwrap();
    assert_eq!(stripe.refunded(&intent), 300);
    assert_eq!(
        stripe.received("/v1/refunds")[0].form["payment_intent"],
        intent
    );
}

#[actix_web::test]
async fn stripes_declines_come_back_as_declines() {
    let (app, _stripe) = shop().await;
    let (customer, order) = pending_order(&app).await;
    let id = order["id"].as_str().unwrap();
    for (card, code) in [
        (DECLINED_CARD, "card_declined"),
        ("4000000000009995", "insufficient_funds"),
    ] {
        let declined = assert_problem(
            app.pay(&customer, id, card).await,
            StatusCode::PAYMENT_REQUIRED,
            "payment_declined",
        )
        .await;
        assert_eq!(declined["decline_code"], code);
    }
    // After two declines, a good card pays: each attempt asked Stripe with a key of its own.
    let paid = app.pay(&customer, id, GOOD_CARD).await;
    assert_eq!(paid.status(), StatusCode::OK);
}

#[actix_web::test]
async fn a_network_error_is_503_and_the_order_can_be_paid_again() {
    let (app, stripe) = shop().await;
    let (customer, order) = pending_order(&app).await;
    let id = order["id"].as_str().unwrap();
    stripe.fail_next(Failure::Drop);
    assert_problem(
        app.pay(&customer, id, GOOD_CARD).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
    )
    .await;
    let read = app.order_as(&customer, id).await;
    assert_eq!(read["status"], "pending_payment");
    assert!(stripe.intents().is_empty(), "nothing was charged");
    let paid = app.pay(&customer, id, GOOD_CARD).await;
    assert_eq!(paid.status(), StatusCode::OK);
    assert_eq!(stripe.intents().len(), 1);
}

#[actix_web::test]
async fn a_timeout_does_not_charge_twice_when_the_payment_is_retried() {
    let (app, stripe) = shop().await;
    let (customer, order) = pending_order(&app).await;
    let id = order["id"].as_str().unwrap();
    // Stripe charges, but its answer comes after the adapter gave up.
    stripe.fail_next(Failure::Stall(Duration::from_secs(3)));
    assert_problem(
        app.pay(&customer, id, GOOD_CARD).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
    )
    .await;
    assert_eq!(stripe.intents().len(), 1, "Stripe did charge");
    // The retry asks with the same idempotency key and gets that very intent.
    let paid = app.pay(&customer, id, GOOD_CARD).await;
    assert_eq!(paid.status(), StatusCode::OK);
    let paid: Value = paid.json().await.unwrap();
    assert_eq!(paid["payments"].as_array().unwrap().len(), 1);
    assert_eq!(stripe.intents().len(), 1, "charged once");
    let keys: Vec<_> = stripe
        .received("/v1/payment_intents")
        .into_iter()
        .map(|r| r.idempotency_key)
        .collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1]);
    assert!(stripe.received("/v1/refunds").is_empty());
}

#[actix_web::test]
async fn a_webhook_that_arrives_before_the_answer_pays_the_order_once() {
    let (app, stripe) = shop().await;
    let (customer, order) = pending_order(&app).await;
    let id = order["id"].as_str().unwrap();
    stripe.webhook_first(true);
    let api = app.as_user(&customer);
    let paying = |key| {
        let api = &api;
        async move { api.pay(id, &card_payment(GOOD_CARD), Some(key)).await }
    };
    let paid = paying("pay-once").await;
    assert_eq!(paid.status(), StatusCode::OK);
    let paid: Value = paid.json().await.unwrap();
    assert_eq!(paid["status"], "paid");
    // A retry with the key gets the same answer, though the webhook's unit paid the order.
    let again = paying("pay-once").await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["payments"], paid["payments"]);
    let read = app.order_as(&customer, id).await;
    let payments = read["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 1, "{read}");
    assert_eq!(payments[0]["status"], "succeeded");
    assert!(
        stripe.received("/v1/refunds").is_empty(),
        "the charge that paid was not given back"
    );
    assert_eq!(
        app.stock(read["items"][0]["product_id"].as_str().unwrap())
            .await
            .0,
        4
    );
}

#[actix_web::test]
async fn webhooks_are_verified_and_acted_on_once() {
    let (app, stripe) = shop().await;
    let (customer, order) = pending_order(&app).await;
    let id = order["id"].as_str().unwrap();
    // The API answer is lost (a timeout), and no retry comes: the webhook pays the order.
    stripe.fail_next(Failure::Stall(Duration::from_secs(3)));
    app.pay(&customer, id, GOOD_CARD).await;
    let intent = stripe.intents().into_keys().next().unwrap();
    let event = stripe.succeeded_event(&intent);

    // Forged, stale, or unsigned: refused, and nothing happens.
    for (secret, at) in [("whsec_forged", now()), (WEBHOOK_SECRET, now() - 301)] {
        assert_eq!(stripe.deliver(&event, secret, at).await, 400);
    }
    let unsigned = app
        .request(
            reqwest::Method::POST,
            "/api/v1/payments/stripe/webhook",
            None,
            Some(&event),
        )
        .await;
    assert_problem(unsigned, StatusCode::BAD_REQUEST, "invalid_signature").await;
    assert_eq!(
        app.order_as(&customer, id).await["status"],
        "pending_payment"
    );

    assert_eq!(stripe.deliver(&event, WEBHOOK_SECRET, now()).await, 200);
    let read = app.wait_for_order_status(&customer, id, "paid").await;
    assert_eq!(read["payments"][0]["card_last4"], "4242");
    // Delivered again (Stripe retries): acknowledged, nothing more.
    assert_eq!(stripe.deliver(&event, WEBHOOK_SECRET, now()).await, 200);
    let read = app.order_as(&customer, id).await;
    assert_eq!(read["payments"].as_array().unwrap().len(), 1);
    assert_eq!(app.count("SELECT count(*) FROM gateway_events").await, 1);

    // A charge for an order that can no longer take it is given back.
    let (other, order) = pending_order(&app).await;
    let other_id = order["id"].as_str().unwrap();
    stripe.fail_next(Failure::Stall(Duration::from_secs(3)));
    app.pay(&other, other_id, GOOD_CARD).await;
    let cancelled = app.as_user(&other).cancel(other_id).await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    let late = stripe
        .intents()
        .into_keys()
        .find(|key| *key != intent)
        .unwrap();
    let event = stripe.succeeded_event(&late);
    assert_eq!(stripe.deliver(&event, WEBHOOK_SECRET, now()).await, 200);
    assert_eq!(
        stripe.refunded(&late),
        order["total_cents"].as_i64().unwrap()
    );
    assert_eq!(app.order_as(&other, other_id).await["status"], "cancelled");
}

/// A charge whose answer comes after the order's hold ran out cannot pay it: it is recorded as
/// given back and refunded, and its webhook, arriving later, refunds (once) instead of paying.
#[actix_web::test]
async fn a_charge_given_back_never_pays_its_order_later() {
    let stripe = StripeStandIn::start().await;
    let mut settings = test_settings();
    settings.hold_ttl = Duration::from_secs(2);
    settings.stripe = Some(StripeSettings {
        secret_key: SECRET_KEY.into(),
        api_base: stripe.url.clone(),
        webhook_secret: Some(WEBHOOK_SECRET.into()),
        timeout: Duration::from_secs(10),
        webhook_tolerance: Duration::from_secs(300),
    });
    let app = spawn_app_with(settings).await;
    stripe.deliver_to(app.url("/api/v1/payments/stripe/webhook"));
    let (customer, order) = pending_order(&app).await;
    let id = order["id"].as_str().unwrap();
    let total = order["total_cents"].as_i64().unwrap();
    // Stripe charges, but answers after the hold has run out.
    stripe.fail_next(Failure::Stall(Duration::from_secs(3)));
    assert_problem(
        app.pay(&customer, id, GOOD_CARD).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let intent = stripe.intents().into_keys().next().unwrap();
    assert_eq!(stripe.refunded(&intent), total, "the charge was given back");
    let event = stripe.succeeded_event(&intent);
    assert_eq!(stripe.deliver(&event, WEBHOOK_SECRET, now()).await, 200);
    let read = app.order_as(&customer, id).await;
    assert_ne!(read["status"], "paid", "{read}");
    assert!(
        read["payments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] != "succeeded"),
        "{read}"
    );
    assert_eq!(stripe.refunded(&intent), total, "refunded once");
}

#[actix_web::test]
async fn without_a_signing_secret_the_webhook_route_is_off() {
    let app = spawn_app().await;
    let response = app
        .request(
            reqwest::Method::POST,
            "/api/v1/payments/stripe/webhook",
            None,
            Some(
                &json!({"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {}}}),
            ),
        )
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}
