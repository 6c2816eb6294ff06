//! Seller analytics under load: places N paid orders of one seller (spread over P products), then
//! C closed-loop clients fetch that seller's report (`GET /api/v1/seller/analytics`, the last 30
//! days) for the run's duration; its response times. Beside it, in the same run: the same totals
//! scanned from the order lines (the index-only design the daily aggregates replace), by C
//! clients straight on the database. Exits 1 if a report failed or its totals disagree with the
//! scan.

use crate::api::post;
use crate::setup::{Plan, Shop};
use futures_util::StreamExt;
use serde_json::{Value, json};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::rc::Rc;
use std::str::FromStr;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How an analytics run is set up.
pub struct Analytics {
    pub server: String,
    pub database_url: String,
    pub admin: (String, String),
    pub orders: usize,
    pub products: usize,
    pub buyers: usize,
    /// Clients reading reports at once.
    pub concurrency: usize,
    pub run: Duration,
    pub report: Option<std::path::PathBuf>,
}

/// The scan the aggregates replace: a seller's paid orders, units and revenue from its lines.
const SCAN: &str = "SELECT count(DISTINCT o.id), CAST(coalesce(sum(i.qty), 0) AS BIGINT),
         CAST(coalesce(sum(i.line_total_cents - i.discount_cents), 0) AS BIGINT)
     FROM order_items i JOIN orders o ON o.id = i.order_id
     WHERE i.seller_id = $1 AND o.status NOT IN ('pending_payment', 'expired')";

/// A database the scan runs on, with a connection per client.
enum Scanned {
    Postgres(sqlx::PgPool),
    Sqlite(sqlx::SqlitePool),
}

impl Scanned {
    async fn open(url: &str, clients: usize) -> anyhow::Result<Self> {
        let clients = u32::try_from(clients).unwrap_or(u32::MAX).clamp(1, 64);
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?.read_only(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(clients)
                .connect_with(options)
                .await?;
            return Ok(Self::Sqlite(pool));
        }
        let pool = PgPoolOptions::new()
            .max_connections(clients)
            .connect(url)
            .await?;
        Ok(Self::Postgres(pool))
    }

    async fn totals(&self, seller: Uuid) -> sqlx::Result<(i64, i64, i64)> {
        match self {
            Self::Postgres(pool) => sqlx::query_as(SCAN).bind(seller).fetch_one(pool).await,
            Self::Sqlite(pool) => sqlx::query_as(SCAN).bind(seller).fetch_one(pool).await,
        }
    }
}

/// Runs it; `Ok(false)` if a report failed or disagreed with the scan.
pub async fn run(analytics: &Analytics) -> anyhow::Result<bool> {
    let products = analytics.products.max(1);
    let per_product = i64::try_from(analytics.orders.div_ceil(products))?.max(1);
    let plan = Plan {
        stocks: vec![per_product; products],
        buyers: analytics.buyers.max(1),
        price_cents: 1999,
    };
    let shop = Shop::prepare(&analytics.server, &analytics.admin, &plan).await?;
    let seller = seller_id(&shop).await?;
    eprintln!(
        "placing {} paid orders over {products} products...",
        analytics.orders
    );
    let placing = Instant::now();
    let placed: Vec<anyhow::Result<()>> = futures_util::stream::iter(0..analytics.orders)
        .map(|n| place(&shop, n))
        .buffer_unordered(32)
        .collect()
        .await;
    placed.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    eprintln!("placed in {:.1} s", placing.elapsed().as_secs_f64());

    let url = format!("{}/api/v1/seller/analytics", shop.server);
    let first: Value = report(&shop.client, &url, &shop.seller).await?;
    let scan = Scanned::open(&analytics.database_url, analytics.concurrency).await?;
    let scanned = scan.totals(seller).await?;
    let totals = &first["totals"][0];
    let reported = (
        totals["orders"].as_i64().unwrap_or(-1),
        totals["units"].as_i64().unwrap_or(-1),
        totals["revenue_cents"].as_i64().unwrap_or(-1),
    );
    let agree = reported == scanned && scanned.0 == i64::try_from(analytics.orders)?;

    eprintln!("reports, {} clients...", analytics.concurrency);
    let (client, token) = (shop.client.clone(), Rc::new(shop.seller.clone()));
    let reports = crate::closed_loop::run(analytics.concurrency, analytics.run, move |_| {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        async move { report(&client, &url, &token).await.is_ok() }
    })
    .await?;
    eprintln!("the scan, {} clients...", analytics.concurrency);
    let scan = Rc::new(scan);
    let scans = crate::closed_loop::run(analytics.concurrency, analytics.run, move |_| {
        let scan = scan.clone();
        async move { scan.totals(seller).await.is_ok() }
    })
    .await?;
    println!(
        "analytics over {} orders of one seller, {} clients: reports {:.0}/s, {}; the scan it \
         replaces {:.0}/s, {}; totals {} (report {reported:?}, scan {scanned:?})",
        analytics.orders,
        analytics.concurrency,
        reports.per_second(),
        reports.percentiles(),
        scans.per_second(),
        scans.percentiles(),
        if agree { "agree" } else { "DISAGREE" },
    );
    if let Some(path) = &analytics.report {
        let body = json!({
            "orders": analytics.orders, "products": products,
            "concurrency": analytics.concurrency, "reports": reports.json(),
            "scan": scans.json(), "totals_agree": agree,
        });
        crate::report::write_json(path, &body)?;
    }
    Ok(agree && reports.failures == 0)
}

/// The seller's id, as the seller's profile says.
async fn seller_id(shop: &Shop) -> anyhow::Result<Uuid> {
    let me = report(
        &shop.client,
        &format!("{}/api/v1/users/me", shop.server),
        &shop.seller,
    )
    .await?;
    Ok(me["id"].as_str().unwrap_or_default().parse()?)
}

/// GETs `url` with `token`; the JSON of a 200.
async fn report(client: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<Value> {
    let sent = std::time::Instant::now();
    let response = client
        .get(url)
        .bearer_auth(token)
        .timeout(Duration::from_secs(30))
        .send()
        .await;
    let outcome = response.as_ref().map_or_else(
        |_| "no answer".to_owned(),
        |r| r.status().as_u16().to_string(),
    );
    crate::traffic::record(sent, outcome, false);
    Ok(response?.error_for_status()?.json().await?)
}

/// Buyer `n mod buyers` buys one unit of product `n mod products`, paying in the call.
async fn place(shop: &Shop, n: usize) -> anyhow::Result<()> {
    let buyer = &shop.buyers[n % shop.buyers.len()];
    let product = shop.products[n % shop.products.len()];
    post(
        &shop.client,
        format!("{}/api/v1/checkout", shop.server),
        Some(&buyer.token),
        json!({
            "items": [{"product_id": product.id, "qty": 1}],
            "shipping_address": {"name": "Buyer", "line1": "1 Sale St", "city": "Rush",
                                 "postal_code": "1", "country": "DE"},
            "payment": {"method": "card", "card": {"number": "4242424242424242", "exp_month": 12,
                                                   "exp_year": 2031, "cvc": "123"}}
        }),
    )
    .await?;
    Ok(())
}
