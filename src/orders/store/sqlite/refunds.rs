//! Refunds' and returns' statements on the embedded database (SQLite): those of the journal
//! units (the journal's transaction is the only writer), and reading a return.

use crate::db::EmbeddedDatabase;
use crate::domain::OrderStatus;
use crate::orders::model::ReturnStatus;
use crate::orders::store::{NewRefund, NewReturn, ReturnRow, ReturnableLine, Settled};
use crate::orders::units::RefundStanding;
use bazaar_actors::store::timestamp;
use sqlx::SqliteConnection;
use time::OffsetDateTime;
use uuid::Uuid;

pub(in crate::orders::store) async fn refund_standing(
    connection: &mut SqliteConnection,
    order: Uuid,
    seller: Option<Uuid>,
) -> sqlx::Result<RefundStanding> {
    sqlx::query_as(
        "SELECT (SELECT currency FROM orders WHERE id = $1) AS currency,
             (SELECT coalesce(sum(amount_cents), 0) FROM payments
              WHERE order_id = $1 AND status = 'succeeded') AS paid,
             (SELECT coalesce(sum(amount_cents), 0) FROM refunds
              WHERE order_id = $1 AND status <> 'failed') AS refunded,
             (SELECT coalesce(sum(line_total_cents - discount_cents + tax_cents), 0) FROM order_items
              WHERE order_id = $1 AND seller_id = $2) AS seller_share,
             (SELECT coalesce(sum(amount_cents), 0) FROM refunds
              WHERE order_id = $1 AND seller_id = $2 AND status <> 'failed')
                 AS seller_refunded",
    )
    .bind(order)
    .bind(seller)
    .fetch_one(connection)
    .await
}

pub(in crate::orders::store) async fn units_to_restock(
    connection: &mut SqliteConnection,
    order: Uuid,
    seller: Option<Uuid>,
) -> sqlx::Result<Vec<(Uuid, i64)>> {
    sqlx::query_as(
        "SELECT product_id, qty - restocked_qty FROM order_items
         WHERE order_id = $1 AND ($2 IS NULL OR seller_id = $2) AND qty > restocked_qty
         ORDER BY product_id",
    )
    .bind(order)
    .bind(seller)
    .fetch_all(connection)
    .await
}

pub(in crate::orders::store) async fn insert_refund(
    connection: &mut SqliteConnection,
    refund: &NewRefund<'_>,
) -> sqlx::Result<Option<String>> {
    let paid: Option<(Uuid, Option<String>)> = sqlx::query_as(
        "SELECT id, gateway_ref FROM payments WHERE order_id = $1 AND status = 'succeeded'
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(refund.order)
    .fetch_optional(&mut *connection)
    .await?;
    let (payment, reference) = paid.unzip();
    sqlx::query(
        "INSERT INTO refunds (id, order_id, payment_id, amount_cents, reason, restocked, seller_id,
             actor_id, status, created_at)
         VALUES ($1, $2, $3, $4, $5, false, $6, $7, 'pending', $8)",
    )
    .bind(refund.id)
    .bind(refund.order)
    .bind(payment)
    .bind(refund.amount)
    .bind(refund.reason)
    .bind(refund.seller)
    .bind(refund.by)
    .bind(timestamp(refund.at))
    .execute(connection)
    .await?;
    Ok(reference.flatten())
}

pub(in crate::orders::store) async fn fail_refund(
    connection: &mut SqliteConnection,
    refund: Uuid,
    approved_return: Option<Uuid>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE refunds SET status = 'failed' WHERE id = $1")
        .bind(refund)
        .execute(&mut *connection)
        .await?;
    if let Some(id) = approved_return {
        sqlx::query(
            "UPDATE returns SET status = 'requested', refund_id = NULL, decided_by = NULL,
                 decided_at = NULL
             WHERE id = $1",
        )
        .bind(id)
        .execute(connection)
        .await?;
    }
    Ok(())
}

