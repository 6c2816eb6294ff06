//! The command line (clap): the scenarios as subcommands, the options they share, `--help`
//! and `--version`. Every option can also be set from its `BAZAAR_LOADTEST_*` environment
//! variable.

use crate::browse::Mix;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// Load tests of a running Bazaar and the benchmarks of its hot path.
#[derive(Debug, Parser)]
#[command(name = "bazaar-loadtest", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub scenario: Scenario,
    #[command(flatten)]
    pub options: Options,
}

/// What to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Subcommand)]
pub enum Scenario {
    /// B buyers (made through the admin API) check out a hot product of S units at once over
    /// HTTP/1.1 keep-alive, each with its own Idempotency-Key, paying by card (a share declined);
    /// indeterminate answers are retried with the same key. Prints outcomes by status and code,
    /// paid orders per 100 ms and latencies, then verifies against the server's database: no
    /// acknowledged order or payment lost, no order never requested, at most one order per key,
    /// units sold = units in paid orders <= S, on_hand = ledger, reserved = open holds, payments
    /// = paid totals. Exits 1 if a check fails. Needs --server and --database-url.
    FlashSale,
    /// A flash sale (arriving at --rate) while the server (started here with this environment
    /// and BAZAAR_LISTEN=--listen) is killed with SIGKILL --kills times at random moments and
    /// restarted, optionally with PostgreSQL stopped in immediate mode (--postgres-ctl) and Redis
    /// paused (--pause-redis). The same checks as flash-sale. Exits 1 if a check fails.
    Chaos,
    /// The everyday load: requests arrive at --rate per second for --seconds (open loop), each
    /// one of a weighted --mix of searches, product pages, category pages, adds to cart and
    /// checkouts, while --watchers WebSocket clients stay subscribed; response times per kind,
    /// measured from when each request was due. Exits 1 if any request got a 5xx or no answer,
    /// or a watcher lost its connection.
    Browse,
    /// Sells one hot product with no watchers, then with --watchers WebSocket clients watching
    /// it: the delay from a stock change to the watchers' message, messages per second, the
    /// server's memory per connection and the checkout rate with and without watchers.
    Watchers,
    /// While --buyers check the hot product out the whole time, --readers closed-loop clients
    /// fetch /healthz, then the product page, then /healthz again, --seconds each: the page's
    /// throughput as a share of the trivial endpoint's, in the same run.
    ProductPage,
    /// Sells one hot product for --seconds at each concurrency against one PostgreSQL: in process
    /// through an inventory actor and the journal; through POST /api/v1/checkout (with --server)
    /// as a hold and as the whole purchase (paying in the call); and with the classic row-lock
    /// transaction, without and with the payment row. With --server-pid, also the server's CPU
    /// time per sale. Prints the table.
    HotPath,
    /// Places --orders paid orders, then carries each through its fulfilment over HTTP
    /// (processing, shipped, out_for_delivery, delivered), --concurrency orders in flight
    /// (default 32): status changes per second and their response times. Exits 1 if a change
    /// failed or an order did not end delivered.
    Fulfilment,
    /// Places --orders paid orders of one seller over --products products, then --concurrency
    /// clients (default 16) fetch that seller's report for --seconds; beside it, the same totals
    /// scanned from the order lines on --database-url. Exits 1 if a report failed or its totals
    /// disagree with the scan.
    Analytics,
    /// B buyers (--buyers, 50,000) arrive over --seconds (10) around the scheduled start of a
    /// product of S units (--stock) sold through its waiting room, --early-share of them before
    /// the start. Each joins the queue; --watchers (10,000) follow their place over WebSocket,
    /// the others poll every --poll-secs; once admitted, a buyer checks out with its ticket,
    /// paying in the call, and --cheaters of them first try without one. Prints fairness (rank
    /// correlations of arrival and queue order), the time from the last unit sold to the last
    /// queued buyer told "sold out", the admitted buyers' checkout latency, and verifies the
    /// database: nobody bought without an admission, nothing oversold or lost. With
    /// --jwt-key-file the buyers are made in --database-url and signed here. Exits 1 if a check
    /// fails.
    Drop,
    /// The classic design alone: per sale BEGIN; SELECT ... FOR UPDATE; UPDATE stock;
    /// INSERT order; [INSERT payment with --paying;] COMMIT on one hot row.
    Baseline,
}

