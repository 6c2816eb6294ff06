//! The inventory actors and the journal on their own, without HTTP.

use crate::helpers::{Bind, TestDb, deployment_settings, test_settings};
use bazaar::db::Database;
use bazaar_actors::inventory::{
    ExpireHold, HoldTicket, Inventory, InventoryConfig, InventoryError,
};
use bazaar_actors::journal::{
    Applied, Journal, JournalConfig, JournalError, LedgerReason, StockChange, StockOnly, Unit, Work,
};
use bazaar_actors::store::Connection;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// A fresh database with one product holding `stock` units.
async fn product_with_stock(stock: i64) -> (Database, Uuid) {
    product_with_stock_in(&test_settings().database_url, stock).await
}

async fn product_with_stock_in(url: &str, stock: i64) -> (Database, Uuid) {
    let db = bazaar::db::connect_and_migrate(url).await.unwrap();
    let product = bazaar::seed::hot_product(&db, stock).await.unwrap();
    (db, product)
}

/// Holds of these tests never come due.
struct NeverDue;

impl ExpireHold for NeverDue {
    fn unit(&self, _: &HoldTicket) -> Unit {
        Unit::from(StockOnly(Vec::new()))
    }
}

fn hub() -> bazaar_actors::hub::Hub {
    bazaar_actors::hub::Hub::start(&actix::Arbiter::current())
}

fn inventory(db: &Database, journal: &Journal) -> Inventory {
    Inventory::new(
        actix::Arbiter::new().handle(),
        db.clone(),
        journal.clone(),
        Arc::new(NeverDue),
        hub(),
        InventoryConfig {
            idle_timeout: Duration::from_secs(60),
        },
    )
}

async fn stored(db: &Database, product: Uuid) -> (i64, i64, i64) {
    TestDb::from(db)
        .row(
            "SELECT on_hand, reserved, (SELECT CAST(sum(delta) AS BIGINT)
                 FROM inventory_movements WHERE product_id = $1)
             FROM inventory WHERE product_id = $1",
            &[Bind::Uuid(product)],
        )
        .await
}

#[actix_web::test]
async fn concurrent_reservations_never_exceed_the_stock() {
    let (pool, product) = product_with_stock(50).await;
    let journal = Journal::start(pool.clone(), JournalConfig::default());
    let inventory = inventory(&pool, &journal);
    let due = time::OffsetDateTime::now_utc() + time::Duration::minutes(5);
    let tasks: Vec<_> = (0..400)
        .map(|_| {
            let inventory = inventory.clone();
            actix_web::rt::spawn(
                async move { inventory.reserve(product, Uuid::now_v7(), 1, due).await },
            )
        })
        .collect();
    let mut held = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => held += 1,
            Err(InventoryError::OutOfStock { available }) => assert_eq!(available, 0),
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(held, 50);
    let snapshot = inventory.snapshot(product).await.unwrap();
    assert_eq!(
        (snapshot.on_hand, snapshot.reserved, snapshot.available),
        (50, 50, 0)
    );
}

#[actix_web::test]
async fn a_refused_unit_fails_alone_and_the_ledger_matches() {
    let (pool, product) = product_with_stock(10).await;
    let journal = Journal::start(
        pool.clone(),
        JournalConfig {
            max_batch: 64,
            max_delay: Duration::from_millis(20),
        },
    );
    let change = |on_hand: i64| {
        StockOnly(vec![StockChange {
            product,
            reserved: 0,
            on_hand,
            reason: LedgerReason::Correction,
            order: None,
        }])
    };
    // Written together (one batch, thanks to the delay): the -100 breaks the CHECK.
    let good = (0..9).map(|_| journal.write(change(1)));
    let bad = journal.write(change(-100));
    let (good, bad) = futures_util::join!(futures_util::future::join_all(good), bad);
    assert!(
        good.iter().all(|outcome| matches!(outcome, Ok(true))),
        "{good:?}"
    );
    assert!(matches!(bad, Err(JournalError::Refused(_))), "{bad:?}");
    assert_eq!(stored(&pool, product).await, (19, 0, 19));
}

#[actix_web::test]
async fn when_commits_fail_memory_stays_equal_to_the_database() {
    let (pool, product) = product_with_stock(10).await;
    // The journal writes to a database that is gone; the actor still loads from the real one.
    let gone = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(300))
        .connect_lazy("postgres://postgres@127.0.0.1:1/nowhere")
        .unwrap();
    let journal = Journal::start(Database::Postgres(gone), JournalConfig::default());
    let inventory = inventory(&pool, &journal);
    let removed = inventory.adjust(product, -4, LedgerReason::Damage).await;
    assert!(
        matches!(removed, Err(InventoryError::Unavailable(_))),
        "{removed:?}"
    );
    let added = inventory.adjust(product, 4, LedgerReason::Restock).await;
    assert!(
        matches!(added, Err(InventoryError::Unavailable(_))),
        "{added:?}"
    );
    let snapshot = inventory.snapshot(product).await.unwrap();
    assert_eq!(
        (snapshot.on_hand, snapshot.reserved),
        (10, 0),
        "no change survived a failed commit"
    );
    assert_eq!(stored(&pool, product).await, (10, 0, 10));
}

