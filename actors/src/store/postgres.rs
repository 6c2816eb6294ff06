//! The hot state's statements on PostgreSQL.

use super::StoredStock;
use crate::journal::StockChange;
use sqlx::{PgConnection, PgPool};
use std::collections::BTreeMap;
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

/// One row update per product, and one insert for the ledger rows.
pub(super) async fn write_stock(
    connection: &mut PgConnection,
    changes: &[StockChange],
) -> sqlx::Result<()> {
    // Summed per product, in product order: concurrent batches lock rows in one order.
    let mut per_product: BTreeMap<Uuid, (i64, i64)> = BTreeMap::new();
    for change in changes {
        let sums = per_product.entry(change.product).or_default();
        sums.0 += change.reserved;
        sums.1 += change.on_hand;
    }
    let products: Vec<Uuid> = per_product.keys().copied().collect();
    let reserved: Vec<i64> = per_product.values().map(|sums| sums.0).collect();
    let on_hand: Vec<i64> = per_product.values().map(|sums| sums.1).collect();
    sqlx::query(
        "UPDATE inventory i SET reserved = i.reserved + d.reserved, on_hand = i.on_hand + d.on_hand,
             updated_at = now()
         FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) AS d (product_id, reserved, on_hand)
         WHERE i.product_id = d.product_id",
    )
    .bind(&products)
    .bind(&reserved)
    .bind(&on_hand)
    .execute(&mut *connection)
    .await?;
    let moves: Vec<&StockChange> = changes
        .iter()
        .filter(|change| change.on_hand != 0)
        .collect();
    if !moves.is_empty() {
        sqlx::query(
            "INSERT INTO inventory_movements (product_id, delta, reason, order_id)
             SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::uuid[])",
        )
        .bind(moves.iter().map(|m| m.product).collect::<Vec<_>>())
        .bind(moves.iter().map(|m| m.on_hand).collect::<Vec<_>>())
        .bind(moves.iter().map(|m| m.reason.as_str()).collect::<Vec<_>>())
        .bind(moves.iter().map(|m| m.order).collect::<Vec<_>>())
        .execute(connection)
        .await?;
    }
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
