//! Checkout and payment: all or nothing, idempotent retries, declines, limits, expiry.

use crate::helpers::{
    Bind, DECLINED_CARD, GOOD_CARD, TestDb, assert_invalid_field, assert_problem, card_body,
    card_payment, checkout_body, paying_checkout_body, spawn_app, spawn_app_with, test_settings,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

#[actix_web::test]
async fn a_customer_checks_out_then_pays() {
    let app = spawn_app().await;
    let (seller, product) = app.stocked_product(10, json!({"price_cents": 1250})).await;
    let customer = app.customer().await;
    let order = app.place_order(&customer, &[(&product, 3)]).await;
    assert_eq!(order["status"], "pending_payment");
    assert_eq!(
        (
            order["subtotal_cents"].as_i64(),
            order["total_cents"].as_i64()
        ),
        (Some(3750), Some(3750))
    );
    assert_eq!(order["items"][0]["name"], "Enamel Mug", "name snapshot");
    assert_eq!(
        order["items"][0]["unit_price_cents"], 1250,
        "price from the catalog"
    );
    assert_eq!(order["shipping_address"]["country"], "GB");
    assert!(order["payment_due_at"].is_string());
    assert_eq!(app.stock(&product).await, (10, 3, 10), "held, not sold");

    let id = order["id"].as_str().unwrap();
    let paid = app.pay(&customer, id, GOOD_CARD).await;
    assert_eq!(paid.status(), StatusCode::OK);
    let paid: Value = paid.json().await.unwrap();
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payments"][0]["card_last4"], "4242");
    assert_eq!(paid["payments"][0]["card_brand"], "visa");
    assert!(
        !paid.to_string().contains("4242424242424242"),
        "the card number is never stored"
    );
    assert_eq!(
        app.stock(&product).await,
        (7, 0, 7),
        "sold units left the shelf, through the ledger"
    );

    let read: Value = app.as_user(&customer).order(id).await.json().await.unwrap();
    assert_eq!(read, paid, "what pay answered is what is stored");
    let statuses: Vec<&str> = read["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["pending_payment", "paid"]);
    let again = app.pay(&customer, id, GOOD_CARD).await;
    assert_problem(again, StatusCode::CONFLICT, "conflict").await;
    let seller_view = app.as_user(&seller).order(id).await;
    assert_eq!(
        seller_view.status(),
        StatusCode::OK,
        "the seller of a line sees the order"
    );
}

#[actix_web::test]
async fn paying_in_the_checkout_call_and_a_declined_card() {
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(5, json!({})).await;
    let customer = app.customer().await;
    let mut body = paying_checkout_body(&[(&product, 1)], GOOD_CARD);
    let paid: Value = app
        .checkout(&customer, &body, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(paid["order"]["status"], "paid");

    body["payment"]["card"] = card_body(DECLINED_CARD);
    let declined = app.checkout(&customer, &body, None).await;
    let problem = assert_problem(declined, StatusCode::PAYMENT_REQUIRED, "payment_declined").await;
    let order_id = problem["order_id"].as_str().unwrap();
    let order: Value = app
        .as_user(&customer)
        .order(order_id)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        order["status"], "pending_payment",
        "a decline keeps the order and its holds"
    );
    assert_eq!(order["payments"][0]["status"], "declined");
    assert_eq!(app.stock(&product).await, (4, 1, 4));
    let insufficient = app.pay(&customer, order_id, "4000000000009995").await;
    let problem = assert_problem(
        insufficient,
        StatusCode::PAYMENT_REQUIRED,
        "payment_declined",
    )
    .await;
    assert_eq!(problem["decline_code"], "insufficient_funds");
    assert_eq!(
        app.pay(&customer, order_id, GOOD_CARD).await.status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_retried_checkout_that_paid_or_was_declined_replays_that_answer_and_charges_once() {
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(5, json!({})).await;
    let customer = app.customer().await;
    let mut body = paying_checkout_body(&[(&product, 1)], GOOD_CARD);
    let paid: Value = app
        .checkout(&customer, &body, Some("pay-now"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(paid["order"]["status"], "paid");
    let replay = app.checkout(&customer, &body, Some("pay-now")).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(
        replay.json::<Value>().await.unwrap(),
        paid,
        "the paid order, not the pending one"
    );

    body["payment"]["card"] = card_body(DECLINED_CARD);
    let declined = app.checkout(&customer, &body, Some("declined")).await;
    let problem = assert_problem(declined, StatusCode::PAYMENT_REQUIRED, "payment_declined").await;
    let replay = app.checkout(&customer, &body, Some("declined")).await;
    let replayed = assert_problem(replay, StatusCode::PAYMENT_REQUIRED, "payment_declined").await;
    assert_eq!(replayed["order_id"], problem["order_id"]);

    let charges: Vec<(String,)> = app
        .db
        .rows("SELECT status FROM payments ORDER BY created_at", &[])
        .await;
    let charges: Vec<String> = charges.into_iter().map(|(status,)| status).collect();
    assert_eq!(charges, ["succeeded", "declined"], "one charge per key");
    assert_eq!(app.count("SELECT count(*) FROM orders").await, 2);
}

#[actix_web::test]
async fn a_checkout_reserves_every_line_or_none() {
    let app = spawn_app().await;
    let (_, plenty) = app.stocked_product(10, json!({})).await;
    let (_, scarce) = app.stocked_product(1, json!({})).await;
    let customer = app.customer().await;
    let response = app
        .checkout(
            &customer,
            &checkout_body(&[(&plenty, 2), (&scarce, 2)]),
            None,
        )
        .await;
    let problem = assert_problem(response, StatusCode::CONFLICT, "out_of_stock").await;
    assert_eq!(problem["product_id"], scarce.as_str());
    assert_eq!(problem["available"], 1);
    assert_eq!(app.stock(&plenty).await, (10, 0, 10), "nothing stays held");
    assert_eq!(app.stock(&scarce).await, (1, 0, 1));
    assert_eq!(app.count("SELECT count(*) FROM orders").await, 0);
    assert_eq!(app.available(&plenty).await, 10);
}

#[actix_web::test]
async fn retries_with_an_idempotency_key_return_the_first_answer() {
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(10, json!({})).await;
    let customer = app.customer().await;
    let body = checkout_body(&[(&product, 2)]);
    let first: Value = app
        .checkout(&customer, &body, Some("key-1"))
        .await
        .json()
        .await
        .unwrap();
    let retry = app.checkout(&customer, &body, Some("key-1")).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.json::<Value>().await.unwrap(), first);
    let other_body = checkout_body(&[(&product, 3)]);
    let conflict = app.checkout(&customer, &other_body, Some("key-1")).await;
    assert_problem(
        conflict,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_conflict",
    )
    .await;

    // Two at once with one key: one order.
    let (a, b) = futures_util::join!(
        app.checkout(&customer, &body, Some("key-2")),
        app.checkout(&customer, &body, Some("key-2"))
    );
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    assert_eq!(a["order"]["id"], b["order"]["id"]);
    assert_eq!(app.count("SELECT count(*) FROM orders").await, 2);
    assert_eq!(
        app.stock(&product).await,
        (10, 4, 10),
        "no hold leaked from the losing request"
    );

    let id = first["order"]["id"].as_str().unwrap();
    let (as_customer, payment) = (app.as_user(&customer), card_payment(GOOD_CARD));
    let paid: Value = as_customer
        .pay(id, &payment, Some("pay-1"))
        .await
        .json()
        .await
        .unwrap();
    let replay = as_customer.pay(id, &payment, Some("pay-1")).await;
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(replay.json::<Value>().await.unwrap(), paid);
    assert_eq!(
        app.count("SELECT count(*) FROM payments").await,
        1,
        "the retry charged nothing"
    );
}

#[actix_web::test]
async fn per_customer_limits_count_unpaid_and_paid_orders() {
    let app = spawn_app().await;
    let (_, product) = app
        .stocked_product(100, json!({"max_per_customer": 2}))
        .await;
    let customer = app.customer().await;
    assert_eq!(
        app.checkout(&customer, &checkout_body(&[(&product, 1)]), None)
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.checkout(&customer, &checkout_body(&[(&product, 1)]), None)
            .await
            .status(),
        StatusCode::CREATED
    );
    let third = app
        .checkout(&customer, &checkout_body(&[(&product, 1)]), None)
        .await;
    let problem = assert_problem(third, StatusCode::CONFLICT, "limit_exceeded").await;
    assert_eq!(problem["limit"], 2);
    let other = app.customer().await;
    assert_eq!(
        app.checkout(&other, &checkout_body(&[(&product, 2)]), None)
            .await
            .status(),
        StatusCode::CREATED
    );
}

#[actix_web::test]
async fn unpaid_holds_expire_and_the_order_with_them() {
    let mut settings = test_settings();
    settings.hold_ttl = Duration::from_secs(1);
    let app = spawn_app_with(settings).await;
    let (_, product) = app.stocked_product(3, json!({})).await;
    let customer = app.customer().await;
    let order = app.place_order(&customer, &[(&product, 3)]).await;
    let id = order["id"].as_str().unwrap();
    assert_eq!(app.stock(&product).await.1, 3);
    app.wait_for_order_status(&customer, id, "expired").await;
    assert_eq!(
        app.stock(&product).await,
        (3, 0, 3),
        "the hold went back on the shelf"
    );
    assert_eq!(app.available(&product).await, 3);
    assert_problem(
        app.pay(&customer, id, GOOD_CARD).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
}

#[actix_web::test]
async fn holds_that_expired_while_the_server_was_down_are_released_at_start() {
    let mut settings = test_settings();
    settings.max_unpaid_orders = 1;
    let first = spawn_app_with(settings.clone()).await;
    let (_, product) = first.stocked_product(5, json!({})).await;
    let customer = first.customer().await;
    let order = first.place_order(&customer, &[(&product, 2)]).await;
    first.handle.stop(true).await;
    // The stopped server's pool may hold connections of its stopped workers: use our own.
    let db = TestDb::connect(&settings.database_url).await;
    let past = Bind::Time(time::OffsetDateTime::now_utc() - time::Duration::MINUTE);
    db.execute(
        "UPDATE holds SET expires_at = $1",
        std::slice::from_ref(&past),
    )
    .await;
    db.execute("UPDATE orders SET payment_due_at = $1", &[past])
        .await;

    let restarted = spawn_app_with(settings).await;
    assert_eq!(restarted.stock(&product).await, (5, 0, 5));
    let read: Value = restarted
        .as_user(&customer)
        .order(order["id"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["status"], "expired");
    // The expired order no longer counts toward the customer's one unpaid order.
    restarted.place_order(&customer, &[(&product, 1)]).await;
}

#[actix_web::test]
async fn checkout_input_is_checked() {
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(5, json!({})).await;
    let (_, dollars) = app.stocked_product(5, json!({"currency": "USD"})).await;
    let customer = app.customer().await;
    let cases = [
        (
            json!({"items": [{"product_id": product, "qty": 0}], "shipping_address_id": uuid::Uuid::nil()}),
            "items[0].qty",
        ),
        (
            json!({"items": [{"product_id": product, "qty": 1}]}),
            "shipping_address",
        ),
        (
            json!({"items": [{"product_id": product, "qty": 1}], "shipping_address_id": uuid::Uuid::nil()}),
            "shipping_address_id",
        ),
        (
            {
                let mut b = checkout_body(&[(&product, 1)]);
                b["shipping_address"]["country"] = json!("Narnia");
                b
            },
            "shipping_address.country",
        ),
        (
            {
                let mut b = checkout_body(&[(&product, 1)]);
                b["shipping_method"] = json!("teleport");
                b
            },
            "shipping_method",
        ),
        (
            paying_checkout_body(&[(&product, 1)], "4242424242424241"),
            "payment.card.number",
        ),
        (
            {
                let mut b = checkout_body(&[(&product, 1)]);
                b["total_cents"] = json!(1);
                b
            },
            "total_cents",
        ),
        (
            checkout_body(&[(&uuid::Uuid::nil().to_string(), 1)]),
            "items[0].product_id",
        ),
        (checkout_body(&[(&product, 1), (&dollars, 1)]), "items"),
        (checkout_body(&[]), "items"),
    ];
    for (body, field) in cases {
        assert_invalid_field(app.checkout(&customer, &body, None).await, field).await;
    }
    let seller = app.seller().await;
    let refused = app
        .checkout(&seller, &checkout_body(&[(&product, 1)]), None)
        .await;
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(app.stock(&product).await, (5, 0, 5));
}

#[actix_web::test]
async fn a_saved_address_is_used_only_by_its_owner() {
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(5, json!({})).await;
    let (owner, other) = (app.customer().await, app.customer().await);
    let address: Value = app
        .as_user(&owner)
        .add_address(&json!({"name": "Ada", "line1": "1 Main St", "city": "Paris", "postal_code": "75001", "country": "FR"}))
        .await
        .json()
        .await
        .unwrap();
    let body = json!({"items": [{"product_id": product, "qty": 1}], "shipping_address_id": address["id"], "shipping_method": "express"});
    let order: Value = app
        .checkout(&owner, &body, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order["order"]["shipping_address"]["city"], "Paris");
    assert_eq!(order["order"]["shipping_cents"], 1500);
    assert_eq!(order["order"]["total_cents"], 1299 + 1500);
    assert_invalid_field(
        app.checkout(&other, &body, None).await,
        "shipping_address_id",
    )
    .await;
}

/// During a rolling deploy the previous release reads and writes idempotency records as a status
/// and a body; the trigger of the migration keeps that form and the typed outcome in step.
#[actix_web::test]
async fn idempotency_records_stay_readable_by_the_previous_release_and_back() {
    // Rolling deploys concern deployments of several processes: PostgreSQL.
    let Some(settings) = crate::helpers::deployment_settings() else {
        return;
    };
    let app = spawn_app_with(settings).await;
    let pool = app.db.postgres().expect("PostgreSQL");
    let (_, product) = app.stocked_product(5, json!({})).await;
    let customer = app.customer().await;
    let body = checkout_body(&[(&product, 1)]);
    let placed = app.checkout(&customer, &body, Some("deploy-1")).await;
    assert_eq!(placed.status(), StatusCode::CREATED);
    let order: Value = placed.json().await.unwrap();
    let (status, response): (Option<i32>, Option<Value>) =
        sqlx::query_as("SELECT status_code, response FROM idempotency_keys WHERE key = 'deploy-1'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(status, Some(201), "the previous release's form is written");
    assert_eq!(response.unwrap()["order"]["id"], order["order"]["id"]);
    // The previous release records a decline for the key: this release replays it.
    sqlx::query(
        "UPDATE idempotency_keys SET status_code = 402, response = jsonb_build_object(
             'code', 'payment_declined', 'order_id', $1::text, 'decline_code', 'card_declined')
         WHERE key = 'deploy-1'",
    )
    .bind(order["order"]["id"].as_str().unwrap())
    .execute(pool)
    .await
    .unwrap();
    let replayed = assert_problem(
        app.checkout(&customer, &body, Some("deploy-1")).await,
        StatusCode::PAYMENT_REQUIRED,
        "payment_declined",
    )
    .await;
    assert_eq!(replayed["order_id"], order["order"]["id"]);
    assert_eq!(replayed["decline_code"], "card_declined");
}

#[actix_web::test]
async fn no_card_number_expiry_or_cvc_is_stored_in_any_form() {
    use sha2::{Digest, Sha256};
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(10, json!({})).await;
    let customer = app.customer().await;
    let card =
        json!({"number": "5555555555554444", "exp_month": 11, "exp_year": 2037, "cvc": "918"});
    let mut body = checkout_body(&[(&product, 1)]);
    body["payment"] = json!({"method": "card", "card": card});
    let paid = app
        .checkout(&customer, &body, Some("card-in-checkout"))
        .await;
    assert_eq!(paid.status(), StatusCode::CREATED);

    let order = app.place_order(&customer, &[(&product, 1)]).await;
    let payment = json!({"method": "card", "card": card});
    let paid_later = app
        .as_user(&customer)
        .pay(order["id"].as_str().unwrap(), &payment, Some("card-in-pay"))
        .await;
    assert_eq!(paid_later.status(), StatusCode::OK);

    let everything = app.db.everything_as_text().await;
    assert!(
        everything.contains("4444"),
        "the last four digits are kept: {everything}"
    );
    // Quoted where a bare number could occur by chance in ids and timestamps.
    let secrets = [
        "5555555555554444",
        "555555555555",
        "\"cvc\"",
        "\"918\"",
        "\"exp_month\"",
        "\"exp_year\"",
    ];
    for secret in secrets {
        assert!(!everything.contains(secret), "{secret} is stored");
    }
    let fingerprints: Vec<Vec<u8>> = app
        .db
        .rows::<(Vec<u8>,)>("SELECT request_hash FROM idempotency_keys", &[])
        .await
        .into_iter()
        .map(|(hash,)| hash)
        .collect();
    assert_eq!(fingerprints.len(), 2);
    for sent in [&body, &payment] {
        let unkeyed = Sha256::digest(serde_json::to_vec(sent).unwrap()).to_vec();
        assert!(
            !fingerprints.contains(&unkeyed),
            "a body's plain SHA-256 can be brute-forced into its card offline"
        );
    }
}
