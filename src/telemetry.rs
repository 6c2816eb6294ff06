//! Tracing set-up: structured logs filtered by `RUST_LOG`, every line of a request carrying its
//! request id (the span opened by `tracing-actix-web`).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; later calls are ignored (tests start many apps).
pub fn init(default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
