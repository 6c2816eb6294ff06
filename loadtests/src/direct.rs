//! Sales through an inventory actor and the journal, in process: the design without HTTP.

use crate::report::Measured;
use bazaar_actors::inventory::{ExpireHold, HoldTicket, Inventory, InventoryConfig};
use bazaar_actors::journal::{Journal, JournalConfig, LedgerReason, StockChange, StockOnly, Unit};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Holds of a benchmark never come due.
struct NeverDue;

impl ExpireHold for NeverDue {
    fn unit(&self, _: &HoldTicket) -> Unit {
        Unit::from(StockOnly(Vec::new()))
    }
}

/// A product with more stock than any run can sell.
pub async fn hot_product(pool: &PgPool) -> anyhow::Result<Uuid> {
    let (seller, category, product) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    sqlx::query("INSERT INTO users (id, email, password_hash, name, role, status) VALUES ($1, $2, 'x', 'Bench', 'seller', 'active')")
        .bind(seller).bind(format!("{seller}@bench.example")).execute(pool).await?;
    sqlx::query("INSERT INTO categories (id, name, slug) VALUES ($1, 'Bench', $2)")
        .bind(category)
        .bind(category.to_string())
        .execute(pool)
        .await?;
    sqlx::query("INSERT INTO products (id, seller_id, sku, name, category_id, price_cents, currency, status) VALUES ($1, $2, 'HOT', 'Hot', $3, 100, 'EUR', 'published')")
        .bind(product).bind(seller).bind(category).execute(pool).await?;
    sqlx::query("INSERT INTO inventory (product_id, on_hand) VALUES ($1, 1000000000)")
        .bind(product)
        .execute(pool)
        .await?;
    sqlx::query("INSERT INTO inventory_movements (product_id, delta, reason) VALUES ($1, 1000000000, 'initial')").bind(product).execute(pool).await?;
    Ok(product)
}

/// `concurrency` callers each reserve one unit, make it durable through the journal (the unit a
/// checkout writes adds to `reserved`), and confirm it, until `run` is over.
pub async fn run(pool: &PgPool, concurrency: usize, run: Duration) -> anyhow::Result<Measured> {
    let product = hot_product(pool).await?;
    let journal = Journal::start(pool.clone(), JournalConfig::default());
    let inventory = Inventory::new(
        actix::Arbiter::new().handle(),
        pool.clone(),
        journal.clone(),
        Arc::new(NeverDue),
        InventoryConfig {
            idle_timeout: Duration::from_secs(600),
        },
    );
    let started = Instant::now();
    let deadline = started + run;
    let due = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let callers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (inventory, journal) = (inventory.clone(), journal.clone());
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
                            measured.record(began.elapsed());
                        }
                        None => measured.failures += 1,
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
