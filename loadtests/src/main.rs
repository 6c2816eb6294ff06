//! `bazaar-loadtest`: load tests of a running Bazaar and the benchmarks of its hot path.
//!
//! `flash-sale` and `chaos` run a verified flash sale (the second while killing the server and
//! disturbing PostgreSQL and Redis), `browse` the everyday open-loop mix, `watchers` WebSocket
//! clients during a sale, `product-page` the hot product's page during a sale, `fulfilment` an
//! order's way to the customer, `analytics` a seller's report over many orders, and `hot-path` / `baseline` compare the actor design with the
//! classic row-lock design against the same PostgreSQL. `bazaar-loadtest --help` lists every
//! option.

mod analytics;
mod api;
mod baseline;
mod browse;
mod chaos;
mod checkout;
mod cli;
mod closed_loop;
mod direct;
mod drop;
mod flash_sale;
mod fulfilment;
mod html;
mod order;
mod pages;
mod progress;
mod random;
mod records;
mod report;
mod sale;
mod setup;
mod traffic;
mod verify;
mod watchers;

use checkout::Purchase;
use clap::Parser;
use cli::{Cli, Options, Scenario};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let Cli { scenario, options } = Cli::parse();
    let passed = match scenario {
        Scenario::FlashSale => {
            let records = records::Records::open(&options.database_url).await?;
            flash_sale::run(&flash_sale(&options, None)?, &records).await?
        }
        Scenario::Chaos => chaos::run(&chaos(&options)?).await?,
        Scenario::Drop => {
            let records = records::Records::open(&options.database_url).await?;
            drop::run(&drop_sale(&options)?, &records).await?
        }
        Scenario::Browse => browse::run(&browse(&options)?).await?,
        Scenario::Watchers => {
            let report = watchers::run(
                &server(&options)?,
                &options.admin,
                options.buyers.unwrap_or(64),
                options.watchers.unwrap_or(10_000),
                options.run,
                options.server_pid,
                options.purchase(),
            )
            .await?;
            write_report(&options, &report)?;
            true
        }
        Scenario::ProductPage => {
            let report = pages::run(
                &server(&options)?,
                &options.admin,
                options.buyers.unwrap_or(64),
                options.readers as usize,
                options.run,
            )
            .await?;
            write_report(&options, &report)?;
            true
        }
        Scenario::HotPath => {
            hot_path(&options).await?;
            true
        }
        Scenario::Baseline => {
            baseline(&options).await?;
            true
        }
        Scenario::Analytics => {
            analytics::run(&analytics::Analytics {
                server: server(&options)?,
                database_url: options.database_url.clone(),
                admin: options.admin.clone(),
                orders: options.orders,
                products: options.products,
                buyers: options.buyers.unwrap_or(100),
                concurrency: options
                    .concurrency
                    .as_ref()
                    .and_then(|callers| callers.0.first().copied())
                    .unwrap_or(16),
                run: options.run,
                report: options.report.clone(),
            })
            .await?
        }
        Scenario::Fulfilment => {
            fulfilment::run(&fulfilment::Fulfilment {
                server: server(&options)?,
                admin: options.admin.clone(),
                orders: options.orders,
                buyers: options.buyers.unwrap_or(100),
                concurrency: options
                    .concurrency
                    .as_ref()
                    .and_then(|callers| callers.0.first().copied())
                    .unwrap_or(32),
                report: options.report.clone(),
            })
            .await?
        }
    };
    if let Some(path) = &options.report_html {
        let settings: Vec<String> = std::env::args().collect();
        html::write(
            path,
            &format!("{scenario:?}"),
            &settings.join(" "),
            &traffic::take(),
            passed,
        )?;
    }
    std::process::exit(if passed { 0 } else { 1 });
}

/// The drop of the options.
fn drop_sale(options: &Options) -> anyhow::Result<drop::DropSale> {
    let buyers = options.buyers.unwrap_or(50_000);
    Ok(drop::DropSale {
        server: server(options)?,
        admin: options.admin.clone(),
        database_url: options.database_url.clone(),
        stock: options.stock,
        buyers,
        spread: options.run,
        early_share: options.early_share,
        watchers: options.watchers.unwrap_or(10_000).min(buyers),
        poll: options.poll,
        cheaters: options.cheaters,
        key_file: options.jwt_key_file.clone(),
        seed: seed(options),
        report: options.report.clone(),
    })
}

/// Writes the JSON report if `--report` was given.
fn write_report(options: &Options, report: &serde_json::Value) -> anyhow::Result<()> {
    match &options.report {
        Some(path) => report::write_json(path, report),
        None => Ok(()),
    }
}

fn server(options: &Options) -> anyhow::Result<String> {
    options
        .server
        .clone()
        .ok_or_else(|| anyhow::anyhow!("this subcommand needs --server URL"))
}

fn seed(options: &Options) -> u64 {
    options.seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |since| since.as_nanos() as u64)
    })
}

