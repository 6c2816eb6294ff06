//! The orders' reads, and the changes made outside the journal, on the embedded database (SQLite).

use crate::db::EmbeddedDatabase;
use crate::domain::{OrderStatus, Page, Paged, PaymentMethod, Role};
use crate::orders::idempotency::IdempotencyKey;
use crate::orders::model::{Order, OrderFilter, OrderItem};
use crate::orders::store::{Caller, ReleasedAtStart, UnpaidAttempt};
use bazaar_actors::store::timestamp;
use sqlx::types::Json;
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;
use uuid::Uuid;

const ORDER_COLUMNS: &str = "o.id, o.user_id, o.status, o.currency, o.subtotal_cents, \
     o.discount_cents, o.shipping_cents, o.tax_cents, o.total_cents, o.shipping_address, o.shipping_method, \
     o.coupon_id, o.coupon_code, \
     o.payment_due_at, o.created_at, o.updated_at";

/// The condition under which reader `$1` of role `$2` finds order `o` in their list: its
/// customer, a seller of one of its lines, or an admin.
const LISTED_TO: &str = "($2 = 'admin' OR o.user_id = $1 OR ($2 = 'seller' AND \
     EXISTS (SELECT 1 FROM order_items oi WHERE oi.order_id = o.id AND oi.seller_id = $1)))";

/// The condition under which reader `$1` of role `$2` may read order `o`: as [`LISTED_TO`], or
/// a courier carrying one of its shipments (who finds their shipments at `GET /deliveries`).
const VISIBLE_TO: &str = "($2 = 'admin' OR o.user_id = $1 OR ($2 = 'seller' AND \
     EXISTS (SELECT 1 FROM order_items oi WHERE oi.order_id = o.id AND oi.seller_id = $1)) OR \
     ($2 = 'courier' AND \
     EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id AND s.courier_id = $1)))";

pub(in crate::orders::store) async fn order(
    db: &EmbeddedDatabase,
    id: Uuid,
) -> sqlx::Result<Option<Order>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.id = $1"
    ));
    let order: Option<Order> = sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&db.reads)
        .await?;
    match order {
        Some(order) => Ok(Some(with_details(db, order).await?)),
        None => Ok(None),
    }
}

pub(in crate::orders::store) async fn visible_order(
    db: &EmbeddedDatabase,
    reader: Caller,
    id: Uuid,
) -> sqlx::Result<Option<Order>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.id = $3 AND {VISIBLE_TO}"
    ));
    let order: Option<Order> = sqlx::query_as(sql)
        .bind(reader.id)
        .bind(reader.role)
        .bind(id)
        .fetch_optional(&db.reads)
        .await?;
    match order {
        Some(order) => Ok(Some(with_details(db, order).await?)),
        None => Ok(None),
    }
}

async fn with_details(db: &EmbeddedDatabase, mut order: Order) -> sqlx::Result<Order> {
    let id = order.id;
    let items = sqlx::query_as(
        "SELECT product_id, seller_id, sku, name, unit_price_cents, qty, line_total_cents,
             discount_cents, tax_cents
         FROM order_items WHERE order_id = $1 ORDER BY product_id",
    )
    .bind(id)
    .fetch_all(&db.reads);
    let events = sqlx::query_as(
        "SELECT status, actor_id AS by, note, created_at AS at FROM order_events
         WHERE order_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.reads);
    let payments = sqlx::query_as(
        "SELECT id, amount_cents, currency, method, status, card_brand, card_last4, decline_code,
             created_at FROM payments WHERE order_id = $1 ORDER BY created_at, id",
    )
    .bind(id)
    .fetch_all(&db.reads);
    let refunds = sqlx::query_as(
        "SELECT id, amount_cents, reason, restocked, status, seller_id, created_at FROM refunds
         WHERE order_id = $1 ORDER BY created_at, id",
    )
    .bind(id)
    .fetch_all(&db.reads);
    let shipments = sqlx::query_as(
        "SELECT s.seller_id, s.status, s.courier_id, u.name AS courier_name, s.tracking_number,
             s.shipped_at, s.delivered_at
         FROM shipments s LEFT JOIN users u ON u.id = s.courier_id
         WHERE s.order_id = $1 ORDER BY s.seller_id",
    )
    .bind(id)
    .fetch_all(&db.reads);
    let (items, events, payments, refunds, shipments) =
        tokio::try_join!(items, events, payments, refunds, shipments)?;
    order.items = items;
    order.events = events;
    order.payments = payments;
    order.refunds = refunds;
    order.shipments = shipments;
    Ok(order)
}

