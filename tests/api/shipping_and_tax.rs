//! Shipping methods and tax from configuration: listing the methods, choosing one at checkout,
//! and the separate money lines of an order, line by line.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A shop that ships by post within Germany and Austria, worldwide by courier, and to the US in
/// dollars; Germany taxes 19 %, France 5.5 %.
async fn shop() -> TestApp {
    let mut settings = test_settings();
    settings.shipping_methods = bazaar::config::ShippingMethods::parse(
        r#"[{"id":"post","name":"Post","price_cents":499,"currency":"EUR","estimate_days":3,
             "countries":["DE","AT"]},
            {"id":"courier","name":"Courier","price_cents":2500,"currency":"EUR","estimate_days":2},
            {"id":"usps","name":"USPS","price_cents":900,"currency":"USD","estimate_days":6,
             "countries":["US"]}]"#,
    )
    .unwrap();
    settings.tax_rates = bazaar::config::TaxRates::parse("DE=19,FR=5.5").unwrap();
    spawn_app_with(settings).await
}

fn to(country: &str, items: &[(&str, i64)], method: Option<&str>) -> Value {
    let mut body = checkout_body(items);
    body["shipping_address"]["country"] = json!(country);
    if let Some(method) = method {
        body["shipping_method"] = json!(method);
    }
    body
}

/// `GET /shipping-methods`, signed out.
async fn listed(app: &TestApp) -> Value {
    app.anonymous()
        .shipping_methods()
        .await
        .json()
        .await
        .unwrap()
}

#[actix_web::test]
async fn the_configured_methods_are_listed_to_anyone() {
    let app = shop().await;
    assert_eq!(
        listed(&app).await,
        json!([
            {"id": "post", "name": "Post", "price_cents": 499, "currency": "EUR",
             "estimate_days": 3, "countries": ["DE", "AT"]},
            {"id": "courier", "name": "Courier", "price_cents": 2500, "currency": "EUR",
             "estimate_days": 2},
            {"id": "usps", "name": "USPS", "price_cents": 900, "currency": "USD",
             "estimate_days": 6, "countries": ["US"]},
        ])
    );
    // The default shop ships standard (free) and express.
    let default = spawn_app().await;
    assert_eq!(
        listed(&default).await,
        json!([
            {"id": "standard", "name": "Standard", "price_cents": 0, "currency": null,
             "estimate_days": 5},
            {"id": "express", "name": "Express", "price_cents": 1500, "currency": "EUR",
             "estimate_days": 1},
        ])
    );
}

#[actix_web::test]
async fn a_mixed_cart_has_its_tax_on_every_line_and_on_shipping() {
    let app = shop().await;
    let (seller_a, mug) = app.stocked_product(10, json!({"price_cents": 1999})).await;
    let (seller_b, lamp) = app.stocked_product(10, json!({"price_cents": 4550})).await;
    let customer = app.customer().await;

    // To Germany by post: 2 x 19.99 and 1 x 45.50, shipping 4.99, all at 19 %:
    // 39.98 -> 7.5962 -> 7.60; 45.50 -> 8.645 -> 8.65 (half up); 4.99 -> 0.9481 -> 0.95.
    let placed: Value = app
        .checkout(
            &customer,
            &to("DE", &[(&mug, 2), (&lamp, 1)], Some("post")),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let order = &placed["order"];
    assert_eq!(order["shipping_method"], "post");
    assert_eq!(order["subtotal_cents"], 3998 + 4550);
    assert_eq!(order["discount_cents"], 0);
    assert_eq!(order["shipping_cents"], 499);
    assert_eq!(order["tax_cents"], 760 + 865 + 95);
    assert_eq!(order["total_cents"], 3998 + 4550 + 499 + 760 + 865 + 95);
    let line = |product: &str| {
        order["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["product_id"] == product)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            line(&mug)["tax_cents"].clone(),
            line(&lamp)["tax_cents"].clone()
        ),
        (json!(760), json!(865))
    );

    // Each seller sees their own lines' share; shipping is the shop's.
    let id = order["id"].as_str().unwrap();
    let seen_by_a = app.order_as(&seller_a, id).await;
    assert_eq!(
        (
            &seen_by_a["subtotal_cents"],
            &seen_by_a["tax_cents"],
            &seen_by_a["total_cents"]
        ),
        (&json!(3998), &json!(760), &json!(3998 + 760))
    );
    let seen_by_b = app.order_as(&seller_b, id).await;
    assert_eq!(seen_by_b["total_cents"], 4550 + 865);

    // Paid in full: the card is charged the total.
    let paid = app.pay(&customer, id, GOOD_CARD).await;
    assert_eq!(paid.status(), StatusCode::OK);
    let paid: Value = paid.json().await.unwrap();
    assert_eq!(paid["payments"][0]["amount_cents"], order["total_cents"]);

    // To France by courier (the default there: post does not serve France): 5.5 %.
    let placed: Value = app
        .checkout(&customer, &to("FR", &[(&lamp, 1)], None), None)
        .await
        .json()
        .await
        .unwrap();
    let order = &placed["order"];
    assert_eq!(order["shipping_method"], "courier");
    // 45.50 * 0.055 = 2.5025 -> 2.50; 25.00 * 0.055 = 1.375 -> 1.38.
    assert_eq!(order["tax_cents"], 250 + 138);
    assert_eq!(order["total_cents"], 4550 + 2500 + 250 + 138);

    // Nowhere taxed: no tax.
    let placed: Value = app
        .checkout(&customer, &to("CH", &[(&mug, 1)], Some("courier")), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(placed["order"]["tax_cents"], 0);
    assert_eq!(placed["order"]["total_cents"], 1999 + 2500);
}

#[actix_web::test]
async fn a_method_that_does_not_fit_is_refused_naming_the_field() {
    let app = shop().await;
    let (_, mug) = app.stocked_product(5, json!({})).await;
    let (_, hat) = app.stocked_product(5, json!({"currency": "USD"})).await;
    let customer = app.customer().await;
    for body in [
        // Unknown.
        to("DE", &[(&mug, 1)], Some("teleport")),
        // Post does not serve France.
        to("FR", &[(&mug, 1)], Some("post")),
        // USPS ships dollar orders; this one is in euros.
        to("US", &[(&mug, 1)], Some("usps")),
        // Nothing ships dollar orders to Germany.
        to("DE", &[(&hat, 1)], None),
        // Not a string.
        {
            let mut body = to("DE", &[(&mug, 1)], None);
            body["shipping_method"] = json!(7);
            body
        },
    ] {
        assert_invalid_field(
            app.checkout(&customer, &body, None).await,
            "shipping_method",
        )
        .await;
    }
    // Nothing was reserved.
    assert_eq!(app.stock(&mug).await, (5, 0, 5));
    assert_eq!(app.stock(&hat).await, (5, 0, 5));
}
