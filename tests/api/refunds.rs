//! Refunds and returns over HTTP: sellers refund their own share and admins what was paid, never
//! more in all even when many race; returns after delivery, approved (a refund, with the units
//! back to stock) or rejected by their seller.

use crate::db::Bind;
use crate::helpers::{TestApp, TestUser, assert_invalid_field, assert_problem, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// `user` asks for `body` as a refund of `order` (with `key` as Idempotency-Key).
async fn refund(
    app: &TestApp,
    user: &TestUser,
    order: &str,
    body: Value,
    key: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(&format!("/api/v1/orders/{order}/refunds")))
        .bearer_auth(&user.access_token)
        .json(&body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.unwrap()
}

/// `user` asks for `body` as a refund of `order` and gets 409 `refund_too_large`; what they may
/// still refund.
async fn too_large(app: &TestApp, user: &TestUser, order: &str, body: Value) -> i64 {
    let response = refund(app, user, order, body, None).await;
    let problem = assert_problem(response, StatusCode::CONFLICT, "refund_too_large").await;
    problem["refundable_cents"].as_i64().unwrap()
}

/// `user` refunds `body` of `order`, which must succeed; the refund.
async fn refunded(app: &TestApp, user: &TestUser, order: &str, body: Value) -> Value {
    let response = refund(app, user, order, body.clone(), None).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    response.json().await.unwrap()
}

async fn status_of(app: &TestApp, customer: &TestUser, order: &str) -> String {
    let order = app.order_as(customer, order).await;
    order["status"].as_str().unwrap().to_owned()
}

/// A new customer's paid order of `units` units at 10.00 of a new seller's product: (seller,
/// product, customer, order id).
async fn paid_order_of(app: &TestApp, units: i64) -> (TestUser, String, TestUser, String) {
    let (seller, product) = app.stocked_product(10, json!({"price_cents": 1000})).await;
    let customer = app.customer().await;
    let order = app.paid_order(&customer, &[(&product, units)]).await;
    let id = order["id"].as_str().unwrap().to_owned();
    (seller, product, customer, id)
}

/// `order` as its customer reads it, and the sum of its refunds.
async fn refunds_of(app: &TestApp, customer: &TestUser, order: &str) -> (Value, i64) {
    let read = app.order_as(customer, order).await;
    let total = read["refunds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|refund| refund["amount_cents"].as_i64().unwrap())
        .sum();
    (read, total)
}

/// The ledger rows of `product` with `reason`, and the units they moved.
async fn ledger(app: &TestApp, product: &str, reason: &str) -> i64 {
    app.db
        .value(
            "SELECT CAST(coalesce(sum(delta), 0) AS BIGINT) FROM inventory_movements
             WHERE product_id = $1 AND reason = $2",
            &[
                Bind::Uuid(product.parse().unwrap()),
                Bind::Text(reason.to_owned()),
            ],
        )
        .await
}

#[actix_web::test]
async fn a_seller_refunds_from_their_own_share_and_an_admin_what_is_left() {
    let app = spawn_app().await;
    let (first_seller, first) = app.stocked_product(10, json!({"price_cents": 1000})).await;
    let (second_seller, second) = app.stocked_product(10, json!({"price_cents": 500})).await;
    let customer = app.customer().await;
    let order = app
        .paid_order(&customer, &[(&first, 2), (&second, 1)])
        .await;
    let id = order["id"].as_str().unwrap();
    assert_eq!(order["total_cents"], 2500);

    let made = refunded(
        &app,
        &first_seller,
        id,
        json!({"amount_cents": 1500, "reason": "scratched"}),
    )
    .await;
    assert_eq!(made["amount_cents"], 1500);
    assert_eq!(made["status"], "succeeded");
    assert_eq!(made["seller_id"], first_seller.id.as_str());
    assert_eq!(status_of(&app, &customer, id).await, "partially_refunded");

    assert_eq!(
        too_large(
            &app,
            &first_seller,
            id,
            json!({"amount_cents": 600, "reason": "more"})
        )
        .await,
        500
    );
    let rest = refunded(&app, &first_seller, id, json!({"reason": "the rest"})).await;
    assert_eq!(rest["amount_cents"], 500);

    // The second seller's refund gives their unit back to stock, in the ledger as a return.
    let restocked = refunded(
        &app,
        &second_seller,
        id,
        json!({"reason": "lost", "restock": true}),
    )
    .await;
    assert_eq!(
        (
            restocked["amount_cents"].as_i64(),
            restocked["restocked"].as_bool()
        ),
        (Some(500), Some(true))
    );
    assert_eq!(app.stock(&second).await, (10, 0, 10));
    assert_eq!(ledger(&app, &second, "return").await, 1);
    assert_eq!(app.available(&second).await, 10);
    assert_eq!(
        app.stock(&first).await,
        (8, 0, 8),
        "nothing restocked for the first"
    );
    assert_eq!(status_of(&app, &customer, id).await, "refunded");

    let admin = app.admin().await;
    assert_eq!(
        too_large(&app, &admin, id, json!({"reason": "again"})).await,
        0
    );
    let (_, total) = refunds_of(&app, &customer, id).await;
    assert_eq!(total, 2500);
    assert_problem(
        app.as_user(&customer).cancel(id).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
}

#[actix_web::test]
async fn only_its_sellers_and_admins_refund_an_order_and_only_what_was_paid() {
    let app = spawn_app().await;
    let (seller, product) = app.stocked_product(10, json!({"price_cents": 1000})).await;
    let customer = app.customer().await;
    let pending = app.place_order(&customer, &[(&product, 1)]).await;
    let pending = pending["id"].as_str().unwrap();
    let unpaid = refund(&app, &seller, pending, json!({"reason": "x"}), None).await;
    assert_problem(unpaid, StatusCode::CONFLICT, "conflict").await;

    let order = app.paid_order(&customer, &[(&product, 1)]).await;
    let id = order["id"].as_str().unwrap();
    let by_customer = refund(&app, &customer, id, json!({"reason": "x"}), None).await;
    assert_problem(by_customer, StatusCode::FORBIDDEN, "forbidden").await;
    let stranger = app.seller().await;
    let by_stranger = refund(&app, &stranger, id, json!({"reason": "x"}), None).await;
    assert_problem(by_stranger, StatusCode::NOT_FOUND, "not_found").await;
    assert_invalid_field(
        refund(&app, &seller, id, json!({"reason": ""}), None).await,
        "reason",
    )
    .await;
    let negative = refund(
        &app,
        &seller,
        id,
        json!({"reason": "x", "amount_cents": -5}),
        None,
    )
    .await;
    assert_invalid_field(negative, "amount_cents").await;
}

#[actix_web::test]
async fn a_refund_retried_with_its_idempotency_key_is_made_once() {
    let app = spawn_app().await;
    let (_, _, customer, order) = paid_order_of(&app, 3).await;
    let id = order.as_str();
    let admin = app.admin().await;
    let body = json!({"amount_cents": 700, "reason": "late"});

    let retries = (0..5).map(|_| refund(&app, &admin, id, body.clone(), Some("refund-1")));
    let mut made = Vec::new();
    for response in futures_util::future::join_all(retries).await {
        assert_eq!(response.status(), StatusCode::CREATED);
        let refund: Value = response.json().await.unwrap();
        made.push(refund["id"].as_str().unwrap().to_owned());
    }
    made.dedup();
    assert_eq!(made.len(), 1, "one refund for one key: {made:?}");
    let other = refund(
        &app,
        &admin,
        id,
        json!({"amount_cents": 100, "reason": "late"}),
        Some("refund-1"),
    )
    .await;
    assert_problem(
        other,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_conflict",
    )
    .await;
    let read = app.order_as(&customer, id).await;
    assert_eq!(read["refunds"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn refunds_racing_on_one_order_never_give_back_more_than_was_paid() {
    let app = spawn_app().await;
    let (seller, _, customer, order) = paid_order_of(&app, 5).await;
    let id = order.as_str();
    let admin = app.admin().await;

    // 24 refunds of 700 at once, from the admin and the seller: 7 fit in the 5,000 paid.
    let racers = (0..24).map(|n| {
        let user = if n % 2 == 0 { &admin } else { &seller };
        refund(
            &app,
            user,
            id,
            json!({"amount_cents": 700, "reason": format!("race {n}")}),
            None,
        )
    });
    let mut statuses = Vec::new();
    for response in futures_util::future::join_all(racers).await {
        let status = response.status();
        if status != StatusCode::CREATED {
            assert_problem(response, StatusCode::CONFLICT, "refund_too_large").await;
        }
        statuses.push(status);
    }
    let made = statuses
        .iter()
        .filter(|status| **status == StatusCode::CREATED)
        .count();
    assert_eq!(made, 7, "{statuses:?}");
    let (read, total) = refunds_of(&app, &customer, id).await;
    assert_eq!(total, 4_900);
    assert_eq!(read["status"], "partially_refunded");
    let last = refunded(&app, &admin, id, json!({"reason": "the last 100"})).await;
    assert_eq!(last["amount_cents"], 100);
    assert_eq!(status_of(&app, &customer, id).await, "refunded");
}

/// Carries `order` of `sellers` (each ships their own part) to the customer's door.
async fn deliver(app: &TestApp, sellers: &[&TestUser], order: &str) {
    let courier = app.user_with_role("courier").await;
    let mut steps = Vec::new();
    for seller in sellers {
        steps.push((*seller, json!({"status": "processing"})));
        steps.push((
            *seller,
            json!({"status": "shipped", "tracking_number": "T-1", "courier_id": courier.id}),
        ));
    }
    steps.push((&courier, json!({"status": "out_for_delivery"})));
    steps.push((&courier, json!({"status": "delivered"})));
    for (user, body) in steps {
        let response = app.as_user(user).change_status(order, &body).await;
        assert_eq!(response.status(), StatusCode::OK, "{body}");
    }
}

async fn open_return(
    app: &TestApp,
    customer: &TestUser,
    order: &str,
    lines: Value,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/orders/{order}/returns")))
        .bearer_auth(&customer.access_token)
        .json(&json!({"lines": lines, "reason": "does not fit"}))
        .send()
        .await
        .unwrap()
}

async fn decide(app: &TestApp, user: &TestUser, id: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/returns/{id}/decision")))
        .bearer_auth(&user.access_token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_delivered_line_is_returned_and_its_seller_approves_or_rejects() {
    let app = spawn_app().await;
    let (seller, product, customer, order) = paid_order_of(&app, 3).await;
    let id = order.as_str();
    let early = open_return(
        &app,
        &customer,
        id,
        json!([{"product_id": product, "qty": 1}]),
    )
    .await;
    assert_problem(early, StatusCode::CONFLICT, "conflict").await;
    deliver(&app, &[&seller], id).await;

    let opened = open_return(
        &app,
        &customer,
        id,
        json!([{"product_id": product, "qty": 2}]),
    )
    .await;
    assert_eq!(opened.status(), StatusCode::CREATED);
    let opened: Value = opened.json().await.unwrap();
    let first = opened["returns"][0].clone();
    assert_eq!(
        (first["status"].as_str(), first["lines"][0]["qty"].as_i64()),
        (Some("requested"), Some(2))
    );
    let too_many = open_return(
        &app,
        &customer,
        id,
        json!([{"product_id": product, "qty": 2}]),
    )
    .await;
    assert_invalid_field(too_many, "lines").await;
    let unknown = open_return(
        &app,
        &customer,
        id,
        json!([{"product_id": Uuid::now_v7(), "qty": 1}]),
    )
    .await;
    assert_invalid_field(unknown, "lines").await;

    // Only the customer opens a return of their order, and only its seller decides it.
    let by_seller = open_return(
        &app,
        &seller,
        id,
        json!([{"product_id": product, "qty": 1}]),
    )
    .await;
    assert_problem(by_seller, StatusCode::FORBIDDEN, "forbidden").await;
    let other_customer = app.customer().await;
    let not_theirs = open_return(
        &app,
        &other_customer,
        id,
        json!([{"product_id": product, "qty": 1}]),
    )
    .await;
    assert_problem(not_theirs, StatusCode::NOT_FOUND, "not_found").await;
    let stranger = app.seller().await;
    let first_id = first["id"].as_str().unwrap();
    let by_customer = decide(&app, &customer, first_id, json!({"approve": true})).await;
    assert_problem(by_customer, StatusCode::FORBIDDEN, "forbidden").await;
    let restock_rejected = decide(
        &app,
        &seller,
        first_id,
        json!({"approve": false, "restock": true}),
    )
    .await;
    assert_invalid_field(restock_rejected, "restock").await;
    assert_problem(
        decide(&app, &stranger, first_id, json!({"approve": true})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let approved = decide(
        &app,
        &seller,
        first_id,
        json!({"approve": true, "restock": true, "note": "sorry"}),
    )
    .await;
    assert_eq!(approved.status(), StatusCode::OK);
    let approved: Value = approved.json().await.unwrap();
    assert_eq!(approved["status"], "approved");
    let again = decide(&app, &seller, first_id, json!({"approve": false})).await;
    assert_problem(again, StatusCode::CONFLICT, "conflict").await;

    let read = app.order_as(&customer, id).await;
    assert_eq!(read["status"], "partially_refunded");
    assert_eq!(read["refunds"][0]["amount_cents"], 2000);
    assert_eq!(read["refunds"][0]["id"], approved["refund_id"]);
    assert_eq!(
        app.stock(&product).await,
        (9, 0, 9),
        "2 of the 3 sold came back"
    );
    assert_eq!(ledger(&app, &product, "return").await, 2);

    // The last unit: returned, then rejected; the timeline tells it all.
    let opened = open_return(
        &app,
        &customer,
        id,
        json!([{"product_id": product, "qty": 1}]),
    )
    .await;
    let opened: Value = opened.json().await.unwrap();
    let second = opened["returns"][0]["id"].as_str().unwrap().to_owned();
    let rejected = decide(
        &app,
        &seller,
        &second,
        json!({"approve": false, "note": "worn"}),
    )
    .await;
    let rejected: Value = rejected.json().await.unwrap();
    assert_eq!(
        (rejected["status"].as_str(), rejected["note"].as_str()),
        (Some("rejected"), Some("worn"))
    );
    let read = app.order_as(&customer, id).await;
    let notes: Vec<&str> = read["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["note"].as_str())
        .collect();
    for note in [
        "return requested: does not fit",
        "refund: return approved: sorry",
        "return rejected: worn",
    ] {
        assert!(notes.contains(&note), "{note} missing from {notes:?}");
    }
}

#[actix_web::test]
async fn units_come_back_to_stock_once_however_many_refunds_ask() {
    let app = spawn_app().await;
    let (seller, product, customer, order) = paid_order_of(&app, 3).await;
    let id = order.as_str();
    deliver(&app, &[&seller], id).await;
    let opened = open_return(
        &app,
        &customer,
        id,
        json!([{"product_id": product, "qty": 1}]),
    )
    .await;
    let opened: Value = opened.json().await.unwrap();
    let ret = opened["returns"][0]["id"].as_str().unwrap().to_owned();

    // A partial refund that gives every unit back to stock...
    refunded(
        &app,
        &seller,
        id,
        json!({"amount_cents": 1000, "reason": "recall", "restock": true}),
    )
    .await;
    assert_eq!(app.stock(&product).await, (10, 0, 10));
    // ...leaves none for the return's approval to give back again.
    let approval = decide(
        &app,
        &seller,
        &ret,
        json!({"approve": true, "restock": true}),
    )
    .await;
    assert_problem(approval, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(app.stock(&product).await, (10, 0, 10));
    // Approved without restocking, the return refunds its unit from the seller's share.
    let approval = decide(&app, &seller, &ret, json!({"approve": true})).await;
    assert_eq!(approval.status(), StatusCode::OK);
    let (_, total) = refunds_of(&app, &customer, id).await;
    assert_eq!(total, 2000);
    // The approval counted against the seller's share: 1,000 of their 3,000 is left.
    assert_eq!(
        too_large(
            &app,
            &seller,
            id,
            json!({"amount_cents": 1001, "reason": "x"})
        )
        .await,
        1000
    );
}

/// `GET /orders/{order}/returns` as `user`.
async fn returns_of(app: &TestApp, user: &TestUser, order: &str) -> reqwest::Response {
    app.get(
        &format!("/api/v1/orders/{order}/returns"),
        Some(&user.access_token),
    )
    .await
}

#[actix_web::test]
async fn an_orders_returns_are_listed_for_its_customer_its_seller_and_admins() {
    let app = spawn_app().await;
    let (seller, product, customer, order) = paid_order_of(&app, 2).await;
    let id = order.as_str();
    let none: Value = returns_of(&app, &customer, id).await.json().await.unwrap();
    assert_eq!(none["returns"], json!([]));
    deliver(&app, &[&seller], id).await;
    let opened = open_return(
        &app,
        &customer,
        id,
        json!([{"product_id": product, "qty": 1}]),
    )
    .await;
    assert_eq!(opened.status(), StatusCode::CREATED);

    let admin = app.admin().await;
    for user in [&customer, &seller, &admin] {
        let response = returns_of(&app, user, id).await;
        assert_eq!(response.status(), StatusCode::OK, "{}", user.email);
        let listed: Value = response.json().await.unwrap();
        let returns = listed["returns"].as_array().unwrap();
        assert_eq!(returns.len(), 1, "{}", user.email);
        assert_eq!(returns[0]["status"], "requested");
        assert_eq!(returns[0]["lines"][0]["product_id"], product.as_str());
    }
    let stranger = app.seller().await;
    let other_customer = app.customer().await;
    for user in [&stranger, &other_customer] {
        let response = returns_of(&app, user, id).await;
        assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[actix_web::test]
async fn each_seller_sees_only_their_own_returns_of_a_shared_order() {
    let app = spawn_app().await;
    let (first_seller, first) = app.stocked_product(5, json!({"price_cents": 1000})).await;
    let (second_seller, second) = app.stocked_product(5, json!({"price_cents": 2000})).await;
    let customer = app.customer().await;
    let order = app
        .paid_order(&customer, &[(&first, 1), (&second, 1)])
        .await;
    let id = order["id"].as_str().unwrap();
    deliver(&app, &[&first_seller, &second_seller], id).await;
    let lines = json!([{"product_id": first, "qty": 1}, {"product_id": second, "qty": 1}]);
    let opened = open_return(&app, &customer, id, lines).await;
    assert_eq!(opened.status(), StatusCode::CREATED);

    let all: Value = returns_of(&app, &customer, id).await.json().await.unwrap();
    assert_eq!(
        all["returns"].as_array().unwrap().len(),
        2,
        "one per seller"
    );
    for (seller, product) in [(&first_seller, &first), (&second_seller, &second)] {
        let own: Value = returns_of(&app, seller, id).await.json().await.unwrap();
        let returns = own["returns"].as_array().unwrap();
        assert_eq!(returns.len(), 1, "{own}");
        assert_eq!(returns[0]["seller_id"], seller.id.as_str());
        assert_eq!(returns[0]["lines"][0]["product_id"], product.as_str());
    }
}
