//! Sales through `POST /api/v1/checkout` of a running server.

use crate::report::Measured;
use crate::setup::{Plan, Shop};
use serde_json::json;
use std::time::Duration;

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
pub async fn sell(sale: &Shop, run: Duration) -> anyhow::Result<Measured> {
    let body = json!({
        "items": [{"product_id": sale.hot().id, "qty": 1}],
        "shipping_address": {"name": "Bench", "line1": "1 Load St", "city": "Test", "postal_code": "1", "country": "DE"}
    });
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
        async move { request.await.is_ok_and(|r| r.status().as_u16() == 201) }
    })
    .await
}

/// Prepares a sale with `concurrency` buyers and runs it for `run`.
pub async fn run(
    server: &str,
    admin: &(String, String),
    concurrency: usize,
    run: Duration,
) -> anyhow::Result<Measured> {
    let sale = prepare(server, admin, concurrency).await?;
    sell(&sale, run).await
}