pub(in crate::orders::store) async fn restock_lines(
    connection: &mut SqliteConnection,
    order: Uuid,
    units: &[(Uuid, i64)],
) -> sqlx::Result<()> {
    for (product, qty) in units {
        sqlx::query(
            "UPDATE order_items SET restocked_qty = restocked_qty + $3
             WHERE order_id = $1 AND product_id = $2",
        )
        .bind(order)
        .bind(product)
        .bind(qty)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

pub(in crate::orders::store) async fn settle_refund(
    connection: &mut SqliteConnection,
    settled: &Settled<'_>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE refunds SET status = 'succeeded', restocked = $2 WHERE id = $1")
        .bind(settled.refund)
        .bind(settled.restocked)
        .execute(&mut *connection)
        .await?;
    let whole: bool = sqlx::query_scalar(
        "SELECT (SELECT coalesce(sum(amount_cents), 0) FROM refunds
                 WHERE order_id = $1 AND status = 'succeeded')
             >= (SELECT coalesce(sum(amount_cents), 0) FROM payments
                 WHERE order_id = $1 AND status = 'succeeded')",
    )
    .bind(settled.order)
    .fetch_one(&mut *connection)
    .await?;
    let status = if whole {
        OrderStatus::Refunded
    } else {
        OrderStatus::PartiallyRefunded
    };
    sqlx::query("UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1")
        .bind(settled.order)
        .bind(status)
        .bind(timestamp(settled.at))
        .execute(&mut *connection)
        .await?;
    sqlx::query(
        "INSERT INTO order_events (order_id, status, actor_id, note, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(settled.order)
    .bind(status)
    .bind(settled.by)
    .bind(settled.note)
    .bind(timestamp(settled.at))
    .execute(connection)
    .await?;
    Ok(())
}

pub(in crate::orders::store) async fn return_status(
    connection: &mut SqliteConnection,
    id: Uuid,
) -> sqlx::Result<Option<(Uuid, ReturnStatus)>> {
    sqlx::query_as("SELECT order_id, status FROM returns WHERE id = $1")
        .bind(id)
        .fetch_optional(connection)
        .await
}

pub(in crate::orders::store) async fn approve_return(
    connection: &mut SqliteConnection,
    id: Uuid,
    refund: Uuid,
    by: Uuid,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE returns SET status = 'approved', refund_id = $2, decided_by = $3, decided_at = $4
         WHERE id = $1",
    )
    .bind(id)
    .bind(refund)
    .bind(by)
    .bind(timestamp(at))
    .execute(connection)
    .await?;
    Ok(())
}

pub(in crate::orders::store) async fn returnable_lines(
    connection: &mut SqliteConnection,
    order: Uuid,
) -> sqlx::Result<Vec<ReturnableLine>> {
    sqlx::query_as(
        "SELECT oi.product_id, oi.seller_id, oi.qty, s.delivered_at,
             (SELECT coalesce(sum(rl.qty), 0) FROM return_lines rl
              JOIN returns r ON r.id = rl.return_id
              WHERE r.order_id = oi.order_id AND rl.product_id = oi.product_id
                AND r.status <> 'rejected') AS returned
         FROM order_items oi
         LEFT JOIN shipments s ON s.order_id = oi.order_id AND s.seller_id = oi.seller_id
         WHERE oi.order_id = $1 ORDER BY oi.product_id",
    )
    .bind(order)
    .fetch_all(connection)
    .await
}

pub(in crate::orders::store) async fn insert_return(
    connection: &mut SqliteConnection,
    new: &NewReturn<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO returns (id, order_id, seller_id, status, reason, created_at)
         VALUES ($1, $2, $3, 'requested', $4, $5)",
    )
    .bind(new.id)
    .bind(new.order)
    .bind(new.seller)
    .bind(new.reason)
    .bind(timestamp(new.at))
    .execute(&mut *connection)
    .await?;
    for (product, qty) in new.lines {
        sqlx::query("INSERT INTO return_lines (return_id, product_id, qty) VALUES ($1, $2, $3)")
            .bind(new.id)
            .bind(product)
            .bind(qty)
            .execute(&mut *connection)
            .await?;
    }
    sqlx::query(
        "INSERT INTO order_events (order_id, status, actor_id, note, created_at)
         SELECT id, status, $2, $3, $4 FROM orders WHERE id = $1",
    )
    .bind(new.order)
    .bind(new.customer)
    .bind(format!("return requested: {}", new.reason))
    .bind(timestamp(new.at))
    .execute(connection)
    .await?;
    Ok(())
}

pub(in crate::orders::store) async fn reject_return(
    connection: &mut SqliteConnection,
    id: Uuid,
    by: Uuid,
    note: Option<&str>,
    at: OffsetDateTime,
) -> sqlx::Result<Option<Uuid>> {
    let order: Option<Uuid> = sqlx::query_scalar(
        "UPDATE returns SET status = 'rejected', decided_by = $2, decided_at = $3, note = $4
         WHERE id = $1 AND status = 'requested' RETURNING order_id",
    )
    .bind(id)
    .bind(by)
    .bind(timestamp(at))
    .bind(note)
    .fetch_optional(&mut *connection)
    .await?;
    if let Some(order) = order {
        sqlx::query(
            "INSERT INTO order_events (order_id, status, actor_id, note, created_at)
             SELECT id, status, $2, $3, $4 FROM orders WHERE id = $1",
        )
        .bind(order)
        .bind(by)
        .bind(match note {
            Some(note) => format!("return rejected: {note}"),
            None => "return rejected".to_owned(),
        })
        .bind(timestamp(at))
        .execute(connection)
        .await?;
    }
    Ok(order)
}

pub(in crate::orders::store) async fn return_row(
    db: &EmbeddedDatabase,
    id: Uuid,
) -> sqlx::Result<Option<ReturnRow>> {
    let row: Option<ReturnRow> = sqlx::query_as(
        "SELECT id, order_id, seller_id, status, reason, note, refund_id, created_at, decided_at
         FROM returns WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.reads)
    .await?;
    let Some(mut row) = row else {
        return Ok(None);
    };
    row.lines = sqlx::query_as(
        "SELECT rl.product_id, rl.qty, oi.unit_price_cents,
             (oi.line_total_cents - oi.discount_cents + oi.tax_cents) * rl.qty / oi.qty
                 AS refund_cents
         FROM return_lines rl
         JOIN order_items oi ON oi.order_id = $2 AND oi.product_id = rl.product_id
         WHERE rl.return_id = $1 ORDER BY rl.product_id",
    )
    .bind(id)
    .bind(row.order_id)
    .fetch_all(&db.reads)
    .await?;
    Ok(Some(row))
}

pub(in crate::orders::store) async fn return_ids(
    db: &EmbeddedDatabase,
    order: Uuid,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar("SELECT id FROM returns WHERE order_id = $1 ORDER BY created_at, id")
        .bind(order)
        .fetch_all(&db.reads)
        .await
}