/// The flash sale of the options, on `server` (or `--server`).
fn flash_sale(options: &Options, server: Option<String>) -> anyhow::Result<flash_sale::FlashSale> {
    Ok(flash_sale::FlashSale {
        server: match server {
            Some(server) => server,
            None => self::server(options)?,
        },
        admin: options.admin.clone(),
        stock: options.stock,
        extra_products: options.extra_products,
        buyers: options.buyers.unwrap_or(1_000),
        units: options.units,
        declined_share: options.declined,
        wallet_share: options.wallet,
        schedule: sale::Schedule {
            rate: options.rate,
            concurrency: options
                .concurrency
                .as_ref()
                .and_then(|callers| callers.0.first().copied()),
            retry_for: flash_sale::RETRY_FOR,
            retry_pause: Duration::from_millis(50),
        },
        report: options.report.clone(),
    })
}

fn chaos(options: &Options) -> anyhow::Result<chaos::Chaos> {
    let mut sale = flash_sale(options, Some(format!("http://{}", options.listen)))?;
    sale.schedule.rate = Some(options.rate.unwrap_or(200.0));
    // Long enough to outlast every outage: a restart, PostgreSQL's recovery, a Redis pause.
    sale.schedule.retry_for = Duration::from_secs(120);
    sale.schedule.retry_pause = Duration::from_millis(100);
    Ok(chaos::Chaos {
        sale,
        seed: seed(options),
        bazaar: options.bazaar.clone(),
        listen: options.listen.clone(),
        database_url: options.database_url.clone(),
        kills: options.kills,
        postgres_ctl: options.postgres_ctl.clone(),
        redis_pause: options.pause_redis.clone(),
    })
}

fn browse(options: &Options) -> anyhow::Result<browse::Browse> {
    Ok(browse::Browse {
        server: server(options)?,
        seed: seed(options),
        admin: options.admin.clone(),
        rate: options.rate.unwrap_or(200.0),
        run: options.run,
        mix: options.mix.clone(),
        products: options.products,
        buyers: options.buyers.unwrap_or(50),
        watchers: options.watchers.unwrap_or(0),
        report: options.report.clone(),
    })
}

fn concurrency(options: &Options) -> Vec<usize> {
    options
        .concurrency
        .clone()
        .map_or_else(|| vec![1, 16, 128], |callers| callers.0)
}

/// The PostgreSQL pool the row-lock baseline runs on.
fn postgres(db: &bazaar::db::Database) -> anyhow::Result<&sqlx::PgPool> {
    db.postgres().ok_or_else(|| {
        anyhow::anyhow!(
            "the row-lock baseline runs on PostgreSQL: give --baseline-url postgres://..."
        )
    })
}

/// The row-lock baseline's database, `--baseline-url`.
async fn baseline_database(options: &Options) -> anyhow::Result<bazaar::db::Database> {
    bazaar::db::connect_and_migrate(&options.baseline_url).await
}

async fn baseline(options: &Options) -> anyhow::Result<()> {
    let db = baseline_database(options).await?;
    let pool = postgres(&db)?;
    let mut runs = Vec::new();
    for concurrency in concurrency(options) {
        let measured = baseline::run(pool, concurrency, options.run, options.paying).await?;
        println!(
            "baseline concurrency {concurrency}: {:.0} orders/s, p50 {:.1} ms, p99 {:.1} ms",
            measured.per_second(),
            measured.latency.value_at_quantile(0.5) as f64 / 1000.0,
            measured.latency.value_at_quantile(0.99) as f64 / 1000.0
        );
        runs.push(serde_json::json!({"callers": concurrency, "baseline": measured.json()}));
    }
    write_report(options, &serde_json::Value::Array(runs))
}

async fn hot_path(options: &Options) -> anyhow::Result<()> {
    let db = bazaar::db::connect_and_migrate(&options.database_url).await?;
    let baseline_db = baseline_database(options).await?;
    let pool = postgres(&baseline_db)?;
    let mut rows = Vec::new();
    for concurrency in concurrency(options) {
        let actor = direct::run(&db, concurrency, options.run).await?;
        let (hold, purchase) = match &options.server {
            Some(server) => {
                let shop = checkout::prepare(server, &options.admin, concurrency).await?;
                let hold = report::measured_with_cpu(options.server_pid, || {
                    checkout::sell(&shop, options.run, Purchase::Hold)
                })
                .await?;
                let purchase = report::measured_with_cpu(options.server_pid, || {
                    checkout::sell(&shop, options.run, Purchase::Paid)
                })
                .await?;
                (Some(hold), Some(purchase))
            }
            None => (None, None),
        };
        let baseline = baseline::run(pool, concurrency, options.run, false).await?;
        let baseline_purchase = baseline::run(pool, concurrency, options.run, true).await?;
        let row = report::Row {
            concurrency,
            actor,
            hold,
            purchase,
            baseline,
            baseline_purchase,
        };
        println!("{}", row.line());
        rows.push(row);
    }
    println!("\n{}", report::table(&rows));
    write_report(options, &report::rows_json(&rows))
}
