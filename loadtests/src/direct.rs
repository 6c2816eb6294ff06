//! Sales through an inventory actor and the journal, in process: the design without HTTP.

use crate::report::Measured;
use bazaar::db::Database;
use bazaar_actors::inventory::{ExpireHold, HoldTicket, Inventory, InventoryConfig};
use bazaar_actors::journal::{Journal, JournalConfig, LedgerReason, StockChange, StockOnly, Unit};
use std::sync::Arc;
use std::time::Duration;
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
pub async fn run(db: &Database, concurrency: usize, run: Duration) -> anyhow::Result<Measured> {
    // More stock than any run can sell.
    let product = bazaar::seed::hot_product(db, 1_000_000_000).await?;
    let journal = Journal::start(db.clone(), JournalConfig::default());
    let inventory = Inventory::new(
        actix::Arbiter::new().handle(),
        db.clone(),
        journal.clone(),
        Arc::new(NeverDue),
        bazaar_actors::hub::Hub::start(&actix::Arbiter::current()),
        InventoryConfig {
            idle_timeout: Duration::from_secs(600),
        },
    );
    let due = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    crate::closed_loop::run(concurrency, run, move |_| {
        let (inventory, journal) = (inventory.clone(), journal.clone());
        async move {
            let Ok(ticket) = inventory.reserve(product, Uuid::now_v7(), 1, due).await else {
                return false;
            };
            let change = StockChange {
                product,
                reserved: 1,
                on_hand: 0,
                reason: LedgerReason::Sale,
                order: None,
            };
            if let Ok(true) = journal.write(StockOnly(vec![change])).await {
                inventory.confirm(&ticket).await;
                true
            } else {
                inventory.release(&ticket).await;
                false
            }
        }
    })
    .await
}
