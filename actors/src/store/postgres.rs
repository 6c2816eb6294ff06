//! The hot state's statements on PostgreSQL.

use super::StoredStock;
use super::ledger::{Ledger, per_product};
use crate::journal::StockChange;
use sqlx::{PgConnection, PgPool};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

pub(super) async fn load_stock(pool: &PgPool, product: Uuid) -> sqlx::Result<Option<StoredStock>> {
    let row: Option<(Uuid, i64, i64, i32)> = sqlx::query_as(
        "SELECT p.seller_id, i.on_hand, i.reserved, i.low_stock_threshold
         FROM inventory i JOIN products p ON p.id = i.product_id WHERE i.product_id = $1",
    )
    .bind(product)
    .fetch_optional(pool)
    .await?;
    let Some((seller, on_hand, reserved, threshold)) = row else {
        return Ok(None);
    };
    let holds: Vec<(Uuid, Uuid, i64, OffsetDateTime)> = sqlx::query_as(
        "SELECT id, order_id, qty, expires_at FROM holds WHERE product_id = $1 AND state = 'held'",
    )
    .bind(product)
    .fetch_all(pool)
    .await?;
    Ok(Some(StoredStock {
        seller,
        on_hand,
        reserved,
        low_stock_threshold: i64::from(threshold),
        holds,
    }))
}

/// One statement: one row update per product, and the ledger rows.
pub(super) async fn write_stock(
    connection: &mut PgConnection,
    changes: &[StockChange],
) -> sqlx::Result<()> {
    // Summed per product, in product order: concurrent batches lock rows in one order.
    let per_product = per_product(changes);
    let products: Vec<Uuid> = per_product.keys().copied().collect();
    let reserved: Vec<i64> = per_product.values().map(|sums| sums.reserved).collect();
    let on_hand: Vec<i64> = per_product.values().map(|sums| sums.on_hand).collect();
    let ledger = Ledger::of(changes);
    sqlx::query(
        "WITH stock AS (
             UPDATE inventory i SET reserved = i.reserved + d.reserved,
                 on_hand = i.on_hand + d.on_hand, updated_at = now()
             FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) AS d (product_id, reserved, on_hand)
             WHERE i.product_id = d.product_id)
         INSERT INTO inventory_movements (product_id, delta, reason, order_ids)
         SELECT m.product_id, m.delta, m.reason,
             coalesce((SELECT array_agg(o.order_id) FROM unnest($7::uuid[], $8::bigint[])
                           AS o (order_id, row_number)
                       WHERE o.row_number = m.row_number), '{}')
         FROM unnest($4::uuid[], $5::bigint[], $6::text[])
             WITH ORDINALITY AS m (product_id, delta, reason, row_number)",
    )
    .bind(&products)
    .bind(&reserved)
    .bind(&on_hand)
    .bind(ledger.rows.iter().map(|row| row.product).collect::<Vec<_>>())
    .bind(ledger.rows.iter().map(|row| row.delta).collect::<Vec<_>>())
    .bind(ledger.rows.iter().map(|row| row.reason.as_str()).collect::<Vec<_>>())
    .bind(ledger.orders.iter().map(|(order, _)| *order).collect::<Vec<_>>())
    .bind(ledger.orders.iter().map(|(_, row)| *row).collect::<Vec<_>>())
    .execute(connection)
    .await?;
    Ok(())
}

pub(super) async fn set_threshold(
    connection: &mut PgConnection,
    product: Uuid,
    threshold: i64,
) -> sqlx::Result<bool> {
    let threshold = i32::try_from(threshold).map_err(|error| sqlx::Error::Encode(error.into()))?;
    let updated = sqlx::query(
        "UPDATE inventory SET low_stock_threshold = $2, updated_at = now() WHERE product_id = $1",
    )
    .bind(product)
    .bind(threshold)
    .execute(connection)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub(super) async fn lock_stock(
    connection: &mut PgConnection,
    product: Uuid,
) -> sqlx::Result<Option<(i64, i64)>> {
    sqlx::query_as("SELECT on_hand, reserved FROM inventory WHERE product_id = $1 FOR UPDATE")
        .bind(product)
        .fetch_optional(connection)
        .await
}

pub(super) async fn load_cart(
    pool: &PgPool,
    user: Uuid,
    ttl: Duration,
) -> sqlx::Result<Vec<(Uuid, i64)>> {
    sqlx::query_as(
        "SELECT l.product_id, l.qty FROM carts c JOIN cart_lines l ON l.user_id = c.user_id
         WHERE c.user_id = $1 AND c.updated_at > now() - make_interval(secs => $2)",
    )
    .bind(user)
    .bind(ttl.as_secs_f64())
    .fetch_all(pool)
    .await
}

pub(super) async fn write_cart_line(
    pool: &PgPool,
    user: Uuid,
    product: Uuid,
    qty: i64,
    ttl: Duration,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    // An expired cart goes first, with its lines: the change starts a new cart.
    sqlx::query(
        "DELETE FROM carts WHERE user_id = $1 AND updated_at <= now() - make_interval(secs => $2)",
    )
    .bind(user)
    .bind(ttl.as_secs_f64())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO carts (user_id, updated_at) VALUES ($1, now())
         ON CONFLICT (user_id) DO UPDATE SET updated_at = now()",
    )
    .bind(user)
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

pub(super) async fn clear_cart(pool: &PgPool, user: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM carts WHERE user_id = $1")
        .bind(user)
        .execute(pool)
        .await
        .map(|_| ())
}

pub(super) async fn prune_carts(pool: &PgPool, ttl: Duration) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM carts WHERE updated_at <= now() - make_interval(secs => $1)")
        .bind(ttl.as_secs_f64())
        .execute(pool)
        .await
        .map(|done| done.rows_affected())
}