/// The options of every scenario (each uses the ones it needs).
#[derive(Debug, Args)]
pub struct Options {
    /// The Bazaar to load (rate limits off).
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_SERVER", value_parser = server_url)]
    pub server: Option<String>,
    /// The server's database (flash-sale, chaos: postgres:// or the embedded sqlite:// file),
    /// or a scratch database for hot-path's actor path (created and migrated).
    #[arg(
        long,
        global = true,
        env = "BAZAAR_LOADTEST_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/bazaar_bench_hotpath"
    )]
    pub database_url: String,
    /// The PostgreSQL of the row-lock baseline (hot-path, baseline; created if missing), the
    /// comparison point whichever backend the actor path and the server run on.
    #[arg(
        long,
        global = true,
        env = "BAZAAR_LOADTEST_BASELINE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/bazaar_bench_baseline"
    )]
    pub baseline_url: String,
    /// The server's admin, EMAIL:PASSWORD.
    #[arg(
        long,
        global = true,
        env = "BAZAAR_LOADTEST_ADMIN",
        default_value = "bench-admin@example.com:bench admin password",
        value_parser = admin
    )]
    pub admin: (String, String),
    /// Buyers (flash-sale, chaos: 1000; watchers, product-page: 64; browse: 50).
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_BUYERS")]
    pub buyers: Option<usize>,
    /// Units of the hot product (flash-sale, chaos).
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_STOCK", default_value_t = 100,
        value_parser = clap::value_parser!(i64).range(0..))]
    pub stock: i64,
    /// Also make E products of S units; buyer n adds one of product n mod E.
    #[arg(
        long,
        global = true,
        env = "BAZAAR_LOADTEST_EXTRA_PRODUCTS",
        default_value_t = 0
    )]
    pub extra_products: usize,
    /// Units of the hot product each buyer asks for.
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_UNITS", default_value_t = 1,
        value_parser = clap::value_parser!(i64).range(1..))]
    pub units: i64,
    /// Share of buyers whose card is declined, 0 to 1.
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_DECLINED", default_value_t = 0.0,
        value_parser = share)]
    pub declined: f64,
    /// Share of buyers who pay from their wallet, topped up before the sale, 0 to 1.
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_WALLET", default_value_t = 0.0,
        value_parser = share)]
    pub wallet: f64,
    /// Arrivals per second (flash-sale: all at once unless given; chaos, browse: 200).
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_RATE", value_parser = rate)]
    pub rate: Option<f64>,
    /// flash-sale: the most checkouts in flight (first value); hot-path, baseline:
    /// comma-separated callers [1,16,128].
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_CONCURRENCY", value_parser = callers)]
    pub concurrency: Option<Callers>,
    /// Duration of each run in seconds (hot-path, baseline, watchers, browse).
    #[arg(long = "seconds", global = true, env = "BAZAAR_LOADTEST_SECONDS", default_value = "10",
        value_parser = seconds)]
    pub run: Duration,
    /// Orders to place and fulfil (fulfilment), or to report on (analytics).
    #[arg(
        long,
        global = true,
        env = "BAZAAR_LOADTEST_ORDERS",
        default_value_t = 10_000
    )]
    pub orders: usize,
    /// Also write the results as a JSON report here.
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_REPORT")]
    pub report: Option<PathBuf>,
    /// (chaos) The server binary.
    #[arg(
        long,
        global = true,
        env = "BAZAAR_LOADTEST_BAZAAR",
        default_value = "target/release/bazaar"
    )]
    pub bazaar: PathBuf,
    /// (chaos) Where the server listens.
    #[arg(
        long,
        global = true,
        env = "BAZAAR_LOADTEST_LISTEN",
        default_value = "127.0.0.1:18090"
    )]
    pub listen: String,
    /// (chaos) SIGKILLs of the server.
    #[arg(
        long,
        global = true,
        env = "BAZAAR_LOADTEST_KILLS",
        default_value_t = 3
    )]
    pub kills: usize,
    /// (chaos) Also stop PostgreSQL once: this command is run with `stop -m immediate`, then
    /// `start` (e.g. "pg_ctlcluster 15 main").
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_POSTGRES_CTL")]
    pub postgres_ctl: Option<String>,
    /// (chaos) Also pause Redis at this URL once (CLIENT PAUSE ALL for 2 s).
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_PAUSE_REDIS")]
    pub pause_redis: Option<String>,
    /// (chaos, browse) Repeat a run's random choices [the clock].
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_SEED")]
    pub seed: Option<u64>,
    /// (browse) Weights of the request kinds.
    #[arg(
        long,
        global = true,
        env = "BAZAAR_LOADTEST_MIX",
        default_value = "search=40,product=35,category=15,cart=7,checkout=3"
    )]
    pub mix: Mix,
    /// (browse, analytics) Products in the shop (analytics: the orders are spread over them).
    #[arg(
        long,
        global = true,
        env = "BAZAAR_LOADTEST_PRODUCTS",
        default_value_t = 100
    )]
    pub products: usize,
    /// WebSocket clients (watchers: 10,000, watching the hot product; browse: none, each
    /// watching one of the shop's products for the whole run).
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_WATCHERS")]
    pub watchers: Option<usize>,
    /// (product-page) Concurrent readers.
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_READERS", default_value_t = 64,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub readers: u32,
    /// (watchers, baseline) Pay in the checkout call: the whole purchase, not only the hold
    /// (baseline: insert the payment too).
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_PAYING")]
    pub paying: bool,
    /// (watchers, hot-path) The server's process, to read its memory and CPU time.
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_SERVER_PID")]
    pub server_pid: Option<u32>,
    /// (drop) The share of buyers arriving before the start, 0 to 1.
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_EARLY_SHARE", default_value_t = 0.5,
        value_parser = share)]
    pub early_share: f64,
    /// (drop) How often a buyer without a WebSocket asks where it stands.
    #[arg(long = "poll-secs", global = true, env = "BAZAAR_LOADTEST_POLL_SECS",
        default_value = "3", value_parser = seconds)]
    pub poll: Duration,
    /// (drop) The share of buyers who first try to check out without an admission, 0 to 1.
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_CHEATERS", default_value_t = 0.01,
        value_parser = share)]
    pub cheaters: f64,
    /// (drop) The server's signing key (BAZAAR_JWT_KEY_FILE): buyers are made straight in
    /// --database-url and their tokens signed with it, instead of through the admin API.
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_JWT_KEY_FILE")]
    pub jwt_key_file: Option<PathBuf>,
    /// Also write the run as one self-contained HTML file (charts as inline SVG) here.
    #[arg(long, global = true, env = "BAZAAR_LOADTEST_REPORT_HTML")]
    pub report_html: Option<PathBuf>,
}

