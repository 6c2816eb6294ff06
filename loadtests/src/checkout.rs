//! Sales through `POST /api/v1/checkout` of a running server.

use crate::api::{login, post};
use crate::report::Measured;
use serde_json::json;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A hot product and signed-in buyers on a running server.
pub struct Sale {
    pub client: reqwest::Client,
    pub server: String,
    pub product: String,
    pub buyers: Vec<String>,
}

/// Prepares a hot product (more stock than any run sells) and `buyers` customers through the
/// admin API.
pub async fn prepare(
    server: &str,
    admin: &(String, String),
    buyers: usize,
) -> anyhow::Result<Sale> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(buyers.max(1))
        .build()?;
    let admin_token = login(&client, server, &admin.0, &admin.1).await?;
    let tag = Uuid::now_v7().simple().to_string();
    let category = post(
        &client,
        format!("{server}/api/v1/categories"),
        Some(&admin_token),
        json!({"name": format!("Bench {tag}")}),
    )
    .await?;
    let product = post(
        &client,
        format!("{server}/api/v1/products"),
        Some(&admin_token),
        json!({
            "sku": format!("HOT-{tag}"), "name": "Hot product", "category_id": category["id"],
            "price_cents": 100, "currency": "EUR", "stock": 1_000_000_000
        }),
    )
    .await?;
    let mut tokens = Vec::with_capacity(buyers);
    for n in 0..buyers {
        let email = format!("buyer{n}-{tag}@bench.example");
        post(&client, format!("{server}/api/v1/admin/users"), Some(&admin_token), json!({
            "email": email, "password": "bench buyer password", "name": "Buyer", "role": "customer"
        })).await?;
        tokens.push(login(&client, server, &email, "bench buyer password").await?);
    }
    Ok(Sale {
        client,
        server: server.to_owned(),
        product: product["id"].as_str().unwrap_or_default().to_owned(),
        buyers: tokens,
    })
}

/// Every buyer checks out one unit after another until `run` is over.
pub async fn sell(sale: &Sale, run: Duration) -> anyhow::Result<Measured> {
    let body = json!({
        "items": [{"product_id": sale.product, "qty": 1}],
        "shipping_address": {"name": "Bench", "line1": "1 Load St", "city": "Test", "postal_code": "1", "country": "DE"}
    });
    let started = Instant::now();
    let deadline = started + run;
    let callers: Vec<_> = sale
        .buyers
        .iter()
        .map(|token| {
            let (client, url, body) = (
                sale.client.clone(),
                format!("{}/api/v1/checkout", sale.server),
                body.clone(),
            );
            let token = token.clone();
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
                            measured.record(began.elapsed());
                        }
                        _ => measured.failures += 1,
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
