//! The command line: subcommands, their options and `--help`.

use crate::browse::Mix;
use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "usage: bazaar-loadtest SUBCOMMAND [options]

subcommands:
  flash-sale --server URL --database-url URL
      B buyers (made through the admin API) check out a hot product of S units at once over
      HTTP/1.1 keep-alive, each with its own Idempotency-Key, paying by card (a share declined);
      indeterminate answers are retried with the same key. Prints outcomes by status and code,
      paid orders per 100 ms, response times from arrival (corrected for coordinated omission)
      and service times, then verifies against the server's database: no acknowledged order or
      payment lost, no order never requested, at most one order per key, units sold = units in
      paid orders <= S, on_hand = ledger, reserved = open holds, payments = paid totals.
      Exits 1 if a check fails.
  chaos --database-url URL [--bazaar PATH] [--listen ADDR]
      A flash sale (arriving at --rate) while the server (started here with this environment
      and BAZAAR_LISTEN=ADDR) is killed with SIGKILL --kills times at random moments and
      restarted, optionally with PostgreSQL stopped in immediate mode (--postgres-ctl) and Redis
      paused (--pause-redis). The same checks as flash-sale; every violation is printed.
      Exits 1 if a check fails.
  browse --server URL
      The everyday load: requests arrive at --rate per second for --seconds (open loop), each
      one of a weighted --mix of searches, product pages, category pages, adds to cart and
      checkouts; response times per kind, measured from when each request was due.
      Exits 1 if any request got a 5xx or no answer.
  watchers --server URL
      Sells one hot product with no watchers, then with N WebSocket clients watching it; reports
      the delay from a stock change to the watchers' message (server `at` against the client
      clock), messages per second, the server's memory per connection and the checkout rate with
      and without watchers.
  product-page --server URL
      While --buyers check the hot product out the whole time, --readers closed-loop clients
      fetch /healthz, then the product page, then /healthz again, --seconds each: the page's
      throughput as a share of the trivial endpoint's, in the same run.
  hot-path [--server URL]
      Sells one hot product for --seconds at each concurrency three ways against one
      PostgreSQL: in process through an inventory actor and the journal, through
      POST /api/v1/checkout (with --server), and the row-lock baseline; prints the table.
  baseline
      The classic design alone: per sale BEGIN; SELECT ... FOR UPDATE; UPDATE stock;
      INSERT order; COMMIT on one hot row.