impl Options {
    /// What each checkout of a sale does.
    pub fn purchase(&self) -> crate::checkout::Purchase {
        if self.paying {
            crate::checkout::Purchase::Paid
        } else {
            crate::checkout::Purchase::Hold
        }
    }
}

/// A comma-separated list of caller counts, each above zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Callers(pub Vec<usize>);

fn server_url(raw: &str) -> Result<String, String> {
    Ok(raw.trim_end_matches('/').to_owned())
}

fn admin(raw: &str) -> Result<(String, String), String> {
    let (email, password) = raw.split_once(':').ok_or("is EMAIL:PASSWORD")?;
    Ok((email.into(), password.into()))
}

fn share(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err("is a share from 0 to 1".into()),
    }
}

fn rate(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(rate) if rate > 0.0 && rate.is_finite() => Ok(rate),
        _ => Err("must be above 0".into()),
    }
}

fn callers(raw: &str) -> Result<Callers, String> {
    let list = raw
        .split(',')
        .map(|n| n.trim().parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "is a comma-separated list of whole numbers".to_owned())?;
    if list.contains(&0) {
        return Err("values must be above 0".into());
    }
    Ok(Callers(list))
}

fn seconds(raw: &str) -> Result<Duration, String> {
    raw.parse::<u64>()
        .map(|secs| Duration::from_secs(secs.max(1)))
        .map_err(|_| "is a whole number of seconds".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Cli, String> {
        let args = std::iter::once("bazaar-loadtest").chain(line.split_whitespace());
        Cli::try_parse_from(args).map_err(|error| error.to_string())
    }

    #[test]
    fn options_are_read_and_bad_ones_named() {
        let cli = parse("chaos --kills 5 --rate 50 --extra-products 2").unwrap();
        assert_eq!(cli.scenario, Scenario::Chaos);
        let options = cli.options;
        assert_eq!(
            (options.kills, options.rate, options.extra_products),
            (5, Some(50.0), 2)
        );
        let defaults = parse("flash-sale").unwrap().options;
        assert_eq!(
            (defaults.stock, defaults.units, defaults.declined),
            (100, 1, 0.0)
        );
        for (line, message) in [
            ("flash-sale --bogus 1", "--bogus"),
            ("flash-sale --stock", "--stock"),
            ("flash-sale --stock many", "--stock"),
            ("flash-sale --declined 1.5", "a share from 0 to 1"),
            ("browse --rate 0", "must be above 0"),
            ("hot-path --concurrency 1,0", "values must be above 0"),
            ("flash-sale --units 0", "--units"),
            (
                "browse --mix search=x",
                "the weight of search is not a whole number",
            ),
            ("flash-sale --admin nobody", "is EMAIL:PASSWORD"),
            ("no-such-mode", "no-such-mode"),
        ] {
            let error = parse(line).err().unwrap_or_default();
            assert!(error.contains(message), "{line}: {error}");
        }
    }
}
