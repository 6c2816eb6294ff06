//! Seller analytics against figures computed by hand for a small shop: sales with a coupon and
//! tax, an order left unpaid, a paid order cancelled, a seller's refund and an admin's, another
//! seller's sales kept apart, products low on stock; and who may read which report.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn report(app: &TestApp, user: &TestUser, query: &str) -> reqwest::Response {
    app.request(
        reqwest::Method::GET,
        &format!("/api/v1/seller/analytics{query}"),
        Some(&user.access_token),
        None,
    )
    .await
}

async fn read(app: &TestApp, user: &TestUser, query: &str) -> Value {
    let response = report(app, user, query).await;
    assert_eq!(response.status(), StatusCode::OK, "report");
    response.json().await.unwrap()
}

/// Checks out `items` to Germany (10 % tax) with an optional coupon; pays it if `pay`.
async fn order(
    app: &TestApp,
    customer: &TestUser,
    items: &[(&str, i64)],
    coupon: Option<&str>,
    pay: bool,
) -> String {
    let mut body = checkout_body(items);
    body["shipping_address"]["country"] = json!("DE");
    if let Some(code) = coupon {
        body["coupon"] = json!(code);
    }
    let placed = app.checkout(customer, &body, None).await;
    assert_eq!(placed.status(), StatusCode::CREATED);
    let placed: Value = placed.json().await.unwrap();
    let id = placed["order"]["id"].as_str().unwrap().to_owned();
    if pay {
        assert_eq!(
            app.pay(customer, &id, GOOD_CARD).await.status(),
            StatusCode::OK
        );
    }
    id
}

async fn refund(app: &TestApp, by: &TestUser, order: &str, cents: i64) {
    let refunded = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/orders/{order}/refunds"),
            Some(&by.access_token),
            Some(&json!({"amount_cents": cents, "reason": "goodwill"})),
        )
        .await;
    assert_eq!(refunded.status(), StatusCode::CREATED);
}

#[actix_web::test]
async fn a_sellers_report_matches_the_figures_computed_by_hand() {
    let mut settings = test_settings();
    settings.tax_rates = bazaar::config::TaxRates::parse("DE=10").unwrap();
    let app = spawn_app_with(settings).await;
    let category = app.category("Reports", None).await;
    let seller = app.seller().await;
    let product = |price: i64, stock: i64, threshold: i64| {
        let mut body = product_body(&category, json!({"price_cents": price, "stock": stock}));
        body["low_stock_threshold"] = json!(threshold);
        body
    };
    let a = app.product(&seller, &product(1000, 50, 0)).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = app.product(&seller, &product(2500, 50, 0)).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let scarce = app.product(&seller, &product(100, 2, 5)).await;
    let (other_seller, c) = app.stocked_product(50, json!({"price_cents": 700})).await;
    let coupon = app
        .as_user(&seller)
        .create_coupon(&json!({"code": "TENOFF", "kind": "percent", "value": 10}))
        .await;
    assert_eq!(coupon.status(), StatusCode::CREATED);
    let admin = app.admin().await;
    let customers = app.many_customers(4).await;

    // 2 x A (20.00, tax 2.00) beside the other seller's C.
    let first = order(&app, &customers[0], &[(&a, 2), (&c, 1)], None, true).await;
    // B with 10 % off: 22.50, tax 2.25.
    let second = order(&app, &customers[1], &[(&b, 1)], Some("TENOFF"), true).await;
    // A, never paid: placed, but no sale.
    order(&app, &customers[2], &[(&a, 1)], None, false).await;
    // B, paid (25.00, tax 2.50), then cancelled: a refund of 27.50.
    let cancelled = order(&app, &customers[3], &[(&b, 1)], None, true).await;
    assert_eq!(
        app.as_user(&customers[3]).cancel(&cancelled).await.status(),
        StatusCode::OK
    );
    // The seller refunds 5.00 of the first order; an admin refunds 2.00 of the second for the
    // shop as a whole, which names no seller.
    refund(&app, &seller, &first, 500).await;
    refund(&app, &admin, &second, 200).await;

    let today = time::OffsetDateTime::now_utc().date().to_string();
    let seen = read(&app, &seller, "").await;
    let figures = json!({"currency": "EUR", "orders": 3, "units": 4,
        "revenue_cents": 2000 + 2250 + 2500, "tax_cents": 200 + 225 + 250,
        "refunds": 2, "refunded_cents": 2750 + 500});
    assert_eq!(seen["totals"], json!([figures]));
    let mut day = figures.clone();
    day["day"] = json!(today);
    assert_eq!(seen["by_day"], json!([day]));
    assert_eq!(seen["to"], json!(today));
    assert_eq!(
        seen["statuses"],
        json!({"partially_refunded": 2, "pending_payment": 1, "cancelled": 1})
    );
    let top: Vec<(String, i64, i64)> = seen["top_products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["product_id"].as_str().unwrap().to_owned(),
                p["units"].as_i64().unwrap(),
                p["revenue_cents"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(top, [(b.clone(), 2, 2250 + 2500), (a.clone(), 2, 2000)]);
    assert_eq!(
        seen["low_stock"],
        json!([{"product_id": scarce["id"], "name": scarce["name"], "available": 2,
                "threshold": 5}])
    );

    // The other seller's figures are theirs alone; an admin reads anyone's.
    let theirs = read(&app, &other_seller, "").await;
    assert_eq!(theirs["totals"][0]["revenue_cents"], 700);
    assert_eq!(theirs["totals"][0]["tax_cents"], 70);
    let by_admin = read(&app, &admin, &format!("?seller_id={}", seller.id)).await;
    assert_eq!(by_admin["totals"], seen["totals"]);

    // A range without today has nothing.
    let earlier = read(&app, &seller, "?from=2026-01-01&to=2026-01-31").await;
    assert_eq!(
        (&earlier["totals"], &earlier["by_day"], &earlier["statuses"]),
        (&json!([]), &json!([]), &json!({}))
    );
}

#[actix_web::test]
async fn reports_are_for_their_seller_and_bad_ranges_name_the_field() {
    let app = spawn_app().await;
    let (seller, customer, admin) = (app.seller().await, app.customer().await, app.admin().await);
    let other = app.seller().await;
    assert_problem(
        report(&app, &customer, "").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_invalid_field(
        report(&app, &seller, &format!("?seller_id={}", other.id)).await,
        "seller_id",
    )
    .await;
    assert_invalid_field(report(&app, &admin, "").await, "seller_id").await;
    assert_problem(
        report(&app, &admin, &format!("?seller_id={}", customer.id)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    for (query, field) in [
        ("?from=2026-13-01", "from"),
        ("?to=yesterday", "to"),
        ("?to=-9999-01-01", "to"),
        ("?from=0100-01-01&to=0100-01-02", "from"),
        ("?from=2026-12-02&to=2026-12-01", "from"),
        ("?from=2000-01-01&to=2026-12-01", "to"),
    ] {
        assert_invalid_field(report(&app, &seller, query).await, field).await;
    }
    // A seller's own report, even with nothing sold.
    let empty = read(&app, &seller, "?from=2026-12-01&to=2026-12-01").await;
    assert_eq!(empty["seller_id"], seller.id.to_string());
    assert_eq!(empty["totals"], json!([]));
}
