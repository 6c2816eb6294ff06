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
                bazaar::demo::seed_in_child()?;
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
                DemoOutcome::Seeded(shop) => {
                    println!("{shop}\nThe shop is at http://{listen}/ while the server runs.");
                }
                DemoOutcome::AlreadyStocked if if_empty => {
                    println!("The shop already has products or accounts: no demo added.");
                }
                DemoOutcome::AlreadyStocked => anyhow::bail!(
                    "BAZAAR_DATABASE_URL: the database already holds products or accounts, and \
                     `seed --demo` fills a new shop (point it at a new database)"
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
