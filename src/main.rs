//! The `bazaar` binary: serve until SIGINT/SIGTERM, `bazaar seed --demo` to open a demo shop, or
//! `bazaar seed --products N` to fill the configured database with a large catalog. The server itself is configured by the
//! `BAZAAR_*` environment variables (README, "Configuration").

use anyhow::Context;
use bazaar::config::Settings;
use bazaar::demo::DemoOutcome;
use bazaar::seed;
use bazaar::startup::Application;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// mimalloc instead of the system allocator: under load glibc's malloc and free took a fifth of
/// the server's CPU (profiled with perf during a hot-product checkout run; docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Bazaar, an actor-based, real-time commerce server. Without a subcommand it serves; it is
/// configured by BAZAAR_* environment variables (see the README).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve until SIGINT or SIGTERM (the default).
    Serve {
        /// First open the demo shop of `seed --demo` if the shop has no products yet.
        #[arg(long)]
        demo: bool,
    },
    /// Fill the configured database: a demo shop (`--demo`) or a large catalog (`--products N`).
    Seed {
        /// A demo shop with sellers, customers, orders and reviews; its accounts' password is
        /// printed once.
        #[arg(
            long,
            conflicts_with = "products",
            required_unless_present = "products"
        )]
        demo: bool,
        /// With `--demo`: leave a shop that already has products as it is, and succeed.
        #[arg(long, requires = "demo")]
        if_empty: bool,
        /// How many products of a generated catalog to create (benchmarks).
        #[arg(long, env = "BAZAAR_SEED_PRODUCTS")]
        products: Option<usize>,
    },
}

/// Runs `bazaar seed --demo --if-empty` as a process of its own, so that the demo's in-process
/// server, its background tasks and its claim on the database are gone before serving starts.
fn seed_demo_apart() -> anyhow::Result<()> {
    let status = std::process::Command::new(std::env::current_exe().context("the bazaar binary")?)
        .args(["seed", "--demo", "--if-empty"])
        .status()
        .context("run `bazaar seed --demo`")?;
    anyhow::ensure!(status.success(), "`bazaar seed --demo` failed ({status})");
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    bazaar::telemetry::init("info");
    match actix_web::rt::System::new().block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line that names what to change: the variable or the file, and why.
            eprintln!("bazaar: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => {
            if demo {
                seed_demo_apart()?;
            }
            let application = Application::build(settings).await?;
            tracing::info!(port = application.port(), "bazaar is serving");
            application.run_until_stopped().await?;
            tracing::info!("bazaar stopped");
        }
        Command::Seed {
            demo: true,
            if_empty,
            ..
        } => {
            let listen = settings.listen.clone();
            match bazaar::demo::seed_demo(settings).await? {
                DemoOutcome::Seeded(shop) => println!(
                    "A demo shop is ready: {} products, {} orders, {} reviews.\n\
                     Every demo account's password (shown only now): {}\n  \
                     admin:     {}\n  sellers:   {}\n  courier:   {}\n  customers: {}\n\
                     The shop is at http://{listen}/ while the server runs.",
                    shop.products,
                    shop.orders,
                    shop.reviews,
                    shop.password,
                    shop.admin,
                    shop.sellers.join(", "),
                    shop.courier,
                    shop.customers.join(", "),
                ),
                DemoOutcome::AlreadyStocked if if_empty => {
                    println!("The shop already has products: no demo added.");
                }
                DemoOutcome::AlreadyStocked => anyhow::bail!(
                    "BAZAAR_DATABASE_URL: the database already holds products, and `seed --demo` \
                     fills an empty shop (point it at a new database)"
                ),
            }
        }
        Command::Seed { products, .. } => {
            let products = products.context("--products")?;
            let db = bazaar::db::connect_and_migrate(&settings.database_url)
                .await
                .context("BAZAAR_DATABASE_URL")?;
            let report = seed::seed(&db, products).await?;
            println!(
                "seeded {} products, {} categories, {} sellers (seller1@seed.bazaar.test ... password {:?})",
                report.products,
                report.categories,
                report.sellers,
                seed::SELLER_PASSWORD
            );
        }
    }
    Ok(())
}
