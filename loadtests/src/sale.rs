//! Running a sale: every request placed at its arrival time (all at once, or open loop at a fixed
//! rate), at most `concurrency` in flight, with the live progress line; then the outcomes counted,
//! timed and summed up.

use crate::order::{self, Outcome, Request, Retry};
use crate::progress::{Counters, Progress};
use crate::report::{Measured, Timeline};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// When buyers arrive and how long their requests are retried.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    /// Arrivals per second; all at once when `None`.
    pub rate: Option<f64>,
    /// The most checkouts in flight at once; unlimited when `None`.
    pub concurrency: Option<usize>,
    /// How long after arriving an indeterminate request is still retried.
    pub retry_for: Duration,
    /// The pause between retries.
    pub retry_pause: Duration,
}

/// Places every request on `server` as scheduled; the outcomes and when the sale started.
pub async fn run(
    client: &reqwest::Client,
    server: &str,
    requests: Vec<Request>,
    schedule: Schedule,
) -> anyhow::Result<(Vec<Outcome>, Instant)> {
    let total = requests.len();
    let counters = Arc::new(Counters::default());
    let _progress = Progress::start(counters.clone(), Some(total as u64));
    let in_flight = Arc::new(tokio::sync::Semaphore::new(
        schedule.concurrency.unwrap_or(total).max(1),
    ));
    let started = Instant::now();
    let buyers: Vec<_> = requests
        .into_iter()
        .enumerate()
        .map(|(n, request)| {
            let arrives = match schedule.rate {
                Some(rate) => {
                    started + Duration::from_secs_f64(n as f64 / rate.max(f64::MIN_POSITIVE))
                }
                None => started,
            };
            let (client, server) = (client.clone(), server.to_owned());
            let (counters, in_flight) = (counters.clone(), in_flight.clone());
            tokio::spawn(async move {
                tokio::time::sleep_until(arrives.into()).await;
                let _slot = in_flight.acquire_owned().await;
                let retry = Retry {
                    deadline: arrives + schedule.retry_for,
                    pause: schedule.retry_pause,
                };
                let outcome =
                    order::place(&client, &server, request, arrives, retry, &counters).await;
                if outcome.acknowledged().is_some_and(|(_, paid)| paid) {
                    counters.sold.fetch_add(1, Ordering::Relaxed);
                } else if !outcome.checkout.is_definite() {
                    counters.errors.fetch_add(1, Ordering::Relaxed);
                }
                counters.done.fetch_add(1, Ordering::Relaxed);
                outcome
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(total);
    for buyer in buyers {
        outcomes.push(buyer.await?);
    }
    Ok((outcomes, started))
}

/// What a sale's outcomes add up to.
pub struct Summary {
    pub elapsed: Duration,
    /// Outcome counts by label (`201`, `409 out_of_stock`, ...); payments of pending orders
    /// prefixed with `pay `.
    pub by_outcome: BTreeMap<String, u64>,
    /// Orders acknowledged paid.
    pub sold: u64,
    pub requests: u64,
    /// From arrival to final answer: what a buyer waited, corrected for coordinated omission.
    pub response: Measured,
    /// From the first request sent to the final answer.
    pub service: Measured,
    /// Paid orders per 100 ms.
    pub timeline: Timeline,
}

impl Summary {
    pub fn of(outcomes: &[Outcome], started: Instant) -> Self {
        let mut summary = Summary {
            elapsed: Duration::ZERO,
            by_outcome: BTreeMap::new(),
            sold: 0,
            requests: 0,
            response: Measured::new(),
            service: Measured::new(),
            timeline: Timeline::new(Duration::from_millis(100)),
        };
        for outcome in outcomes {
            *summary
                .by_outcome
                .entry(outcome.checkout.label())
                .or_default() += 1;
            if let Some(payment) = &outcome.payment {
                *summary
                    .by_outcome
                    .entry(format!("pay {}", payment.label()))
                    .or_default() += 1;
            }
            summary.requests += u64::from(outcome.attempts);
            summary.response.record(outcome.finished - outcome.arrived);
            summary.service.record(outcome.finished - outcome.sent);
            summary.elapsed = summary.elapsed.max(outcome.finished - started);
            if outcome.acknowledged().is_some_and(|(_, paid)| paid) {
                summary.sold += 1;
                summary.timeline.record(outcome.finished - started);
            }
        }
        summary.response.elapsed = summary.elapsed;
        summary.response.sales = summary.sold;
        summary
    }

    /// The human summary.
    pub fn print(&self) {
        println!("outcomes: {:?}", self.by_outcome);
        println!(
            "{} paid orders in {:.2} s: {:.0} orders/s on average, {:.0}/s at the busiest 100 ms; {} requests",
            self.sold,
            self.elapsed.as_secs_f64(),
            self.response.per_second(),
            self.timeline.peak_per_second(),
            self.requests
        );
        println!(
            "paid orders over time (100 ms buckets):\n{}",
            self.timeline.render()
        );
        println!(
            "response time from arrival (corrected for coordinated omission): {}",
            self.response.percentiles()
        );
        println!(
            "service time from the first request sent: {}",
            self.service.percentiles()
        );
    }

    /// The summary as JSON, for the report file.
    pub fn json(&self) -> Value {
        json!({
            "seconds": self.elapsed.as_secs_f64(),
            "paid_orders": self.sold,
            "requests": self.requests,
            "orders_per_second": self.response.per_second(),
            "peak_orders_per_second": self.timeline.peak_per_second(),
            "outcomes": self.by_outcome,
            "paid_orders_per_100ms": self.timeline.counts,
            "response_ms": self.response.percentiles_json(),
            "service_ms": self.service.percentiles_json(),
        })
    }
}
