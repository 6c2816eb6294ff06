//! Reading and cancelling orders, with their ownership rules.

use crate::helpers::{
    GOOD_CARD, TestApp, TestUser, assert_invalid_field, assert_problem, spawn_app,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The `total` of the orders `user` lists with `query`.
async fn orders_total(app: &TestApp, user: &TestUser, query: &str) -> Value {
    let page: Value = app.as_user(user).orders(query).await.json().await.unwrap();
    page["total"].clone()
}

#[actix_web::test]
async fn orders_are_seen_by_their_customer_sellers_and_admins_only() {
    let app = spawn_app().await;
    let (seller, product) = app.stocked_product(10, json!({})).await;
    let (customer, stranger, other_seller) = (
        app.customer().await,
        app.customer().await,
        app.seller().await,
    );
    let order = app.place_order(&customer, &[(&product, 1)]).await;
    let id = order["id"].as_str().unwrap();
    for (user, status) in [
        (&customer, StatusCode::OK),
        (&seller, StatusCode::OK),
        (&stranger, StatusCode::NOT_FOUND),
        (&other_seller, StatusCode::NOT_FOUND),
    ] {
        assert_eq!(
            app.as_user(user).order(id).await.status(),
            status,
            "{}",
            user.email
        );
    }
    let admin = app.admin().await;
    assert_eq!(app.as_user(&admin).order(id).await.status(), StatusCode::OK);
    assert_problem(
        app.anonymous().order(id).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;

    assert_eq!(orders_total(&app, &customer, "").await, 1);
    assert_eq!(orders_total(&app, &stranger, "").await, 0);
    assert_eq!(
        orders_total(&app, &seller, "status=pending_payment").await,
        1
    );
    assert_eq!(orders_total(&app, &customer, "status=paid").await, 0);
    assert_invalid_field(app.as_user(&customer).orders("status=lost").await, "status").await;
    let foreign_pay = app.pay(&stranger, id, GOOD_CARD).await;
    assert_problem(foreign_pay, StatusCode::NOT_FOUND, "not_found").await;
}

#[actix_web::test]
async fn cancelling_a_pending_order_releases_its_holds() {
    let app = spawn_app().await;
    let (seller, product) = app.stocked_product(4, json!({})).await;
    let customer = app.customer().await;
    let order = app.place_order(&customer, &[(&product, 3)]).await;
    let id = order["id"].as_str().unwrap();
    assert_problem(
        app.as_user(&seller).cancel(id).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let cancelled = app.as_user(&customer).cancel(id).await;
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
        app.as_user(&customer).cancel(id).await,
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
    let order = app.paid_order(&customer, &[(&product, 2)]).await;
    assert_eq!(app.stock(&product).await, (2, 0, 2));
    let cancelled: Value = app
        .as_user(&customer)
        .cancel(order["id"].as_str().unwrap())
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
    let order = app.place_order(&customer, &[(&product, 1)]).await;
    let admin = app.admin().await;
    let cancelled: Value = app
        .as_user(&admin)
        .cancel(order["id"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        cancelled["events"].as_array().unwrap().last().unwrap()["by"],
        admin.id.as_str()
    );
}

#[actix_web::test]
async fn a_seller_of_one_line_sees_only_their_lines_their_share_and_where_to_ship() {
    let app = spawn_app().await;
    let (mug_seller, mug) = app.stocked_product(10, json!({"price_cents": 1000})).await;
    let (_, lamp) = app.stocked_product(10, json!({"price_cents": 5000})).await;
    let customer = app.customer().await;
    let mut body = crate::helpers::checkout_body(&[(&mug, 2), (&lamp, 1)]);
    body["shipping_address"]["phone"] = json!("+44 20 7946 0958");
    body["payment"] = crate::helpers::card_payment(GOOD_CARD);
    let placed = app.checkout(&customer, &body, None).await;
    assert_eq!(placed.status(), StatusCode::CREATED);
    let whole: Value = placed.json().await.unwrap();
    let id = whole["order"]["id"].as_str().unwrap();

    let seen: Value = app
        .as_user(&mug_seller)
        .order(id)
        .await
        .json()
        .await
        .unwrap();
    let lines = seen["items"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "only their own line: {seen}");
    assert_eq!(lines[0]["product_id"], mug.as_str());
    assert_eq!(seen["subtotal_cents"], 2000, "their share");
    assert_eq!(
        seen["total_cents"], 2000,
        "their share, without the shop's shipping"
    );
    assert_eq!(seen["shipping_address"]["line1"], "12 St James's Square");
    for hidden in ["payments", "refunds", "user_id", "shipping_cents"] {
        assert!(
            seen.get(hidden).is_none(),
            "{hidden} shown to a seller: {seen}"
        );
    }
    assert!(seen["shipping_address"].get("phone").is_none(), "{seen}");
    assert!(!seen.to_string().contains("4242"), "no card digits");
    assert!(
        seen["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["by"].is_null()),
        "the customer's id is not shown in the timeline"
    );

    let listed: Value = app
        .as_user(&mug_seller)
        .orders("")
        .await
        .json()
        .await
        .unwrap();
    let row = &listed["items"][0];
    assert_eq!(row["id"], id);
    assert_eq!(row["subtotal_cents"], 2000);
    assert_eq!(row["items"].as_array().unwrap().len(), 1);
    assert!(row.get("payments").is_none() && row.get("user_id").is_none());

    let own: Value = app.as_user(&customer).order(id).await.json().await.unwrap();
    assert_eq!(
        own["items"].as_array().unwrap().len(),
        2,
        "the customer sees it whole"
    );
    assert_eq!(own["payments"].as_array().unwrap().len(), 1);
    assert_eq!(own["shipping_address"]["phone"], "+442079460958");
    let admin = app.admin().await;
    let audited: Value = app.as_user(&admin).order(id).await.json().await.unwrap();
    assert_eq!(audited["total_cents"], whole["order"]["total_cents"]);

    let document: Value = app.anonymous().openapi().await.json().await.unwrap();
    let schema = &document["components"]["schemas"]["SellerOrder"];
    assert!(
        schema["properties"]["subtotal_cents"].is_object(),
        "{schema}"
    );
    assert!(schema["properties"].get("payments").is_none());
}
