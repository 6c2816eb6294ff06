//! Fulfilment throughput: places N paid orders, then carries each through its whole fulfilment
//! over HTTP (the seller sets processing, then shipped with a courier and a tracking number; the
//! courier sets out_for_delivery, then delivered), with C orders in flight. Reports the status
//! changes per second and their response times, then checks that every order was delivered.

use crate::api::post;
use crate::report::Measured;
use crate::setup::{Plan, Shop};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How a fulfilment run is set up.
pub struct Fulfilment {
    pub server: String,
    pub admin: (String, String),
    pub orders: usize,
    pub buyers: usize,
    /// Orders in flight at once.
    pub concurrency: usize,
    pub report: Option<std::path::PathBuf>,
}

/// Runs it; `Ok(false)` if a status change failed or an order did not end delivered.
pub async fn run(fulfilment: &Fulfilment) -> anyhow::Result<bool> {
    let plan = Plan {
        stocks: vec![i64::try_from(fulfilment.orders)?.max(1)],
        buyers: fulfilment.buyers.max(1),
        price_cents: 1999,
    };
    let shop = Shop::prepare(&fulfilment.server, &fulfilment.admin, &plan).await?;
    let (courier, courier_token) = shop.user("courier").await?;
    eprintln!("placing {} paid orders...", fulfilment.orders);
    let placing = Instant::now();
    let orders: Vec<Uuid> = futures_util::stream::iter(0..fulfilment.orders)
        .map(|n| place(&shop, n))
        .buffer_unordered(fulfilment.concurrency)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let placed_in = placing.elapsed();
    eprintln!(
        "placed in {:.1} s; fulfilling with {} in flight...",
        placed_in.as_secs_f64(),
        fulfilment.concurrency
    );
    let steps = [
        (&shop.seller, json!({"status": "processing"})),
        (
            &shop.seller,
            json!({"status": "shipped", "tracking_number": "LOAD-1", "courier_id": courier}),
        ),
        (&courier_token, json!({"status": "out_for_delivery"})),
        (&courier_token, json!({"status": "delivered"})),
    ];
    let started = Instant::now();
    let runs: Vec<Measured> = futures_util::stream::iter(orders)
        .map(|order| fulfil(&shop, order, &steps))
        .buffer_unordered(fulfilment.concurrency)
        .collect()
        .await;
    let mut measured = Measured::new();
    for run in runs {
        measured.merge(run);
    }
    measured.elapsed = started.elapsed();
    let delivered = delivered_orders(&shop).await?;
    println!(
        "fulfilment: {} orders placed in {:.1} s; {} status changes in {:.1} s: {:.0}/s ({:.0} orders \
         fulfilled/s), {} failed; {}",
        fulfilment.orders,
        placed_in.as_secs_f64(),
        measured.sales,
        measured.elapsed.as_secs_f64(),
        measured.per_second(),
        measured.per_second() / steps.len() as f64,
        measured.failures,
        measured.percentiles()
    );
    println!("delivered at the end: {delivered} of {}", fulfilment.orders);
    if let Some(path) = &fulfilment.report {
        let body = json!({
            "orders": fulfilment.orders, "concurrency": fulfilment.concurrency,
            "placed_seconds": placed_in.as_secs_f64(), "status_changes": measured.json(),
            "delivered": delivered,
        });
        crate::report::write_json(path, &body)?;
    }
    Ok(measured.failures == 0 && delivered == fulfilment.orders as i64)
}

/// Buyer `n mod buyers` checks one unit out, paying in the call; the order's id.
async fn place(shop: &Shop, n: usize) -> anyhow::Result<Uuid> {
    let buyer = &shop.buyers[n % shop.buyers.len()];
    let order = post(
        &shop.client,
        format!("{}/api/v1/checkout", shop.server),
        Some(&buyer.token),
        json!({
            "items": [{"product_id": shop.hot().id, "qty": 1}],
            "shipping_address": {"name": "Buyer", "line1": "1 Sale St", "city": "Rush",
                                 "postal_code": "1", "country": "DE", "phone": "+4930123456"},
            "payment": {"method": "card", "card": {"number": "4242424242424242", "exp_month": 12,
                                                   "exp_year": 2031, "cvc": "123"}}
        }),
    )
    .await?;
    Ok(order["order"]["id"].as_str().unwrap_or_default().parse()?)
}

/// Takes every step of `steps` on `order`, in turn; their response times.
async fn fulfil(shop: &Shop, order: Uuid, steps: &[(&String, Value)]) -> Measured {
    let mut measured = Measured::new();
    for (token, body) in steps {
        let started = Instant::now();
        let answer = shop
            .client
            .post(format!("{}/api/v1/orders/{order}/status", shop.server))
            .bearer_auth(token)
            .json(body)
            .timeout(Duration::from_secs(30))
            .send()
            .await;
        measured.record(started.elapsed());
        let outcome = answer.as_ref().map_or_else(
            |_| "no answer".to_owned(),
            |r| r.status().as_u16().to_string(),
        );
        crate::traffic::record(started, outcome, false);
        match answer {
            Ok(response) if response.status().is_success() => measured.sales += 1,
            _ => {
                measured.failures += 1;
                break;
            }
        }
    }
    measured
}

/// How many of the shop's orders are delivered, as the admin's order list counts them.
async fn delivered_orders(shop: &Shop) -> anyhow::Result<i64> {
    let listed: Value = shop
        .client
        .get(format!("{}/api/v1/orders", shop.server))
        .query(&[("status", "delivered"), ("per_page", "1")])
        .bearer_auth(&shop.admin)
        .send()
        .await?
        .json()
        .await?;
    Ok(listed["total"].as_i64().unwrap_or_default())
}
