//! `flash-sale`: B buyers check out one hot product of S units at once, then the run is verified
//! against the database: nothing oversold, every acknowledged order stored, stock and ledger agree.

use crate::api::{login, post};
use crate::report::Measured;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How a flash sale is set up.
pub struct FlashSale {
    pub server: String,
    pub admin: (String, String),
    pub stock: i64,
    pub buyers: usize,
    pub units: i64,
    /// The share of buyers whose card is declined (0 to 1).
    pub declined_share: f64,
    /// The most checkouts in flight at once (all buyers when none).
    pub concurrency: Option<usize>,
    pub report: Option<std::path::PathBuf>,
}

const GOOD_CARD: &str = "4242424242424242";
const DECLINED_CARD: &str = "4000000000000002";

/// One buyer's outcome: the HTTP status and problem code (or a transport error), the order id.
struct Outcome {
    label: String,
    order: Option<Uuid>,
    took: Duration,
}

/// Runs the sale and verifies it; `Ok(false)` when a check failed.
pub async fn run(sale: &FlashSale, pool: &PgPool) -> anyhow::Result<bool> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(sale.buyers.max(1))
        .build()?;
    let server = &sale.server;
    let admin = login(&client, server, &sale.admin.0, &sale.admin.1).await?;
    let tag = Uuid::now_v7().simple().to_string();
    let seller_email = format!("seller-{tag}@flash.example");
    post(&client, format!("{server}/api/v1/admin/users"), Some(&admin), json!({
        "email": seller_email, "password": "flash sale password", "name": "Flash seller", "role": "seller"
    })).await?;
    let seller = login(&client, server, &seller_email, "flash sale password").await?;
    let category = post(
        &client,
        format!("{server}/api/v1/categories"),
        Some(&admin),
        json!({"name": format!("Flash {tag}")}),
    )
    .await?;
    let product = post(&client, format!("{server}/api/v1/products"), Some(&seller), json!({
        "sku": format!("FLASH-{tag}"), "name": "Flash sale product", "category_id": category["id"],
        "price_cents": 1999, "currency": "EUR", "stock": sale.stock
    })).await?;
    let product_id: Uuid = product["id"].as_str().unwrap_or_default().parse()?;

    eprintln!("preparing {} buyers...", sale.buyers);
    let mut tokens = Vec::with_capacity(sale.buyers);
    let mut pending = futures_util::stream::FuturesOrdered::new();
    for n in 0..sale.buyers {
        let (client, admin, server) = (client.clone(), admin.clone(), server.clone());
        let email = format!("buyer{n}-{tag}@flash.example");
        pending.push_back(async move {
            post(&client, format!("{server}/api/v1/admin/users"), Some(&admin), json!({
                "email": email, "password": "flash buyer password", "name": "Buyer", "role": "customer"
            })).await?;
            login(&client, &server, &email, "flash buyer password").await
        });
        if pending.len() >= 16
            && let Some(token) = futures_util::StreamExt::next(&mut pending).await
        {
            tokens.push(token?);
        }
    }
    while let Some(token) = futures_util::StreamExt::next(&mut pending).await {
        tokens.push(token?);
    }

    eprintln!(
        "selling {} units to {} buyers ({} each)...",
        sale.stock, sale.buyers, sale.units
    );
    let sold = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let declined_every = if sale.declined_share > 0.0 {
        (1.0 / sale.declined_share).round() as usize
    } else {
        usize::MAX
    };
    let in_flight = Arc::new(tokio::sync::Semaphore::new(
        sale.concurrency.unwrap_or(sale.buyers).max(1),
    ));
    let attempts: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(n, token)| {
            let (client, server) = (client.clone(), server.clone());
            let (sold, errors, done) = (sold.clone(), errors.clone(), done.clone());
            let in_flight = in_flight.clone();
            let card = if declined_every != usize::MAX && n % declined_every == 0 { DECLINED_CARD } else { GOOD_CARD };
            let body = json!({
                "items": [{"product_id": product_id, "qty": sale.units}],
                "shipping_address": {"name": "Buyer", "line1": "1 Sale St", "city": "Rush", "postal_code": "1", "country": "DE"},
                "payment": {"method": "card", "card": {"number": card, "exp_month": 12, "exp_year": 2031, "cvc": "123"}}
            });
            tokio::spawn(async move {
                let _slot = in_flight.acquire_owned().await;
                let key = format!("flash-{n}");
                let began = Instant::now();
                // Indeterminate answers are retried with the same key: at most one order results.
                for attempt in 0..3 {
                    let response = client
                        .post(format!("{server}/api/v1/checkout"))
                        .bearer_auth(&token)
                        .header("Idempotency-Key", &key)
                        .json(&body)
                        .send()
                        .await;
                    let outcome = match response {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            let body: Value = response.json().await.unwrap_or(Value::Null);
                            if status == 503 && attempt < 2 {
                                continue;
                            }
                            let code = body["code"].as_str().map(|c| format!(" {c}")).unwrap_or_default();
                            let order = body["order"]["id"].as_str().and_then(|id| id.parse().ok());
                            Outcome { label: format!("{status}{code}"), order, took: began.elapsed() }
                        }
                        Err(_) if attempt < 2 => continue,
                        Err(error) => Outcome { label: format!("transport error: {error}"), order: None, took: began.elapsed() },
                    };
                    if outcome.label == "201" {
                        sold.fetch_add(1, Ordering::Relaxed);
                    } else if !outcome.label.starts_with("409") && !outcome.label.starts_with("402") {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                    return outcome;
                }
                unreachable!("the last attempt always returns")
            })
        })
        .collect();
    let progress = {
        let (sold, errors, done) = (sold.clone(), errors.clone(), done.clone());
        let buyers = sale.buyers as u64;
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(1));
            every.tick().await;
            loop {
                every.tick().await;
                let finished = done.load(Ordering::Relaxed);
                let elapsed = started.elapsed().as_secs_f64();
                eprintln!(
                    "{elapsed:>5.1} s  {:>7.0} req/s  done {finished}/{buyers}  sold {}  errors {}",
                    finished as f64 / elapsed,
                    sold.load(Ordering::Relaxed),
                    errors.load(Ordering::Relaxed)
                );
                if finished >= buyers {
                    break;
                }
            }
        })
    };
    let mut outcomes = Vec::with_capacity(attempts.len());
    for attempt in attempts {
        outcomes.push(attempt.await?);
    }
    progress.abort();
    let elapsed = started.elapsed();

    let mut measured = Measured::new();
    measured.elapsed = elapsed;
    let mut by_outcome: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_second: BTreeMap<u64, u64> = BTreeMap::new();
    for outcome in &outcomes {
        *by_outcome.entry(outcome.label.clone()).or_default() += 1;
        measured.record(outcome.took);
        if outcome.order.is_some() {
            measured.sales += 1;
            *per_second.entry(outcome.took.as_secs()).or_default() += 1;
        }
    }

    // Verification against the database.
    let acknowledged: Vec<Uuid> = outcomes
        .iter()
        .filter(|o| o.label == "201")
        .filter_map(|o| o.order)
        .collect();
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM orders WHERE id = ANY($1)")
        .bind(&acknowledged)
        .fetch_one(pool)
        .await?;
    let paid_units: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(oi.qty), 0)::bigint FROM order_items oi JOIN orders o ON o.id = oi.order_id
         WHERE oi.product_id = $1 AND o.status = 'paid'",
    ).bind(product_id).fetch_one(pool).await?;
    let (on_hand, reserved, ledger, held): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT i.on_hand, i.reserved,
             (SELECT coalesce(sum(delta), 0)::bigint FROM inventory_movements WHERE product_id = $1),
             (SELECT coalesce(sum(qty), 0)::bigint FROM holds WHERE product_id = $1 AND state = 'held')
         FROM inventory i WHERE i.product_id = $1",
    ).bind(product_id).fetch_one(pool).await?;
    let sold_units = sale.stock - on_hand;
    let checks = [
        (
            "units sold equal units in paid orders",
            sold_units == paid_units,
        ),
        (
            "sold at most the stock",
            paid_units <= sale.stock && on_hand >= 0,
        ),
        ("on_hand equals the sum of the ledger", on_hand == ledger),
        (
            "reserved equals the open holds and stays within on_hand",
            reserved == held && reserved <= on_hand,
        ),
        (
            "every acknowledged order is in the database",
            stored as usize == acknowledged.len(),
        ),
    ];

    println!(
        "\nflash sale: {} buyers x {} unit(s) for {} units in {:.2} s",
        sale.buyers,
        sale.units,
        sale.stock,
        elapsed.as_secs_f64()
    );
    println!("outcomes: {by_outcome:?}");
    println!("orders per second of the run: {per_second:?}");
    println!(
        "latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        measured.latency.value_at_quantile(0.5) as f64 / 1000.0,
        measured.latency.value_at_quantile(0.99) as f64 / 1000.0,
        measured.latency.max() as f64 / 1000.0
    );
    println!(
        "stock: on_hand {on_hand}, reserved {reserved}, ledger {ledger}, units in paid orders {paid_units}"
    );
    let mut passed = true;
    for (check, ok) in &checks {
        println!("  [{}] {check}", if *ok { "ok" } else { "FAILED" });
        passed &= ok;
    }
    if let Some(path) = &sale.report {
        let report = json!({
            "buyers": sale.buyers, "units_each": sale.units, "stock": sale.stock,
            "declined_share": sale.declined_share, "seconds": elapsed.as_secs_f64(),
            "concurrency": sale.concurrency.unwrap_or(sale.buyers),
            "orders_per_second": measured.sales as f64 / elapsed.as_secs_f64(),
            "outcomes": by_outcome, "orders_by_second": per_second,
            "latency_ms": {
                "p50": measured.latency.value_at_quantile(0.5) as f64 / 1000.0,
                "p99": measured.latency.value_at_quantile(0.99) as f64 / 1000.0,
                "max": measured.latency.max() as f64 / 1000.0,
            },
            "stock_after": {"on_hand": on_hand, "reserved": reserved, "ledger": ledger, "paid_units": paid_units},
            "checks": checks.iter().map(|(check, ok)| json!({"check": check, "passed": ok})).collect::<Vec<_>>(),
            "passed": passed,
        });
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)?;
        println!("report: {}", path.display());
    }
    Ok(passed)
}
