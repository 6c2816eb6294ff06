//! Sales through `POST /api/v1/checkout` of a running server: a hold (checkout without payment)
//! or the whole purchase (checkout with a payment by the approving test card).

use crate::report::Measured;
use crate::setup::{Plan, Shop};
use serde_json::json;
use std::time::Duration;

/// What each checkout does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purchase {
    /// Holds the unit: the order stays pending payment.
    Hold,
    /// Holds the unit and pays for it in the same call.
    Paid,
}

/// Makes a shop with one hot product (more stock than any run sells) and `buyers` customers.
pub async fn prepare(
    server: &str,
    admin: &(String, String),
    buyers: usize,
) -> anyhow::Result<Shop> {
    let plan = Plan {
        stocks: vec![1_000_000_000],
        buyers,
        price_cents: 100,
    };
    Shop::prepare(server, admin, &plan).await
}

/// Every buyer checks out one unit after another until `run` is over.
pub async fn sell(sale: &Shop, run: Duration, purchase: Purchase) -> anyhow::Result<Measured> {
    let mut body = json!({
        "items": [{"product_id": sale.hot().id, "qty": 1}],
        "shipping_address": {"name": "Bench", "line1": "1 Load St", "city": "Test", "postal_code": "1", "country": "DE"}
    });
    if purchase == Purchase::Paid {
        body["payment"] = json!({"method": "card", "card": {
            "number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}});
    }
    let (client, url) = (
        sale.client.clone(),
        format!("{}/api/v1/checkout", sale.server),
    );
    let tokens: Vec<String> = sale
        .buyers
        .iter()
        .map(|buyer| buyer.token.clone())
        .collect();
    crate::closed_loop::run(tokens.len(), run, move |n| {
        let request = client.post(&url).bearer_auth(&tokens[n]).json(&body).send();
        let sold = purchase == Purchase::Paid;
        async move {
            let sent = std::time::Instant::now();
            let status = request.await.map(|r| r.status().as_u16()).ok();
            let outcome = status.map_or_else(|| "no answer".to_owned(), |s| s.to_string());
            crate::traffic::record(sent, outcome, sold && status == Some(201));
            status == Some(201)
        }
    })
    .await
}
