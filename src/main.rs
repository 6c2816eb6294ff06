//! The `bazaar` binary: serve until SIGINT/SIGTERM, or `bazaar seed --products N` to fill the
//! configured database with a realistic catalog. The server itself is configured by the
//! `BAZAAR_*` environment variables (README, "Configuration").

use anyhow::Context;
use bazaar::config::Settings;
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
    Serve,
    /// Fill the configured database with a sample catalog.
    Seed {
        /// How many products to create.
        #[arg(long, env = "BAZAAR_SEED_PRODUCTS")]
        products: usize,
    },
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
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let application = Application::build(settings).await?;
            tracing::info!(port = application.port(), "bazaar is serving");
            application.run_until_stopped().await?;
            tracing::info!("bazaar stopped");
        }
        Command::Seed { products } => {
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
