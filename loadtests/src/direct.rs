//! Sales through an inventory actor and the journal, in process: the design without HTTP.

use crate::progress::{Counters, Progress};
use crate::report::Measured;
use bazaar_actors::inventory::{ExpireHold, HoldTicket, Inventory, InventoryConfig};
use bazaar_actors::journal::{Journal, JournalConfig, LedgerReason, StockChange, StockOnly, Unit};
use sqlx::PgPool;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Holds of a benchmark never come due.
struct NeverDue;

impl ExpireHold for NeverDue {
    fn unit(&self, _: &HoldTicket) -> Unit {
        Unit::from(StockOnly(Vec::new()))
    }
}

/// `concurrency` callers each reserve one unit, make it durable through the journal (the unit a
/// checkout writes adds to `reserved`), and confirm it, until `run` is over.
pub async fn run(pool: &PgPool, concurrency: usize, run: Duration) -> anyhow::Result<Measured> {
    // More stock than any run can sell.
    let product = bazaar::catalog::seed::hot_product(pool, 1_000_000_000).await?;
    let journal = Journal::start(pool.clone(), JournalConfig::default());
    let inventory = Inventory::new(
        actix::Arbiter::new().handle(),
        pool.clone(),
        journal.clone(),
        Arc::new(NeverDue),
        bazaar_actors::hub::Hub::start(&actix::Arbiter::current()),
        InventoryConfig {
            idle_timeout: Duration::from_secs(600),
        },
    );
    let counters = Arc::new(Counters::default());
    let _progress = Progress::start(counters.clone(), None);
    let started = Instant::now();
    let deadline = started + run;
    let due = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let callers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (inventory, journal) = (inventory.clone(), journal.clone());
            let counters = counters.clone();
            actix_web::rt::spawn(async move {
                let mut measured = Measured::new();
                while Instant::now() < deadline {
                    let began = Instant::now();
                    let sold = async {
                        let ticket = inventory
                            .reserve(product, Uuid::now_v7(), 1, due)
                            .await
                            .ok()?;
                        let change = StockChange {
                            product,
                            reserved: 1,
                            on_hand: 0,
                            reason: LedgerReason::Sale,
                            order: None,
                        };
                        match journal.write(StockOnly(vec![change])).await {
                            Ok(true) => {
                                inventory.confirm(&ticket).await;
                                Some(())
                            }
                            _ => {
                                inventory.release(&ticket).await;
                                None
                            }
                        }
                    }
                    .await;
                    match sold {
                        Some(()) => {
                            measured.sales += 1;
                            counters.sold.fetch_add(1, Ordering::Relaxed);
                            measured.record(began.elapsed());
                        }
                        None => {
                            measured.failures += 1;
                            counters.errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                measured
            })
        })
        .collect();
    let mut total = Measured::new();
    for caller in callers {
        total.merge(caller.await?);
    }
    total.elapsed = started.elapsed();
    Ok(total)
}
