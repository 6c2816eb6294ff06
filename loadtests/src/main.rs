//! `bazaar-loadtest`: measures Bazaar's hot path against the classic row-lock design.
//!
//! `bazaar-loadtest hot-path` sells ONE hot product at each concurrency, for a fixed time, three
//! ways against the same PostgreSQL, and prints durable sales per second with latency
//! percentiles:
//! - `actor`: in process, through an inventory actor and the group-committing journal (reserve,
//!   durable unit, confirm) — the design without HTTP;
//! - `checkout`: `POST /api/v1/checkout` of a running server (when `--server` is given);
//! - `baseline`: per sale `BEGIN; SELECT ... FOR UPDATE; UPDATE stock; INSERT order; COMMIT`.

mod api;
mod baseline;
mod checkout;
mod direct;
mod flash_sale;
mod report;
mod watchers;

use std::time::Duration;

const USAGE: &str = "usage: bazaar-loadtest hot-path [options]
       bazaar-loadtest watchers --server URL [options]
       bazaar-loadtest flash-sale --server URL --database-url URL [options]
       bazaar-loadtest baseline [--database-url URL] [--concurrency LIST] [--seconds N]

hot-path: sells one hot product for a fixed time at each concurrency, three ways, against one
PostgreSQL.
watchers: sells one hot product with no watchers, then with N WebSocket clients watching it;
reports the delay from a stock change to the watchers' message, messages per second, the server's
memory per connection and the checkout rate with and without watchers.
flash-sale: B buyers (created through the admin API) check out one product of S units at once,
paying by card; then the run is verified against the server's database (--database-url): units
sold = units in paid orders <= S, on_hand = ledger, reserved = open holds, every 201 stored. Exits
1 if a check fails.