options:
  --server URL            the Bazaar to load (rate limits off)
  --database-url URL      PostgreSQL: the server's database (flash-sale, chaos), or a scratch
                          database for hot-path and baseline (created and migrated)
                          [postgres://postgres@127.0.0.1:5432/bazaar_bench_hotpath]
  --admin EMAIL:PASSWORD  the server's admin      [bench-admin@example.com:bench admin password]
  --buyers N              buyers (flash-sale, chaos: 1000; watchers, product-page: 64;
                          browse: 50)
  --stock S               units of the hot product (flash-sale, chaos)               [100]
  --extra-products E      also make E products of S units; buyer n adds one of product n mod E
  --units N               units of the hot product each buyer asks for                [1]
  --declined F            share of buyers whose card is declined, 0 to 1              [0]
  --rate R                arrivals per second (flash-sale: all at once unless given;
                          chaos: 200; browse: 200)
  --concurrency LIST      flash-sale: the most checkouts in flight (first value);
                          hot-path, baseline: comma-separated callers                 [1,16,128]
  --seconds N             duration of each run (hot-path, baseline, watchers, browse) [10]
  --report PATH           also write the results as a JSON report here
  --bazaar PATH           (chaos) the server binary               [target/release/bazaar]
  --listen ADDR           (chaos) where the server listens        [127.0.0.1:18090]
  --kills N               (chaos) SIGKILLs of the server           [3]
  --postgres-ctl CMD      (chaos) also stop PostgreSQL once: CMD is run with `stop -m immediate`
                          and then `start` appended (e.g. \"pg_ctlcluster 15 main\")
  --pause-redis URL       (chaos) also pause Redis once (CLIENT PAUSE ALL for 2 s)
  --seed N                (chaos, browse) repeat a run's random choices     [the clock]
  --mix SPEC              (browse) weights    [search=40,product=35,category=15,cart=7,checkout=3]
  --products N            (browse) products in the shop                                [100]
  --watchers N            (watchers) WebSocket clients                               [10000]
  --readers N             (product-page) concurrent readers                             [64]
  --server-pid PID        (watchers) the server's process, to read its memory
  --help                  this text";

/// Every option; each takes a value.
const FLAGS: [&str; 23] = [
    "--server",
    "--database-url",
    "--admin",
    "--buyers",
    "--stock",
    "--extra-products",
    "--units",
    "--declined",
    "--rate",
    "--concurrency",
    "--seconds",
    "--report",
    "--bazaar",
    "--listen",
    "--kills",
    "--postgres-ctl",
    "--pause-redis",
    "--seed",
    "--mix",
    "--products",
    "--watchers",
    "--readers",
    "--server-pid",
];

/// What to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    FlashSale,
    Chaos,
    Browse,
    Watchers,
    ProductPage,
    HotPath,
    Baseline,
}

/// The command line.
pub struct Options {
    pub scenario: Scenario,
    pub server: Option<String>,
    pub database_url: String,
    pub admin: (String, String),
    pub buyers: Option<usize>,
    pub stock: i64,
    pub extra_products: usize,
    pub units: i64,
    pub declined: f64,
    pub rate: Option<f64>,
    pub concurrency: Option<Vec<usize>>,
    pub run: Duration,
    pub report: Option<PathBuf>,
    pub bazaar: PathBuf,
    pub listen: String,
    pub kills: usize,
    pub postgres_ctl: Option<String>,
    pub pause_redis: Option<String>,
    pub seed: Option<u64>,
    pub mix: Mix,
    pub products: usize,
    pub watchers: usize,
    pub readers: usize,
    pub server_pid: Option<u32>,
}

/// Parses the arguments after the program name; the message to print when they are wrong.
pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut args = args.iter();
    let scenario = match args.next().map(String::as_str) {
        Some("flash-sale") => Scenario::FlashSale,
        Some("chaos") => Scenario::Chaos,
        Some("browse") => Scenario::Browse,
        Some("watchers") => Scenario::Watchers,
        Some("product-page") => Scenario::ProductPage,
        Some("hot-path") => Scenario::HotPath,
        Some("baseline") => Scenario::Baseline,
        _ => return Err(USAGE.into()),
    };
    let mut options = Options {
        scenario,
        server: None,
        database_url: "postgres://postgres@127.0.0.1:5432/bazaar_bench_hotpath".into(),
        admin: (
            "bench-admin@example.com".into(),
            "bench admin password".into(),
        ),
        buyers: None,
        stock: 100,
        extra_products: 0,
        units: 1,
        declined: 0.0,
        rate: None,
        concurrency: None,
        run: Duration::from_secs(10),
        report: None,
        bazaar: "target/release/bazaar".into(),
        listen: "127.0.0.1:18090".into(),
        kills: 3,
        postgres_ctl: None,
        pause_redis: None,
        seed: None,
        mix: Mix::default(),
        products: 100,
        watchers: 10_000,
        readers: 64,
        server_pid: None,
    };
    while let Some(flag) = args.next() {
        if flag == "--help" {
            return Err(USAGE.into());
        }
        if !FLAGS.contains(&flag.as_str()) {
            return Err(format!("unknown option {flag}\n\n{USAGE}"));
        }
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--server" => options.server = Some(value.trim_end_matches('/').to_owned()),
            "--database-url" => options.database_url = value.clone(),
            "--admin" => {
                let (email, password) = value.split_once(':').ok_or("--admin is EMAIL:PASSWORD")?;
                options.admin = (email.into(), password.into());
            }
            "--buyers" => options.buyers = Some(number(flag, value)?),
            "--stock" => options.stock = number(flag, value)?,
            "--extra-products" => options.extra_products = number(flag, value)?,
            "--units" => options.units = number(flag, value)?,
            "--declined" => {
                let share: f64 = number(flag, value)?;
                if !(0.0..=1.0).contains(&share) {
                    return Err("--declined is a share from 0 to 1".into());
                }
                options.declined = share;
            }
            "--rate" => {
                let rate: f64 = number(flag, value)?;
                if !(rate > 0.0 && rate.is_finite()) {
                    return Err("--rate must be above 0".into());
                }
                options.rate = Some(rate);
            }
            "--concurrency" => {
                let list = value
                    .split(',')
                    .map(|n| number(flag, n.trim()))
                    .collect::<Result<Vec<usize>, _>>()?;
                if list.contains(&0) {
                    return Err("--concurrency values must be above 0".into());
                }
                options.concurrency = Some(list);
            }
            "--seconds" => options.run = Duration::from_secs(number::<u64>(flag, value)?.max(1)),
            "--report" => options.report = Some(value.into()),
            "--bazaar" => options.bazaar = value.into(),
            "--listen" => options.listen = value.clone(),
            "--kills" => options.kills = number(flag, value)?,
            "--postgres-ctl" => options.postgres_ctl = Some(value.clone()),
            "--pause-redis" => options.pause_redis = Some(value.clone()),
            "--seed" => options.seed = Some(number(flag, value)?),
            "--mix" => options.mix = value.parse()?,
            "--products" => options.products = number(flag, value)?,
            "--watchers" => options.watchers = number(flag, value)?,
            "--readers" => options.readers = number::<usize>(flag, value)?.max(1),
            "--server-pid" => options.server_pid = Some(number(flag, value)?),
            _ => return Err(format!("unknown option {flag}\n\n{USAGE}")),
        }
    }
    if options.units < 1 || options.stock < 0 {
        return Err("--units must be at least 1 and --stock at least 0".into());
    }
    Ok(options)
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag} needs a number, not {value:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn options_are_read_and_bad_ones_named() {
        let options = parse(&args("chaos --kills 5 --rate 50 --extra-products 2")).unwrap();
        assert_eq!(options.scenario, Scenario::Chaos);
        assert_eq!(
            (options.kills, options.rate, options.extra_products),
            (5, Some(50.0), 2)
        );
        for (line, message) in [
            ("flash-sale --bogus 1", "unknown option --bogus"),
            ("flash-sale --stock", "--stock needs a value"),
            ("flash-sale --stock many", "--stock needs a number"),
            (
                "flash-sale --declined 1.5",
                "--declined is a share from 0 to 1",
            ),
            ("browse --rate 0", "--rate must be above 0"),
            (
                "hot-path --concurrency 1,0",
                "--concurrency values must be above 0",
            ),
            ("flash-sale --units 0", "--units must be at least 1"),
            (
                "browse --mix search=x",
                "the weight of search is not a whole number",
            ),
            ("no-such-mode", "usage:"),
        ] {
            let error = parse(&args(line)).err().unwrap_or_default();
            assert!(error.contains(message), "{line}: {error}");
        }
    }
}