pub(in crate::orders::store) async fn list_orders(
    db: &EmbeddedDatabase,
    reader: Caller,
    filter: &OrderFilter,
    page: Page,
) -> sqlx::Result<Paged<Order>> {
    let scope = if reader.role == Role::Admin {
        "TRUE"
    } else {
        LISTED_TO
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders o WHERE {scope} AND ($3 IS NULL OR o.status = $3)
         ORDER BY o.created_at DESC, o.id DESC LIMIT $4 OFFSET $5"
    ));
    let items = sqlx::query_as(sql)
        .bind(reader.id)
        .bind(reader.role)
        .bind(filter.status)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&db.reads)
        .await?;
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM orders o WHERE {scope} AND ($3 IS NULL OR o.status = $3)"
    ));
    let total = sqlx::query_scalar(sql)
        .bind(reader.id)
        .bind(reader.role)
        .bind(filter.status)
        .fetch_one(&db.reads)
        .await?;
    Ok(Paged::new(items, page, total))
}

pub(in crate::orders::store) async fn seller_lines(
    db: &EmbeddedDatabase,
    orders: &[Uuid],
    seller: Uuid,
) -> sqlx::Result<Vec<(Uuid, OrderItem)>> {
    let rows: Vec<SellerLine> = sqlx::query_as(
        "SELECT oi.order_id, oi.product_id, oi.seller_id, oi.sku, oi.name, oi.unit_price_cents,
             oi.qty, oi.line_total_cents, oi.discount_cents, oi.tax_cents
         FROM order_items oi WHERE oi.order_id IN (SELECT unhex(replace(value, '-', '')) FROM json_each($1))
           AND oi.seller_id = $2
         ORDER BY oi.order_id, oi.product_id",
    )
    .bind(Json(orders))
    .bind(seller)
    .fetch_all(&db.reads)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.order_id, row.line))
        .collect())
}

/// A line with the order it belongs to.
#[derive(sqlx::FromRow)]
struct SellerLine {
    order_id: Uuid,
    #[sqlx(flatten)]
    line: OrderItem,
}

pub(in crate::orders::store) async fn units_toward_limit(
    db: &EmbeddedDatabase,
    customer: Uuid,
    product: Uuid,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT coalesce(sum(oi.qty), 0) FROM order_items oi
         JOIN orders o ON o.id = oi.order_id
         WHERE o.user_id = $1 AND oi.product_id = $2
           AND o.status IN (SELECT value FROM json_each($3))",
    )
    .bind(customer)
    .bind(product)
    .bind(Json(OrderStatus::names_where(
        OrderStatus::counts_toward_limits,
    )))
    .fetch_one(&db.reads)
    .await
}

pub(in crate::orders::store) async fn payment_attempts(
    db: &EmbeddedDatabase,
    order: Uuid,
) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT coalesce(sum(status = 'declined'), 0), count(*) FROM payments
         WHERE order_id = $1",
    )
    .bind(order)
    .fetch_one(&db.reads)
    .await
}

pub(in crate::orders::store) async fn record_unpaid_attempt(
    db: &EmbeddedDatabase,
    attempt: UnpaidAttempt<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO payments (id, order_id, amount_cents, currency, method, status, gateway_ref,
             card_brand, card_last4, decline_code)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(Uuid::now_v7())
    .bind(attempt.order.id)
    .bind(attempt.order.total_cents)
    .bind(&attempt.order.currency)
    .bind(PaymentMethod::Card)
    .bind(attempt.status)
    .bind(attempt.reference)
    .bind(attempt.card.brand)
    .bind(&attempt.card.last4)
    .bind(attempt.decline)
    .execute(&db.writer)
    .await?;
    Ok(())
}

pub(in crate::orders::store) async fn order_exists(
    db: &EmbeddedDatabase,
    id: Uuid,
) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM orders WHERE id = $1)")
        .bind(id)
        .fetch_one(&db.reads)
        .await
}

pub(in crate::orders::store) async fn payment_exists(
    db: &EmbeddedDatabase,
    id: Uuid,
) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM payments WHERE id = $1)")
        .bind(id)
        .fetch_one(&db.reads)
        .await
}

