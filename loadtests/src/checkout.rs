//! Sales through `POST /api/v1/checkout` of a running server.

use crate::report::Measured;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use uuid::Uuid;

async fn post(
    client: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<Value> {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await?;
    let status = response.status();
    let body: Value = response.json().await?;
    anyhow::ensure!(status.is_success(), "{status}: {body}");
    Ok(body)
}

async fn login(
    client: &reqwest::Client,
    server: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<String> {
    let body = post(
        client,
        format!("{server}/api/v1/auth/login"),
        None,
        json!({"email": email, "password": password}),
    )
    .await?;
    Ok(body["access_token"].as_str().unwrap_or_default().to_owned())
}

/// Prepares a hot product and `concurrency` buyers through the admin API, then each buyer checks
/// out one unit after another until `run` is over.
pub async fn run(
    server: &str,
    admin: &(String, String),
    concurrency: usize,
    run: Duration,
) -> anyhow::Result<Measured> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
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
    let mut buyers = Vec::with_capacity(concurrency);
    for n in 0..concurrency {
        let email = format!("buyer{n}-{tag}@bench.example");
        post(&client, format!("{server}/api/v1/admin/users"), Some(&admin_token), json!({
            "email": email, "password": "bench buyer password", "name": "Buyer", "role": "customer"
        })).await?;
        buyers.push(login(&client, server, &email, "bench buyer password").await?);
    }
    let body = json!({
        "items": [{"product_id": product["id"], "qty": 1}],
        "shipping_address": {"name": "Bench", "line1": "1 Load St", "city": "Test", "postal_code": "1", "country": "DE"}
    });
    let started = Instant::now();
    let deadline = started + run;
    let callers: Vec<_> = buyers
        .into_iter()
        .map(|token| {
            let (client, url, body) = (
                client.clone(),
                format!("{server}/api/v1/checkout"),
                body.clone(),
            );
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
