//! Fulfilment over HTTP: sellers process and ship their lines, couriers take them out and deliver
//! them, and nobody else moves an order; every step is on the timeline.

use crate::helpers::{
    GOOD_CARD, TestApp, TestUser, assert_invalid_field, assert_problem, checkout_body, spawn_app,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn step(status: &str) -> Value {
    json!({"status": status})
}

fn ship(courier: &TestUser) -> Value {
    json!({"status": "shipped", "tracking_number": "1Z-999-AA1", "courier_id": courier.id})
}

/// `user` moves `order` to the status of `body`, which must succeed; the order as they see it.
async fn moved(app: &TestApp, user: &TestUser, order: &str, body: &Value) -> Value {
    let response = app.as_user(user).change_status(order, body).await;
    assert_eq!(response.status(), StatusCode::OK, "{body}");
    response.json().await.unwrap()
}

/// `user` asks to move `order` as `body` says and is refused with `status` and `code`; the
/// problem.
async fn refused(
    app: &TestApp,
    user: &TestUser,
    order: &str,
    body: &Value,
    status: StatusCode,
    code: &str,
) -> Value {
    let response = app.as_user(user).change_status(order, body).await;
    assert_problem(response, status, code).await
}

/// `user` asks to move `order` as `body` says and gets 409 `illegal_transition`; the problem.
async fn illegal(app: &TestApp, user: &TestUser, order: &str, body: &Value) -> Value {
    refused(
        app,
        user,
        order,
        body,
        StatusCode::CONFLICT,
        "illegal_transition",
    )
    .await
}

/// The deliveries `courier` lists.
async fn deliveries_of(app: &TestApp, courier: &TestUser) -> Value {
    app.as_user(courier)
        .deliveries("")
        .await
        .json()
        .await
        .unwrap()
}

/// A paid order of two units of one product of a new seller, to an address with a phone:
/// (seller, customer, order id).
async fn paid_order_of_one_seller(app: &TestApp) -> (TestUser, TestUser, String) {
    let (seller, product) = app.stocked_product(10, json!({})).await;
    let customer = app.customer().await;
    let mut body = checkout_body(&[(&product, 2)]);
    body["shipping_address"]["phone"] = json!("+44 20 7946 0000");
    let placed = app.checkout(&customer, &body, None).await;
    assert_eq!(placed.status(), StatusCode::CREATED);
    let placed: Value = placed.json().await.unwrap();
    let id = placed["order"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.pay(&customer, &id, GOOD_CARD).await.status(),
        StatusCode::OK
    );
    (seller, customer, id)
}

#[actix_web::test]
async fn an_order_goes_from_paid_to_delivered_by_its_seller_and_its_courier() {
    let app = spawn_app().await;
    let (seller, customer, id) = paid_order_of_one_seller(&app).await;
    let courier = app.user_with_role("courier").await;

    let processing = moved(
        &app,
        &seller,
        &id,
        &json!({"status": "processing", "note": "packing"}),
    )
    .await;
    assert_eq!(processing["status"], "processing");
    assert_eq!(processing["shipments"][0]["status"], "processing");
    assert!(
        processing.get("payments").is_none(),
        "a seller sees no payments: {processing}"
    );

    let shipped = moved(&app, &seller, &id, &ship(&courier)).await;
    assert_eq!(shipped["status"], "shipped");
    let shipment = &shipped["shipments"][0];
    assert_eq!(shipment["tracking_number"], "1Z-999-AA1");
    assert_eq!(shipment["courier_id"], courier.id.as_str());
    assert!(shipment["shipped_at"].is_string());

    // The courier finds the parcel: where it goes, who to call, what is in it; no money.
    let deliveries = deliveries_of(&app, &courier).await;
    assert_eq!(deliveries["total"], 1);
    let delivery = &deliveries["items"][0];
    assert_eq!(delivery["order_id"], id.as_str());
    assert_eq!(delivery["status"], "shipped");
    assert_eq!(delivery["shipping_address"]["phone"], "+442079460000");
    assert_eq!(delivery["items"][0]["qty"], 2);
    let text = delivery.to_string();
    for money in ["price", "total", "payment", "cents"] {
        assert!(!text.contains(money), "a courier sees {money}: {text}");
    }
    let as_courier = app.order_as(&courier, &id).await;
    assert_eq!(as_courier["parcel_items"][0]["qty"], 2);
    assert!(!as_courier.to_string().contains("cents"), "{as_courier}");

    assert_eq!(
        moved(&app, &courier, &id, &step("out_for_delivery")).await["status"],
        "out_for_delivery"
    );
    let delivered = moved(&app, &courier, &id, &step("delivered")).await;
    assert_eq!(delivered["status"], "delivered");
    assert!(
        delivered["deliveries"][0]["delivered_at"].is_string(),
        "{delivered}"
    );

    // The customer's order page: the shipment, its courier's name, the tracking number and the
    // timeline, each step with who took it.
    let order = app.order_as(&customer, &id).await;
    assert_eq!(order["status"], "delivered");
    assert_eq!(order["shipments"][0]["courier_name"], "Test User");
    assert_eq!(order["shipments"][0]["tracking_number"], "1Z-999-AA1");
    let timeline: Vec<(&str, &str)> = order["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| {
            (
                event["status"].as_str().unwrap(),
                event["by"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        timeline[1..],
        [
            ("paid", customer.id.as_str()),
            ("processing", seller.id.as_str()),
            ("shipped", seller.id.as_str()),
            ("out_for_delivery", courier.id.as_str()),
            ("delivered", courier.id.as_str()),
        ]
    );
    assert_eq!(order["events"][2]["note"], "packing");
    let open = deliveries_of(&app, &courier).await;
    assert_eq!(open["items"][0]["status"], "delivered");
}

#[actix_web::test]
async fn an_illegal_move_is_a_409_naming_the_current_and_the_requested_status() {
    let app = spawn_app().await;
    let (seller, customer, id) = paid_order_of_one_seller(&app).await;
    let courier = app.user_with_role("courier").await;

    let problem = illegal(&app, &seller, &id, &ship(&courier)).await;
    assert_eq!(
        (problem["current"].as_str(), problem["requested"].as_str()),
        (Some("paid"), Some("shipped"))
    );
    for status in ["paid", "cancelled", "refunded", "pending_payment"] {
        let problem = illegal(&app, &seller, &id, &step(status)).await;
        assert_eq!(problem["requested"], status);
    }

    moved(&app, &seller, &id, &step("processing")).await;
    let problem = illegal(&app, &seller, &id, &step("processing")).await;
    assert_eq!(problem["current"], "processing");

    // An order not paid yet takes no step.
    let (other_seller, product) = app.stocked_product(5, json!({})).await;
    let pending = app.place_order(&customer, &[(&product, 1)]).await;
    let pending = pending["id"].as_str().unwrap();
    let problem = illegal(&app, &other_seller, pending, &step("processing")).await;
    assert_eq!(problem["current"], "pending_payment");

    // A shipped order can no longer be cancelled.
    moved(&app, &seller, &id, &ship(&courier)).await;
    assert_problem(
        app.as_user(&customer).cancel(&id).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let order = app.order_as(&customer, &id).await;
    assert_eq!(order["status"], "shipped");
}

#[actix_web::test]
async fn only_the_people_of_an_order_move_it_and_each_only_their_part() {
    let app = spawn_app().await;
    let (seller, customer, id) = paid_order_of_one_seller(&app).await;
    let (courier, other_courier) = (
        app.user_with_role("courier").await,
        app.user_with_role("courier").await,
    );
    let stranger_seller = app.seller().await;

    refused(
        &app,
        &customer,
        &id,
        &step("processing"),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    refused(
        &app,
        &stranger_seller,
        &id,
        &step("processing"),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    refused(
        &app,
        &courier,
        &id,
        &step("out_for_delivery"),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        app.as_user(&seller).deliveries("").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    moved(&app, &seller, &id, &step("processing")).await;
    // Shipping takes a tracking number and an active courier.
    let untracked = json!({"status": "shipped", "courier_id": courier.id});
    assert_invalid_field(
        app.as_user(&seller).change_status(&id, &untracked).await,
        "tracking_number",
    )
    .await;
    let to_customer =
        json!({"status": "shipped", "tracking_number": "T", "courier_id": customer.id});
    assert_invalid_field(
        app.as_user(&seller).change_status(&id, &to_customer).await,
        "courier_id",
    )
    .await;
    let picked = json!({"status": "shipped", "tracking_number": "T", "courier_id": courier.id, "seller_id": seller.id});
    assert_invalid_field(
        app.as_user(&seller).change_status(&id, &picked).await,
        "seller_id",
    )
    .await;
    moved(&app, &seller, &id, &ship(&courier)).await;

    refused(
        &app,
        &seller,
        &id,
        &step("out_for_delivery"),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    refused(
        &app,
        &other_courier,
        &id,
        &step("out_for_delivery"),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let empty = deliveries_of(&app, &other_courier).await;
    assert_eq!(empty["total"], 0);
    moved(&app, &courier, &id, &step("out_for_delivery")).await;
}

#[actix_web::test]
async fn an_order_of_two_sellers_moves_on_when_each_has_taken_the_step() {
    let app = spawn_app().await;
    let (first_seller, first) = app.stocked_product(10, json!({})).await;
    let (second_seller, second) = app.stocked_product(10, json!({})).await;
    let customer = app.customer().await;
    let order = app
        .paid_order(&customer, &[(&first, 1), (&second, 3)])
        .await;
    let id = order["id"].as_str().unwrap();
    let courier = app.user_with_role("courier").await;
    let status = |view: Value| view["status"].as_str().unwrap().to_owned();

    assert_eq!(
        status(moved(&app, &first_seller, id, &step("processing")).await),
        "paid"
    );
    let seller_view = moved(&app, &second_seller, id, &step("processing")).await;
    assert_eq!(status(seller_view.clone()), "processing");
    assert_eq!(
        seller_view["shipments"].as_array().unwrap().len(),
        1,
        "only their own: {seller_view}"
    );
    assert_eq!(
        status(moved(&app, &first_seller, id, &ship(&courier)).await),
        "processing"
    );
    // The first seller's part left and cannot ship twice; the order waits for the second.
    let problem = illegal(&app, &first_seller, id, &ship(&courier)).await;
    assert_eq!(problem["current"], "shipped");
    assert_eq!(app.order_as(&customer, id).await["status"], "processing");

    // An admin ships the rest; the courier carries both parcels.
    let admin = app.admin().await;
    assert_eq!(
        status(moved(&app, &admin, id, &ship(&courier)).await),
        "shipped"
    );
    let deliveries = deliveries_of(&app, &courier).await;
    assert_eq!(deliveries["total"], 2);
    let out = moved(&app, &courier, id, &step("out_for_delivery")).await;
    assert_eq!(out["status"], "out_for_delivery");
    assert_eq!(out["deliveries"].as_array().unwrap().len(), 2);
}
