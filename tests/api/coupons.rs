//! Coupons: managing them, applying them to carts, pricing them into orders, redeeming them at
//! payment, every refusal by its code, and redemptions racing past a cap.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn in_secs(secs: i64) -> String {
    (OffsetDateTime::now_utc() + time::Duration::seconds(secs))
        .format(&Rfc3339)
        .unwrap()
}

async fn created(app: &TestApp, owner: &TestUser, body: Value) -> Value {
    let response = app.as_user(owner).create_coupon(&body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "create coupon");
    response.json().await.unwrap()
}

fn line<'a>(view: &'a Value, product: &str) -> &'a Value {
    view["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["product_id"] == product)
        .unwrap()
}

#[actix_web::test]
async fn sellers_manage_their_own_coupons_and_bad_input_names_the_field() {
    let app = spawn_app().await;
    let (seller, other, customer, admin) = (
        app.seller().await,
        app.seller().await,
        app.customer().await,
        app.admin().await,
    );
    let coupon = created(
        &app,
        &seller,
        json!({"code": "spring-10", "kind": "percent", "value": 10, "max_redemptions": 5}),
    )
    .await;
    assert_eq!(coupon["code"], "SPRING-10");
    assert_eq!(coupon["seller_id"], seller.id.to_string());
    assert_eq!(coupon["redemptions"], 0);

    // Only sellers and admins; each seller sees their own, an admin everyone's.
    assert_problem(
        app.as_user(&customer).coupons("").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let listed: Value = app.as_user(&other).coupons("").await.json().await.unwrap();
    assert_eq!(listed["total"], 0);
    let listed: Value = app.as_user(&admin).coupons("").await.json().await.unwrap();
    assert_eq!(listed["items"][0]["code"], "SPRING-10");

    // A live code is taken; another seller cannot withdraw it.
    assert_problem(
        app.as_user(&other)
            .create_coupon(&json!({"code": "Spring-10", "kind": "percent", "value": 5}))
            .await,
        StatusCode::CONFLICT,
        "coupon_code_taken",
    )
    .await;
    assert_problem(
        app.as_user(&other).withdraw_coupon("SPRING-10").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // An admin's coupon for one seller's lines names a seller; a seller's is for their own.
    for (user, other_seller) in [(&admin, &customer), (&seller, &other)] {
        let body = json!({"code": "FORYOU", "kind": "percent", "value": 5,
                          "seller_id": other_seller.id});
        assert_invalid_field(app.as_user(user).create_coupon(&body).await, "seller_id").await;
    }

    for (body, field) in [
        (json!({"code": "A", "kind": "percent", "value": 5}), "code"),
        (
            json!({"code": "BAD CODE", "kind": "percent", "value": 5}),
            "code",
        ),
        (json!({"code": "OK1", "kind": "half", "value": 5}), "kind"),
        (
            json!({"code": "OK1", "kind": "percent", "value": 150}),
            "value",
        ),
        (
            json!({"code": "OK1", "kind": "fixed", "value": 0, "currency": "EUR"}),
            "value",
        ),
        (
            json!({"code": "OK1", "kind": "fixed", "value": 500}),
            "currency",
        ),
        (
            json!({"code": "OK1", "kind": "percent", "value": 5, "currency": "EUR"}),
            "currency",
        ),
        (
            json!({"code": "OK1", "kind": "percent", "value": 5, "max_redemptions": 0}),
            "max_redemptions",
        ),
        (
            json!({"code": "OK1", "kind": "percent", "value": 5, "min_subtotal_cents": -1}),
            "min_subtotal_cents",
        ),
        (
            json!({"code": "OK1", "kind": "percent", "value": 5, "ends_at": "tomorrow"}),
            "ends_at",
        ),
        (
            json!({"code": "OK1", "kind": "percent", "value": 5,
                "starts_at": "2027-02-01T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z"}),
            "ends_at",
        ),
        (
            json!({"code": "OK1", "kind": "percent", "value": "5"}),
            "value",
        ),
    ] {
        assert_invalid_field(app.as_user(&seller).create_coupon(&body).await, field).await;
    }

    // Withdrawn: gone from the list, and its code is free again.
    let withdrawn = app.as_user(&seller).withdraw_coupon("spring-10").await;
    assert_eq!(withdrawn.status(), StatusCode::NO_CONTENT);
    let listed: Value = app.as_user(&seller).coupons("").await.json().await.unwrap();
    assert_eq!(listed["total"], 0);
    created(
        &app,
        &other,
        json!({"code": "SPRING-10", "kind": "percent", "value": 5}),
    )
    .await;
}

#[actix_web::test]
async fn a_sellers_coupon_discounts_their_lines_in_the_cart_and_is_redeemed_at_payment() {
    let app = spawn_app().await;
    let (seller, mug) = app.stocked_product(10, json!({"price_cents": 1999})).await;
    let (_, lamp) = app.stocked_product(10, json!({"price_cents": 4550})).await;
    created(
        &app,
        &seller,
        json!({"code": "MUGS", "kind": "percent", "value": 10, "min_subtotal_cents": 2000}),
    )
    .await;
    let customer = app.customer().await;
    let cart = app.as_user(&customer);
    cart.add_to_cart(&json!({"product_id": mug, "qty": 2}))
        .await;
    cart.add_to_cart(&json!({"product_id": lamp, "qty": 1}))
        .await;

    // 10 % of the seller's 39.98 is 3.998 -> 4.00; the lamp is another seller's.
    let view: Value = cart.apply_coupon("mugs").await.json().await.unwrap();
    assert_eq!(view["discount_cents"], 400);
    assert_eq!(view["subtotal_cents"], 3998 + 4550);
    assert_eq!(view["total_cents"], 3998 + 4550 - 400);
    assert_eq!(view["coupon"]["code"], "MUGS");
    assert_eq!(view["coupon"]["applies_to"], json!([mug]));
    assert_eq!(view["coupon"]["problem"], Value::Null);
    assert_eq!(line(&view, &mug)["discount_cents"], 400);
    assert_eq!(line(&view, &lamp)["discount_cents"], 0);
    // Removed, the cart is at full price; applied again, discounted again.
    let view: Value = cart.remove_coupon().await.json().await.unwrap();
    assert_eq!(
        (&view["coupon"], &view["discount_cents"]),
        (&Value::Null, &json!(0))
    );
    let view: Value = cart.apply_coupon("MUGS").await.json().await.unwrap();
    assert_eq!(view["discount_cents"], 400);

    // Below the minimum the coupon stays, says why, and discounts nothing; a checkout is refused.
    let view: Value = cart
        .set_cart_item(&mug, &json!({"qty": 1}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["discount_cents"], 0);
    assert_eq!(view["coupon"]["problem"]["code"], "coupon_minimum_not_met");
    let mut body = checkout_body(&[]);
    body.as_object_mut().unwrap().remove("items");
    let refused = assert_problem(
        app.checkout(&customer, &body, None).await,
        StatusCode::CONFLICT,
        "coupon_minimum_not_met",
    )
    .await;
    assert_eq!(refused["minimum_cents"], 2000);
    assert_eq!(app.stock(&mug).await, (10, 0, 10), "nothing reserved");

    // Back above it, the cart's checkout carries the discount; paying redeems the coupon.
    cart.set_cart_item(&mug, &json!({"qty": 2})).await;
    let placed: Value = app
        .checkout(&customer, &body, None)
        .await
        .json()
        .await
        .unwrap();
    let order = &placed["order"];
    assert_eq!(order["coupon_code"], "MUGS");
    assert_eq!(order["discount_cents"], 400);
    assert_eq!(order["total_cents"], 3998 + 4550 - 400);
    let view: Value = cart.cart().await.json().await.unwrap();
    assert_eq!(
        view["coupon"],
        Value::Null,
        "the cart's coupon went with the order"
    );
    let listed: Value = app.as_user(&seller).coupons("").await.json().await.unwrap();
    assert_eq!(listed["items"][0]["redemptions"], 0, "redeemed at payment");
    let paid = app
        .pay(&customer, order["id"].as_str().unwrap(), GOOD_CARD)
        .await;
    assert_eq!(paid.status(), StatusCode::OK);
    let paid: Value = paid.json().await.unwrap();
    assert_eq!(paid["payments"][0]["amount_cents"], 3998 + 4550 - 400);
    let listed: Value = app.as_user(&seller).coupons("").await.json().await.unwrap();
    assert_eq!(listed["items"][0]["redemptions"], 1);

    // The seller sees their share after the discount; a refund of it is capped there.
    let seen = app.order_as(&seller, order["id"].as_str().unwrap()).await;
    assert_eq!(seen["discount_cents"], 400);
    assert_eq!(seen["total_cents"], 3998 - 400);
}

#[actix_web::test]
async fn each_refusal_has_its_code() {
    let app = spawn_app().await;
    let (seller, mug) = app.stocked_product(10, json!({})).await;
    let (_, lamp) = app.stocked_product(10, json!({})).await;
    let admin = app.admin().await;
    created(
        &app,
        &seller,
        json!({"code": "ONCE", "kind": "fixed", "value": 300, "currency": "EUR",
               "max_per_customer": 1}),
    )
    .await;
    created(
        &app,
        &seller,
        json!({"code": "LATER", "kind": "percent", "value": 5, "starts_at": in_secs(3600)}),
    )
    .await;
    created(
        &app,
        &admin,
        json!({"code": "DOLLARS", "kind": "fixed", "value": 300, "currency": "USD"}),
    )
    .await;
    let customer = app.customer().await;
    let cart = app.as_user(&customer);
    cart.add_to_cart(&json!({"product_id": lamp, "qty": 1}))
        .await;

    for (code, status, problem) in [
        ("NOSUCH", StatusCode::NOT_FOUND, "not_found"),
        ("LATER", StatusCode::CONFLICT, "coupon_expired"),
        // A seller's coupon, with none of their products in the cart.
        ("ONCE", StatusCode::CONFLICT, "coupon_not_applicable"),
        // An amount in dollars on a cart in euros.
        ("DOLLARS", StatusCode::CONFLICT, "coupon_not_applicable"),
    ] {
        assert_problem(cart.apply_coupon(code).await, status, problem).await;
    }
    assert_invalid_field(
        app.request(
            reqwest::Method::POST,
            "/api/v1/cart/coupon",
            Some(&customer.access_token),
            Some(&json!({"code": 7})),
        )
        .await,
        "code",
    )
    .await;

    // Once per customer: the second use is exhausted for them.
    let mut body = checkout_body(&[(&mug, 1)]);
    body["coupon"] = json!("once");
    let first: Value = app
        .checkout(&customer, &body, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["order"]["discount_cents"], 300);
    let paid = app
        .pay(&customer, first["order"]["id"].as_str().unwrap(), GOOD_CARD)
        .await;
    assert_eq!(paid.status(), StatusCode::OK);
    assert_problem(
        app.checkout(&customer, &body, None).await,
        StatusCode::CONFLICT,
        "coupon_exhausted",
    )
    .await;
    // Another customer still may; an unknown code at checkout names the field.
    let other = app.customer().await;
    let placed = app.checkout(&other, &body, None).await;
    assert_eq!(placed.status(), StatusCode::CREATED);
    body["coupon"] = json!("NOSUCH");
    assert_invalid_field(app.checkout(&other, &body, None).await, "coupon").await;
}

#[actix_web::test]
async fn a_coupon_that_expires_between_cart_and_payment_is_refused_at_payment() {
    let app = spawn_app().await;
    let (seller, mug) = app.stocked_product(10, json!({})).await;
    created(
        &app,
        &seller,
        json!({"code": "BRIEF", "kind": "percent", "value": 20, "ends_at": in_secs(2)}),
    )
    .await;
    let customer = app.customer().await;
    let mut body = checkout_body(&[(&mug, 1)]);
    body["coupon"] = json!("BRIEF");
    let placed: Value = app
        .checkout(&customer, &body, None)
        .await
        .json()
        .await
        .unwrap();
    let order = placed["order"]["id"].as_str().unwrap().to_owned();
    actix_web::rt::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_problem(
        app.pay(&customer, &order, GOOD_CARD).await,
        StatusCode::CONFLICT,
        "coupon_expired",
    )
    .await;
    let read = app.order_as(&customer, &order).await;
    assert_eq!(read["status"], "pending_payment");
    assert_eq!(read["payments"], json!([]), "nothing was charged");
}

/// ACIDRain's coupon attack: many customers pay with a coupon of few redemptions at once.
#[actix_web::test]
async fn fifty_customers_racing_for_ten_redemptions_get_exactly_ten() {
    let app = spawn_app().await;
    let (seller, mug) = app.stocked_product(100, json!({})).await;
    created(
        &app,
        &seller,
        json!({"code": "TEN", "kind": "percent", "value": 50, "max_redemptions": 10}),
    )
    .await;
    let customers = app.many_customers(50).await;
    let outcomes = futures_util::future::join_all(customers.iter().map(|customer| {
        let app = &app;
        let mug = mug.clone();
        async move {
            let mut body = checkout_body(&[(&mug, 1)]);
            body["coupon"] = json!("TEN");
            let placed = app.checkout(customer, &body, None).await;
            if placed.status() != StatusCode::CREATED {
                let problem: Value = placed.json().await.unwrap();
                return problem["code"].as_str().unwrap().to_owned();
            }
            let placed: Value = placed.json().await.unwrap();
            let paid = app
                .pay(customer, placed["order"]["id"].as_str().unwrap(), GOOD_CARD)
                .await;
            if paid.status() == StatusCode::OK {
                return "paid".to_owned();
            }
            let problem: Value = paid.json().await.unwrap();
            problem["code"].as_str().unwrap().to_owned()
        }
    }))
    .await;
    let paid = outcomes.iter().filter(|o| *o == "paid").count();
    assert_eq!(paid, 10, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| o == "paid" || o == "coupon_exhausted"),
        "{outcomes:?}"
    );
    let listed: Value = app.as_user(&seller).coupons("").await.json().await.unwrap();
    assert_eq!(listed["items"][0]["redemptions"], 10);
    assert_eq!(
        app.count("SELECT count(*) FROM coupon_redemptions").await,
        10
    );
    // The charges of the payments the coupon refused were given back.
    assert_eq!(
        app.count("SELECT count(*) FROM payments WHERE status = 'succeeded'")
            .await,
        10
    );
}

#[actix_web::test]
async fn an_order_a_coupon_made_free_is_paid_without_charging_and_cancelled_without_refund() {
    let app = spawn_app().await;
    let (seller, mug) = app.stocked_product(5, json!({})).await;
    created(
        &app,
        &seller,
        json!({"code": "FREE", "kind": "percent", "value": 100}),
    )
    .await;
    let customer = app.customer().await;
    let mut body = checkout_body(&[(&mug, 1)]);
    body["coupon"] = json!("FREE");
    let placed: Value = app
        .checkout(&customer, &body, None)
        .await
        .json()
        .await
        .unwrap();
    let order = &placed["order"];
    assert_eq!(order["total_cents"], 0);
    let id = order["id"].as_str().unwrap();
    let paid = app.pay(&customer, id, GOOD_CARD).await;
    assert_eq!(paid.status(), StatusCode::OK);
    let paid: Value = paid.json().await.unwrap();
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payments"][0]["amount_cents"], 0);
    assert_eq!(app.stock(&mug).await.0, 4, "sold");
    let cancelled = app.as_user(&customer).cancel(id).await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    let read = app.order_as(&customer, id).await;
    assert_eq!(read["status"], "cancelled");
    assert_eq!(
        read["refunds"],
        json!([]),
        "nothing was paid, nothing refunded"
    );
}
