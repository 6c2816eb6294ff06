//! Sales through `POST /api/v1/checkout` of a running server.

use crate::progress::{Counters, Progress};
use crate::report::Measured;
use crate::setup::{Plan, Shop};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

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
    let counters = Arc::new(Counters::default());
    let _progress = Progress::start(counters.clone(), None);
    let started = Instant::now();
    let deadline = started + run;
    let callers: Vec<_> = sale
        .buyers
        .iter()
        .map(|buyer| {
            let (client, url, body) = (
                sale.client.clone(),
                format!("{}/api/v1/checkout", sale.server),
                body.clone(),
            );
            let (token, counters) = (buyer.token.clone(), counters.clone());
            tokio::spawn(async move {
                let mut measured = Measured::new();
                while Instant::now() < deadline {
                    let began = Instant::now();
                    let response = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await;
                    match response {
                        Ok(r) if r.status().as_u16() == 201 => {
                            measured.sales += 1;
                            counters.sold.fetch_add(1, Ordering::Relaxed);
                            measured.record(began.elapsed());
                        }
                        _ => {
                            measured.failures += 1;
                            counters.errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                measured
            })
        })
        .collect();
    let mut total = Measured::new();
    for caller in callers {
        total.merge(caller.await?);
    }
    total.elapsed = started.elapsed();
    Ok(total)
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