#[actix_web::test]
async fn an_idle_actor_stops_and_a_new_one_reloads_the_stock() {
    let (pool, product) = product_with_stock(7).await;
    let journal = Journal::start(pool.clone(), JournalConfig::default());
    let inventory = Inventory::new(
        actix::Arbiter::new().handle(),
        pool.clone(),
        journal,
        Arc::new(NeverDue),
        hub(),
        InventoryConfig {
            idle_timeout: Duration::from_millis(300),
        },
    );
    inventory
        .adjust(product, 3, LedgerReason::Restock)
        .await
        .unwrap();
    assert_eq!(inventory.running(), 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while inventory.running() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the actor did not stop"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let snapshot = inventory.snapshot(product).await.unwrap();
    assert_eq!(
        snapshot.on_hand, 10,
        "the new actor loaded the durable state"
    );
}

#[actix_web::test]
async fn a_reload_counts_a_hold_once_when_its_unit_committed_meanwhile() {
    let (pool, product) = product_with_stock(10).await;
    let journal = Journal::start(pool.clone(), JournalConfig::default());
    let inventory = inventory(&pool, &journal);
    let due = time::OffsetDateTime::now_utc() + time::Duration::minutes(15);
    let ticket = inventory
        .reserve(product, Uuid::now_v7(), 3, due)
        .await
        .unwrap();
    // The hold's unit lands (as a commit whose answer was lost would), then the stock is read
    // again while the hold is still provisional in memory.
    let test_db = TestDb::from(&pool);
    test_db
        .execute(
            "INSERT INTO orders (id, user_id, status, currency, subtotal_cents, total_cents,
                 shipping_address, shipping_method, payment_due_at)
             SELECT $1, seller_id, 'pending_payment', 'EUR', 300, 300, '{}', 'standard', $3
             FROM products WHERE id = $2",
            &[
                Bind::Uuid(ticket.order),
                Bind::Uuid(product),
                Bind::Time(due),
            ],
        )
        .await;
    test_db
        .execute(
            "INSERT INTO holds (id, order_id, product_id, qty, expires_at, state)
             VALUES ($1, $2, $3, 3, $4, 'held')",
            &[
                Bind::Uuid(ticket.hold),
                Bind::Uuid(ticket.order),
                Bind::Uuid(product),
                Bind::Time(due),
            ],
        )
        .await;
    test_db
        .execute(
            "UPDATE inventory SET reserved = reserved + 3 WHERE product_id = $1",
            &[Bind::Uuid(product)],
        )
        .await;
    inventory.reload(product).await;
    inventory.confirm(&ticket).await;
    let snapshot = inventory.snapshot(product).await.unwrap();
    assert_eq!(
        (snapshot.on_hand, snapshot.reserved),
        (10, 3),
        "the hold is counted once"
    );
    assert_eq!(stored(&pool, product).await, (10, 3, 10));
}

/// A unit that counts how often it is applied; the second one applied makes its own database
/// session die before the COMMIT is answered.
struct Doomed {
    applied: Arc<std::sync::atomic::AtomicUsize>,
    killer: PgPool,
}

impl Work for Doomed {
    fn apply<'c>(
        &'c self,
        connection: Connection<'c>,
    ) -> futures_util::future::BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move {
            let Connection::Postgres(connection) = connection else {
                unreachable!("this test runs on PostgreSQL");
            };
            let n = self
                .applied
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                + 1;
            if n == 2 {
                let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
                    .fetch_one(&mut *connection)
                    .await?;
                sqlx::query("SELECT pg_terminate_backend($1)")
                    .bind(pid)
                    .execute(&self.killer)
                    .await?;
                actix_web::rt::time::sleep(Duration::from_millis(200)).await;
            }
            Ok(Applied::accepted(vec![]))
        })
    }
}

#[actix_web::test]
async fn a_batch_whose_commit_goes_unanswered_is_not_run_again() {
    // Only a database server can leave a COMMIT unanswered.
    let Some(settings) = deployment_settings() else {
        return;
    };
    let (pool, _) = product_with_stock_in(&settings.database_url, 1).await;
    let journal = Journal::start(pool.clone(), JournalConfig::default());
    let applied = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let unit = || Doomed {
        applied: applied.clone(),
        killer: pool.postgres().unwrap().clone(),
    };
    // Both are queued before the writer runs, so they share one transaction.
    let (first, second) = (journal.write(unit()), journal.write(unit()));
    let (first, second) = futures_util::join!(first, second);
    for outcome in [first, second] {
        assert!(
            matches!(outcome, Err(JournalError::Unavailable(_))),
            "{outcome:?}"
        );
    }
    assert_eq!(
        applied.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "units whose commit may have landed are not applied again"
    );
}