pub(in crate::orders::store) async fn paid_with_reference(
    db: &EmbeddedDatabase,
    order: Uuid,
    reference: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM payments
         WHERE order_id = $1 AND gateway_ref = $2 AND status = 'succeeded')",
    )
    .bind(order)
    .bind(reference)
    .fetch_one(&db.reads)
    .await
}

pub(in crate::orders::store) async fn charge_returned(
    db: &EmbeddedDatabase,
    reference: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM payments WHERE gateway_ref = $1 AND status = 'refunded')",
    )
    .bind(reference)
    .fetch_one(&db.reads)
    .await
}

pub(in crate::orders::store) async fn record_gateway_event(
    db: &EmbeddedDatabase,
    id: &str,
    kind: &str,
) -> sqlx::Result<bool> {
    let recorded = sqlx::query(
        "INSERT INTO gateway_events (id, kind) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(kind)
    .execute(&db.writer)
    .await?;
    Ok(recorded.rows_affected() == 1)
}

pub(in crate::orders::store) async fn gateway_event_seen(
    db: &EmbeddedDatabase,
    id: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM gateway_events WHERE id = $1)")
        .bind(id)
        .fetch_one(&db.reads)
        .await
}

pub(in crate::orders::store) async fn idempotency_record(
    db: &EmbeddedDatabase,
    key: &IdempotencyKey,
) -> sqlx::Result<Option<(Vec<u8>, serde_json::Value)>> {
    sqlx::query_as(
        "SELECT request_hash, outcome FROM idempotency_keys
         WHERE user_id = $1 AND scope = $2 AND key = $3",
    )
    .bind(key.user)
    .bind(&key.scope)
    .bind(&key.key)
    .fetch_optional(&db.reads)
    .await
}

pub(in crate::orders::store) async fn record_outcome(
    db: &EmbeddedDatabase,
    key: &IdempotencyKey,
    outcome: &str,
) -> sqlx::Result<()> {
    let mut connection = db.writer.acquire().await?;
    super::units::insert_outcome(&mut connection, key, outcome)
        .await
        .map(|_| ())
}

pub(in crate::orders::store) async fn replace_outcome(
    db: &EmbeddedDatabase,
    key: &IdempotencyKey,
    outcome: &str,
) -> sqlx::Result<()> {
    let mut connection = db.writer.acquire().await?;
    super::units::update_outcome(&mut connection, key, outcome).await
}

pub(in crate::orders::store) async fn release_expired_holds(
    db: &EmbeddedDatabase,
) -> sqlx::Result<ReleasedAtStart> {
    let now = timestamp(OffsetDateTime::now_utc());
    let mut tx = db.writer.begin().await?;
    let released: Vec<(Uuid, Uuid, i64)> = sqlx::query_as(
        "UPDATE holds SET state = 'released', updated_at = $1
         WHERE state = 'held' AND expires_at <= $1
         RETURNING order_id, product_id, qty",
    )
    .bind(&now)
    .fetch_all(&mut *tx)
    .await?;
    let orders: BTreeSet<Uuid> = released.iter().map(|(order, _, _)| *order).collect();
    for order in orders {
        let expired = sqlx::query(
            "UPDATE orders SET status = 'expired', updated_at = $2
             WHERE id = $1 AND status = 'pending_payment'",
        )
        .bind(order)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        if expired.rows_affected() == 1 {
            sqlx::query(
                "INSERT INTO order_events (order_id, status, note, created_at)
                 VALUES ($1, 'expired', 'not paid in time', $2)",
            )
            .bind(order)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
    }
    let mut per_product: BTreeMap<Uuid, i64> = BTreeMap::new();
    for (_, product, qty) in &released {
        *per_product.entry(*product).or_default() += qty;
    }
    for (product, qty) in &per_product {
        sqlx::query(
            "UPDATE inventory SET reserved = reserved - $2, updated_at = $3 WHERE product_id = $1",
        )
        .bind(product)
        .bind(qty)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(ReleasedAtStart {
        units: per_product.values().sum(),
        products: per_product.len(),
    })
}

pub(in crate::orders::store) async fn products_with_open_holds(
    db: &EmbeddedDatabase,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar("SELECT DISTINCT product_id FROM holds WHERE state = 'held'")
        .fetch_all(&db.reads)
        .await
}
