//! The live line a run prints once a second: elapsed time, requests per second, how many are
//! done, sold, and how many failed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Counters the workers bump and the printer reads.
#[derive(Default)]
pub struct Counters {
    pub requests: AtomicU64,
    pub done: AtomicU64,
    pub sold: AtomicU64,
    pub errors: AtomicU64,
}

/// Prints the line until dropped.
pub struct Progress {
    printer: tokio::task::JoinHandle<()>,
}

impl Progress {
    /// Starts printing `counters` every second; `total` is how many are expected to be done, or
    /// `None` for a run of fixed time, whose rate is of sales.
    pub fn start(counters: Arc<Counters>, total: Option<u64>) -> Self {
        let started = Instant::now();
        let printer = tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(1));
            every.tick().await;
            loop {
                every.tick().await;
                let elapsed = started.elapsed().as_secs_f64();
                // Fixed-time runs count sales, not requests done.
                let (rate, done) = match total {
                    Some(total) => (
                        counters.requests.load(Ordering::Relaxed),
                        format!("  done {}/{total}", counters.done.load(Ordering::Relaxed)),
                    ),
                    None => (counters.sold.load(Ordering::Relaxed), String::new()),
                };
                eprintln!(
                    "{elapsed:>6.1} s  {:>7.0} req/s{done}  sold {}  errors {}",
                    rate as f64 / elapsed,
                    counters.sold.load(Ordering::Relaxed),
                    counters.errors.load(Ordering::Relaxed)
                );
            }
        });
        Self { printer }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.printer.abort();
    }
}
