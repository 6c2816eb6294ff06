//! The promise: hundreds of buyers racing for a few units are never sold more than exists.

use crate::helpers::{Bind, GOOD_CARD, card_payment, checkout_body, spawn_app_with, test_settings};
use reqwest::StatusCode;
use serde_json::Value;

#[actix_web::test]
async fn hundreds_of_buyers_race_for_a_few_dozen_units() {
    let mut settings = test_settings();
    settings.journal_max_batch = 64;
    let app = spawn_app_with(settings).await;
    let (_, product) = app.stocked_product(40, serde_json::json!({})).await;
    let buyers = app.many_customers(300).await;
    let (app, product) = (&app, &product);
    let attempts = buyers.iter().enumerate().map(|(i, buyer)| async move {
        // Some pay in the same call, some later: both kinds of hold count.
        let mut body = checkout_body(&[(product, 1)]);
        if i % 2 == 0 {
            body["payment"] = card_payment(GOOD_CARD);
        }
        let response = app.checkout(buyer, &body, Some(&format!("sale-{i}"))).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        (status, body)
    });
    let outcomes = futures_util::future::join_all(attempts).await;
    let sold: Vec<&Value> = outcomes
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .map(|(_, b)| b)
        .collect();
    let refused = outcomes
        .iter()
        .filter(|(s, b)| *s == StatusCode::CONFLICT && b["code"] == "out_of_stock")
        .count();
    assert_eq!(sold.len(), 40, "exactly the stock is sold");
    assert_eq!(
        refused,
        260,
        "every other buyer hears out_of_stock: {:?}",
        outcomes
            .iter()
            .map(|(s, _)| *s)
            .collect::<std::collections::BTreeSet<_>>()
    );

    // What the clients saw is what the database holds.
    let acknowledged: Vec<uuid::Uuid> = sold
        .iter()
        .map(|b| b["order"]["id"].as_str().unwrap().parse().unwrap())
        .collect();
    let mut stored = 0;
    for order in &acknowledged {
        stored += app
            .db
            .count(
                "SELECT count(*) FROM orders WHERE id = $1",
                &[Bind::Uuid(*order)],
            )
            .await;
    }
    assert_eq!(stored, 40);
    let paid = sold
        .iter()
        .filter(|b| b["order"]["status"] == "paid")
        .count() as i64;
    let (on_hand, reserved, ledger) = app.stock(product).await;
    assert_eq!(on_hand, 40 - paid, "paid units left the shelf");
    assert_eq!(reserved, 40 - paid, "unpaid units are held");
    assert_eq!(ledger, on_hand, "on_hand equals the sum of the ledger");
    assert_eq!(app.available(product).await, 0);
}
