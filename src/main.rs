//! The `bazaar` binary: read settings, start telemetry, serve until SIGINT/SIGTERM.

use bazaar::config::Settings;
use bazaar::startup::Application;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    bazaar::telemetry::init("info");
    let settings = Settings::from_env()?;
    let application = Application::build(settings).await?;
    tracing::info!(port = application.port(), "bazaar is serving");
    application.run_until_stopped().await?;
    tracing::info!("bazaar stopped");
    Ok(())
}
