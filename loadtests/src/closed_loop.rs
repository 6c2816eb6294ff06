//! Closed-loop callers: each sends its next request as soon as the previous one is answered, until
//! the run is over. Successes are timed in one histogram; the progress line shows the rate.

use crate::progress::{Counters, Progress};
use crate::report::Measured;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Runs `callers` callers for `run`; `call(n)` makes caller n's next request and tells whether it
/// succeeded. Runs on the current (actix) thread.
pub async fn run<F, Fut>(callers: usize, run: Duration, call: F) -> anyhow::Result<Measured>
where
    F: Fn(usize) -> Fut + 'static,
    Fut: Future<Output = bool> + 'static,
{
    let counters = Arc::new(Counters::default());
    let _progress = Progress::start(counters.clone(), None);
    let call = Rc::new(call);
    let started = Instant::now();
    let deadline = started + run;
    let tasks: Vec<_> = (0..callers)
        .map(|n| {
            let (call, counters) = (call.clone(), counters.clone());
            actix_web::rt::spawn(async move {
                let mut measured = Measured::new();
                while Instant::now() < deadline {
                    let began = Instant::now();
                    if call(n).await {
                        measured.sales += 1;
                        measured.record(began.elapsed());
                        counters.sold.fetch_add(1, Ordering::Relaxed);
                    } else {
                        measured.failures += 1;
                        counters.errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                measured
            })
        })
        .collect();
    let mut total = Measured::new();
    for task in tasks {
        total.merge(task.await?);
    }
    total.elapsed = started.elapsed();
    Ok(total)
}
