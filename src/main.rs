//! The `bazaar` binary: serve until SIGINT/SIGTERM, or `bazaar seed --products N` to fill the
//! configured database with a realistic catalog.

use bazaar::catalog::seed;
use bazaar::config::Settings;
use bazaar::startup::Application;

/// mimalloc instead of the system allocator: under load glibc's malloc and free took a fifth of
/// the server's CPU (profiled with perf during a hot-product checkout run; docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: bazaar                      serve (configured by BAZAAR_* variables)
       bazaar seed --products N   fill the database with N sample products";

/// What the command line asks for.
enum Command {
    Serve,
    Seed { products: usize },
}

fn parse_args(args: &[String]) -> Result<Command, String> {
    match args {
        [] => Ok(Command::Serve),
        [seed, flag, count] if seed == "seed" && flag == "--products" => count
            .parse()
            .map(|products| Command::Seed { products })
            .map_err(|_| format!("--products needs a whole number, got {count:?}")),
        _ => Err(USAGE.to_owned()),
    }
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    bazaar::telemetry::init("info");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse_args(&args) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let settings = Settings::from_env()?;
    match command {
        Command::Serve => {
            let application = Application::build(settings).await?;
            tracing::info!(port = application.port(), "bazaar is serving");
            application.run_until_stopped().await?;
            tracing::info!("bazaar stopped");
        }
        Command::Seed { products } => {
            let pool = bazaar::db::connect_and_migrate(&settings.database_url).await?;
            let report = seed::seed(&pool, products).await?;
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
