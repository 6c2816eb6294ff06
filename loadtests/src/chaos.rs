//! `chaos`: a flash sale while the server is killed with SIGKILL at random moments and started
//! again, and optionally PostgreSQL is stopped in immediate mode and Redis is paused. Buyers retry
//! indeterminate answers with the same idempotency key. Then the checker of [`crate::verify`]
//! compares what the buyers were told with what the database holds, and every violation is
//! printed.

use crate::flash_sale::{FlashSale, print_checks, write_report};
use crate::random::Random;
use crate::records::Records;
use crate::sale::{self, Summary};
use crate::setup::Shop;
use crate::verify;
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// How the faults are made.
pub struct Chaos {
    pub sale: FlashSale,
    /// The server binary, started with this process's environment and `BAZAAR_LISTEN`.
    pub bazaar: PathBuf,
    pub listen: String,
    pub database_url: String,
    pub kills: usize,
    /// A command that controls PostgreSQL, to which `stop -m immediate` and `start` are appended
    /// (`pg_ctlcluster 15 main`, `pg_ctl -D DIR`).
    pub postgres_ctl: Option<String>,
    /// Pause Redis (CLIENT PAUSE) once, at this URL.
    pub redis_pause: Option<String>,
    pub seed: u64,
}

/// One fault.
#[derive(Clone, Copy, Debug)]
enum Fault {
    Kill,
    StopPostgres,
    PauseRedis,
}

/// How long PostgreSQL stays down and Redis stays paused.
const OUTAGE: Duration = Duration::from_secs(2);
/// How long the server may take to answer /healthz after a start.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs the sale under faults and checks it; `Ok(false)` when a check failed.
pub async fn run(chaos: &Chaos) -> anyhow::Result<bool> {
    let mut random = Random::new(chaos.seed);
    println!(
        "chaos seed {} (rerun with --seed {})",
        chaos.seed, chaos.seed
    );
    let mut server = Server::start(&chaos.bazaar, &chaos.listen).await?;
    let shop = Shop::prepare(&chaos.sale.server, &chaos.sale.admin, &chaos.sale.plan()).await?;

    let requests = chaos.sale.requests(&shop);
    crate::flash_sale::top_up_wallets(&shop, &requests, chaos.sale.plan().price_cents).await?;
    let window = match chaos.sale.schedule.rate {
        Some(rate) => Duration::from_secs_f64(requests.len() as f64 / rate),
        None => Duration::from_secs(2),
    };
    let mut faults: Vec<(Duration, Fault)> = std::iter::repeat_n(Fault::Kill, chaos.kills)
        .chain(chaos.postgres_ctl.as_ref().map(|_| Fault::StopPostgres))
        .chain(chaos.redis_pause.as_ref().map(|_| Fault::PauseRedis))
        .map(|fault| (window.mul_f64(0.05 + 0.85 * random.unit()), fault))
        .collect();
    faults.sort_by_key(|(at, _)| *at);

    eprintln!(
        "selling {} units to {} buyers over {:.1} s with faults at {:?}...",
        chaos.sale.stock,
        chaos.sale.buyers,
        window.as_secs_f64(),
        faults
            .iter()
            .map(|(at, fault)| format!("{:.2} s {fault:?}", at.as_secs_f64()))
            .collect::<Vec<_>>()
    );
    let selling = sale::run(&shop.client, &shop.server, requests, chaos.sale.schedule);
    let injecting = async {
        let started = Instant::now();
        let mut log = Vec::new();
        for (at, fault) in &faults {
            tokio::time::sleep_until((started + *at).into()).await;
            let pause = Duration::from_millis(random.below(500));
            let result = inject(*fault, chaos, &mut server, pause).await;
            log.push(format!(
                "{:.2} s {fault:?}: {}",
                started.elapsed().as_secs_f64(),
                result
                    .as_ref()
                    .map_or_else(|e| format!("failed: {e:#}"), |_| "done".into())
            ));
            result?;
        }
        anyhow::Ok(log)
    };
    let (sold, injected) = tokio::join!(selling, injecting);
    let (outcomes, started) = sold?;
    let log = injected?;
    server.wait_healthy(&chaos.sale.server).await?;

    let records = Records::open(&chaos.database_url).await?;
    let (stock, checks) = verify::run(&records, &shop, &outcomes).await?;
    server.kill().await?;

    let summary = Summary::of(&outcomes, started);
    println!(
        "\nchaos: {} buyers for {} units; faults:",
        chaos.sale.buyers, chaos.sale.stock
    );
    for line in &log {
        println!("  {line}");
    }
    summary.print();
    let unresolved: Vec<_> = outcomes
        .iter()
        .filter(|o| !o.checkout.is_definite())
        .collect();
    println!(
        "requests still indeterminate at their deadline: {}",
        unresolved.len()
    );
    for outcome in unresolved.iter().take(10) {
        let answer = &outcome.checkout;
        println!(
            "  key {}: {}",
            outcome.request.key,
            answer.error.clone().unwrap_or_else(|| answer.label())
        );
    }
    let passed = print_checks(&stock, &checks);
    if let Some(path) = &chaos.sale.report {
        let mut settings = chaos.sale.json();
        settings["kills"] = json!(chaos.kills);
        settings["postgres_stopped"] = json!(chaos.postgres_ctl.is_some());
        settings["redis_paused"] = json!(chaos.redis_pause.is_some());
        settings["seed"] = json!(chaos.seed);
        settings["faults"] = json!(log);
        write_report(path, settings, &summary, &stock, &checks)?;
    }
    Ok(passed)
}

