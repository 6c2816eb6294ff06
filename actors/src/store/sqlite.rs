//! The hot state's statements on the embedded database (SQLite), and how that database is held:
//! a pool of readers and a single writer, the connection the journal commits its batches on.
//!
//! SQLite has one writer at a time; making that explicit (a writer pool of one connection) means
//! no statement waits on a busy lock, and a write transaction never needs `FOR UPDATE`: nothing
//! else can change a row while it runs. Statements are per row (an in-process database has no
//! round trip to save).

use super::StoredStock;
use super::ledger::{Ledger, per_product};
use crate::journal::StockChange;
use sqlx::{SqliteConnection, SqlitePool};
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use uuid::Uuid;

/// The embedded database of a running server.
#[derive(Clone, Debug)]
pub struct EmbeddedDatabase {
    /// Readers (WAL: they do not wait for the writer).
    pub reads: SqlitePool,
    /// The single writer.
    pub writer: SqlitePool,
}

/// How every time is stored: fixed-width UTC to the millisecond, so that times compare as text
/// in time order; SQL writes the same form with `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`.
const TIMESTAMP: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// `at` as the embedded database stores times (`2026-12-02T07:52:23.672Z`), truncated to the
/// millisecond.
pub fn timestamp(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(TIMESTAMP)
        .unwrap_or_default()
}

/// Now, as the embedded database stores times.
fn now() -> String {
    timestamp(OffsetDateTime::now_utc())
}

pub(super) async fn load_stock(
    db: &EmbeddedDatabase,
    product: Uuid,
) -> sqlx::Result<Option<StoredStock>> {
    let row: Option<(Uuid, i64, i64, i64)> = sqlx::query_as(
        "SELECT p.seller_id, i.on_hand, i.reserved, i.low_stock_threshold
         FROM inventory i JOIN products p ON p.id = i.product_id WHERE i.product_id = $1",
    )
    .bind(product)
    .fetch_optional(&db.reads)
    .await?;
    let Some((seller, on_hand, reserved, low_stock_threshold)) = row else {
        return Ok(None);
    };
    let holds: Vec<(Uuid, Uuid, i64, OffsetDateTime)> = sqlx::query_as(
        "SELECT id, order_id, qty, expires_at FROM holds WHERE product_id = $1 AND state = 'held'",
    )
    .bind(product)
    .fetch_all(&db.reads)
    .await?;
    Ok(Some(StoredStock {
        seller,
        on_hand,
        reserved,
        low_stock_threshold,
        holds,
    }))
}

pub(super) async fn write_stock(
    connection: &mut SqliteConnection,
    changes: &[StockChange],
) -> sqlx::Result<()> {
    let at = now();
    for (product, sums) in per_product(changes) {
        sqlx::query(
            "UPDATE inventory SET reserved = reserved + $2, on_hand = on_hand + $3,
                 updated_at = $4
             WHERE product_id = $1",
        )
        .bind(product)
        .bind(sums.reserved)
        .bind(sums.on_hand)
        .bind(&at)
        .execute(&mut *connection)
        .await?;
    }
    let ledger = Ledger::of(changes);
    for (number, row) in (1..).zip(&ledger.rows) {
        let orders: Vec<Uuid> = ledger
            .orders
            .iter()
            .filter(|(_, of_row)| *of_row == number)
            .map(|(order, _)| *order)
            .collect();
        sqlx::query(
            "INSERT INTO inventory_movements (product_id, delta, reason, order_ids, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(row.product)
        .bind(row.delta)
        .bind(row.reason.as_str())
        .bind(sqlx::types::Json(orders))
        .bind(&at)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

pub(super) async fn set_threshold(
    connection: &mut SqliteConnection,
    product: Uuid,
    threshold: i64,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE inventory SET low_stock_threshold = $2, updated_at = $3 WHERE product_id = $1",
    )
    .bind(product)
    .bind(threshold)
    .bind(now())
    .execute(connection)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// The writer's transaction is the only one that can change the row: reading it is locking it.
pub(super) async fn lock_stock(
    connection: &mut SqliteConnection,
    product: Uuid,
) -> sqlx::Result<Option<(i64, i64)>> {
    sqlx::query_as("SELECT on_hand, reserved FROM inventory WHERE product_id = $1")
        .bind(product)
        .fetch_optional(connection)
        .await
}

/// The oldest change time of a cart that still counts.
fn cart_cutoff(ttl: Duration) -> String {
    timestamp(OffsetDateTime::now_utc() - ttl)
}

pub(super) async fn load_cart(
    db: &EmbeddedDatabase,
    user: Uuid,
    ttl: Duration,
) -> sqlx::Result<Vec<(Uuid, i64)>> {
    sqlx::query_as(
        "SELECT l.product_id, l.qty FROM carts c JOIN cart_lines l ON l.user_id = c.user_id
         WHERE c.user_id = $1 AND c.updated_at > $2",
    )
    .bind(user)
    .bind(cart_cutoff(ttl))
    .fetch_all(&db.reads)
    .await
}

pub(super) async fn write_cart_line(
    db: &EmbeddedDatabase,
    user: Uuid,
    product: Uuid,
    qty: i64,
    ttl: Duration,
) -> sqlx::Result<()> {
    let mut tx = db.writer.begin().await?;
    // An expired cart goes first, with its lines: the change starts a new cart.
    sqlx::query("DELETE FROM carts WHERE user_id = $1 AND updated_at <= $2")
        .bind(user)
        .bind(cart_cutoff(ttl))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO carts (user_id, updated_at) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET updated_at = excluded.updated_at",
    )
    .bind(user)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    if qty == 0 {
        sqlx::query("DELETE FROM cart_lines WHERE user_id = $1 AND product_id = $2")
            .bind(user)
            .bind(product)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query(
            "INSERT INTO cart_lines (user_id, product_id, qty) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, product_id) DO UPDATE SET qty = excluded.qty",
        )
        .bind(user)
        .bind(product)
        .bind(qty)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

pub(super) async fn clear_cart(db: &EmbeddedDatabase, user: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM carts WHERE user_id = $1")
        .bind(user)
        .execute(&db.writer)
        .await
        .map(|_| ())
}

pub(super) async fn prune_carts(db: &EmbeddedDatabase, ttl: Duration) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM carts WHERE updated_at <= $1")
        .bind(cart_cutoff(ttl))
        .execute(&db.writer)
        .await
        .map(|done| done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_one_width_and_sort_as_text_in_time_order() {
        let whole = OffsetDateTime::from_unix_timestamp(1_764_662_000).unwrap();
        let later = whole + time::Duration::microseconds(500_999);
        let (a, b) = (timestamp(whole), timestamp(later));
        assert_eq!(a, "2025-12-02T07:53:20.000Z");
        assert_eq!(a.len(), b.len());
        assert!(a < b);
        let decoded = OffsetDateTime::parse(&b, &time::format_description::well_known::Rfc3339);
        assert_eq!(decoded.unwrap(), whole + time::Duration::milliseconds(500));
    }
}