options:
  --database-url URL    PostgreSQL for the actor and baseline runs (a scratch database is fine;
                        it is created and migrated)      [postgres://postgres@127.0.0.1:5432/bazaar_bench_hotpath]
  --server URL          also run POST /api/v1/checkout against this server (rate limits off)
  --admin EMAIL:PASSWORD  the server's admin, to create the product and the buyers
                        [bench-admin@example.com:bench admin password]
  --concurrency LIST    comma-separated concurrent callers            [1,16,128]
  --seconds N           duration of each run                            [10]
  --watchers N          (watchers) WebSocket clients                    [10000]
  --buyers N            (watchers) concurrent buyers                    [64]
  --server-pid PID      (watchers) the server's process, to read its memory
  --stock S             (flash-sale) units of the hot product             [100]
  --units N             (flash-sale) units each buyer asks for            [1]
  --declined F          (flash-sale) share of buyers with a declined card [0]
  --report PATH         (flash-sale) also write a JSON report here
  --help                this text";

/// What to run.
enum Scenario {
    HotPath,
    Watchers,
    FlashSale,
    Baseline,
}

/// The command line.
struct Options {
    scenario: Scenario,
    watchers: usize,
    buyers: usize,
    server_pid: Option<u32>,
    stock: i64,
    units: i64,
    declined: f64,
    report: Option<std::path::PathBuf>,
    buyers_given: bool,
    concurrency_given: bool,
    database_url: String,
    server: Option<String>,
    admin: (String, String),
    concurrency: Vec<usize>,
    run: Duration,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        scenario: Scenario::HotPath,
        watchers: 10_000,
        buyers: 64,
        server_pid: None,
        stock: 100,
        units: 1,
        declined: 0.0,
        report: None,
        buyers_given: false,
        concurrency_given: false,
        database_url: "postgres://postgres@127.0.0.1:5432/bazaar_bench_hotpath".into(),
        server: None,
        admin: (
            "bench-admin@example.com".into(),
            "bench admin password".into(),
        ),
        concurrency: vec![1, 16, 128],
        run: Duration::from_secs(10),
    };
    let mut args = args.iter();
    options.scenario = match args.next().map(String::as_str) {
        Some("hot-path") => Scenario::HotPath,
        Some("watchers") => Scenario::Watchers,
        Some("flash-sale") => Scenario::FlashSale,
        Some("baseline") => Scenario::Baseline,
        _ => return Err(USAGE.into()),
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().cloned().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--database-url" => options.database_url = value()?,
            "--server" => options.server = Some(value()?.trim_end_matches('/').to_owned()),
            "--admin" => {
                let raw = value()?;
                let (email, password) = raw.split_once(':').ok_or("--admin is EMAIL:PASSWORD")?;
                options.admin = (email.into(), password.into());
            }
            "--concurrency" => {
                options.concurrency_given = true;
                options.concurrency = value()?
                    .split(',')
                    .map(|n| {
                        n.trim()
                            .parse()
                            .map_err(|_| format!("bad concurrency {n:?}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--watchers" => {
                options.watchers = value()?.parse().map_err(|_| "--watchers needs a number")?
            }
            "--buyers" => {
                options.buyers = value()?.parse().map_err(|_| "--buyers needs a number")?;
                options.buyers_given = true;
            }
            "--stock" => options.stock = value()?.parse().map_err(|_| "--stock needs a number")?,
            "--units" => options.units = value()?.parse().map_err(|_| "--units needs a number")?,
            "--declined" => {
                options.declined = value()?
                    .parse()
                    .map_err(|_| "--declined needs a number from 0 to 1")?;
            }
            "--report" => options.report = Some(value()?.into()),
            "--server-pid" => {
                options.server_pid = Some(
                    value()?
                        .parse()
                        .map_err(|_| "--server-pid needs a number")?,
                )
            }
            "--seconds" => {
                let secs: u64 = value()?.parse().map_err(|_| "--seconds needs a number")?;
                options.run = Duration::from_secs(secs.max(1));
            }
            _ => return Err(USAGE.into()),
        }
    }
    Ok(options)
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(if args.iter().any(|a| a == "--help") {
                0
            } else {
                2
            });
        }
    };
    if let Scenario::FlashSale = options.scenario {
        let server = options
            .server
            .clone()
            .ok_or_else(|| anyhow::anyhow!("flash-sale needs --server"))?;
        let pool = sqlx::PgPool::connect(&options.database_url).await?;
        let sale = flash_sale::FlashSale {
            server,
            admin: options.admin.clone(),
            stock: options.stock,
            buyers: if options.buyers_given {
                options.buyers
            } else {
                1_000
            },
            units: options.units,
            declined_share: options.declined.clamp(0.0, 1.0),
            concurrency: options.concurrency_given.then(|| options.concurrency[0]),
            report: options.report.clone(),
        };
        let passed = flash_sale::run(&sale, &pool).await?;
        std::process::exit(if passed { 0 } else { 1 });
    }
    if let Scenario::Baseline = options.scenario {
        let pool = bazaar::db::connect_and_migrate(&options.database_url).await?;
        for &concurrency in &options.concurrency {
            let measured = baseline::run(&pool, concurrency, options.run).await?;
            println!(
                "baseline concurrency {concurrency}: {:.0} orders/s, p50 {:.1} ms, p99 {:.1} ms",
                measured.per_second(),
                measured.latency.value_at_quantile(0.5) as f64 / 1000.0,
                measured.latency.value_at_quantile(0.99) as f64 / 1000.0
            );
        }
        return Ok(());
    }
    if let Scenario::Watchers = options.scenario {
        let server = options
            .server
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("watchers needs --server"))?;
        return watchers::run(
            server,
            &options.admin,
            options.buyers,
            options.watchers,
            options.run,
            options.server_pid,
        )
        .await;
    }
    let pool = bazaar::db::connect_and_migrate(&options.database_url).await?;
    let mut rows = Vec::new();
    for &concurrency in &options.concurrency {
        let actor = direct::run(&pool, concurrency, options.run).await?;
        let checkout = match &options.server {
            Some(server) => {
                Some(checkout::run(server, &options.admin, concurrency, options.run).await?)
            }
            None => None,
        };
        let baseline = baseline::run(&pool, concurrency, options.run).await?;
        let row = report::Row {
            concurrency,
            actor,
            checkout,
            baseline,
        };
        println!("{}", row.line());
        rows.push(row);
    }
    println!("\n{}", report::table(&rows));
    Ok(())
}