async fn inject(
    fault: Fault,
    chaos: &Chaos,
    server: &mut Server,
    pause: Duration,
) -> anyhow::Result<()> {
    match fault {
        Fault::Kill => {
            server.kill().await?;
            tokio::time::sleep(pause).await;
            *server = Server::start(&chaos.bazaar, &chaos.listen).await?;
        }
        Fault::StopPostgres => {
            let ctl = chaos.postgres_ctl.as_deref().unwrap_or_default();
            shell(&format!("{ctl} stop -m immediate")).await?;
            tokio::time::sleep(OUTAGE).await;
            shell(&format!("{ctl} start")).await?;
        }
        Fault::PauseRedis => {
            let url = chaos.redis_pause.as_deref().unwrap_or_default();
            let client = redis::Client::open(url)?;
            let mut connection = client.get_multiplexed_async_connection().await?;
            let _: () = redis::cmd("CLIENT")
                .arg("PAUSE")
                .arg(OUTAGE.as_millis() as u64)
                .arg("ALL")
                .query_async(&mut connection)
                .await?;
        }
    }
    Ok(())
}

/// Runs `command` with `sh -c`, failing unless it succeeds.
async fn shell(command: &str) -> anyhow::Result<()> {
    let status = Command::new("sh").arg("-c").arg(command).status().await?;
    anyhow::ensure!(status.success(), "`{command}` failed: {status}");
    Ok(())
}

/// The server process under test.
struct Server {
    child: Child,
}

impl Server {
    /// Starts `bazaar` listening on `listen` and waits until it answers.
    async fn start(bazaar: &PathBuf, listen: &str) -> anyhow::Result<Server> {
        let child = Command::new(bazaar)
            .env("BAZAAR_LISTEN", listen)
            .kill_on_drop(true)
            .spawn()?;
        let mut server = Server { child };
        server.wait_healthy(&format!("http://{listen}")).await?;
        Ok(server)
    }

    async fn wait_healthy(&mut self, base: &str) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!("the server exited while starting: {status}");
            }
            let healthy = client
                .get(format!("{base}/healthz"))
                .timeout(Duration::from_secs(1))
                .send()
                .await;
            if healthy.is_ok_and(|response| response.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("the server did not answer within {START_TIMEOUT:?}")
    }

    /// SIGKILL, and reap it.
    async fn kill(&mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }
}
