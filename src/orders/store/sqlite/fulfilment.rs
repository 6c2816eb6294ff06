//! Fulfilment's statements on the embedded database (SQLite): an order's shipments (the journal's
//! transaction is the only writer, so reading them is enough), and a courier's deliveries.

use crate::db::EmbeddedDatabase;
use crate::domain::{OrderStatus, Page};
use crate::orders::store::{DeliveryLine, DeliveryRow, TimelineEvent};
use crate::orders::units::ShipmentRow;
use bazaar_actors::store::timestamp;
use sqlx::SqliteConnection;
use uuid::Uuid;

pub(in crate::orders::store) async fn lock_order_status(
    connection: &mut SqliteConnection,
    order: Uuid,
) -> sqlx::Result<Option<OrderStatus>> {
    sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
        .bind(order)
        .fetch_optional(connection)
        .await
}

pub(in crate::orders::store) async fn stored_shipments(
    connection: &mut SqliteConnection,
    order: Uuid,
) -> sqlx::Result<Vec<ShipmentRow>> {
    sqlx::query_as(
        "SELECT seller_id AS seller, status, courier_id AS courier, tracking_number, shipped_at,
             delivered_at
         FROM shipments WHERE order_id = $1 ORDER BY seller_id",
    )
    .bind(order)
    .fetch_all(connection)
    .await
}

pub(in crate::orders::store) async fn order_sellers(
    connection: &mut SqliteConnection,
    order: Uuid,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT DISTINCT seller_id FROM order_items WHERE order_id = $1 ORDER BY seller_id",
    )
    .bind(order)
    .fetch_all(connection)
    .await
}

pub(in crate::orders::store) async fn is_active_courier(
    connection: &mut SqliteConnection,
    user: Uuid,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND role = 'courier' AND status = 'active')",
    )
    .bind(user)
    .fetch_one(connection)
    .await
}

pub(in crate::orders::store) async fn write_fulfilment(
    connection: &mut SqliteConnection,
    order: Uuid,
    shipments: &[&ShipmentRow],
    event: &TimelineEvent<'_>,
    order_status: Option<OrderStatus>,
) -> sqlx::Result<()> {
    for shipment in shipments {
        sqlx::query(
            "INSERT INTO shipments (order_id, seller_id, status, courier_id, tracking_number,
                 shipped_at, delivered_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (order_id, seller_id) DO UPDATE SET status = excluded.status,
                 courier_id = excluded.courier_id, tracking_number = excluded.tracking_number,
                 shipped_at = excluded.shipped_at, delivered_at = excluded.delivered_at,
                 updated_at = excluded.updated_at",
        )
        .bind(order)
        .bind(shipment.seller)
        .bind(shipment.status)
        .bind(shipment.courier)
        .bind(&shipment.tracking_number)
        .bind(shipment.shipped_at.map(timestamp))
        .bind(shipment.delivered_at.map(timestamp))
        .bind(timestamp(event.at))
        .execute(&mut *connection)
        .await?;
    }
    sqlx::query(
        "INSERT INTO order_events (order_id, status, actor_id, note, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(order)
    .bind(event.status)
    .bind(event.by)
    .bind(event.note)
    .bind(timestamp(event.at))
    .execute(&mut *connection)
    .await?;
    if let Some(status) = order_status {
        sqlx::query("UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1")
            .bind(order)
            .bind(status)
            .bind(timestamp(event.at))
            .execute(connection)
            .await?;
    }
    Ok(())
}

pub(in crate::orders::store) async fn deliveries(
    db: &EmbeddedDatabase,
    courier: Uuid,
    page: Page,
) -> sqlx::Result<(Vec<DeliveryRow>, Vec<DeliveryLine>, i64)> {
    const PAGE: &str = "SELECT s.order_id, s.seller_id, s.status, s.tracking_number, s.shipped_at,
             s.delivered_at, o.shipping_address
         FROM shipments s JOIN orders o ON o.id = s.order_id
         WHERE s.courier_id = $1
         ORDER BY s.status = 'delivered', s.shipped_at DESC, s.order_id, s.seller_id
         LIMIT $2 OFFSET $3";
    let rows = sqlx::query_as(PAGE)
        .bind(courier)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&db.reads);
    let lines = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "WITH page AS ({PAGE})
         SELECT oi.order_id, oi.seller_id, oi.product_id, oi.sku, oi.name, oi.qty
         FROM order_items oi JOIN page p ON p.order_id = oi.order_id AND p.seller_id = oi.seller_id
         ORDER BY oi.order_id, oi.product_id"
    )))
    .bind(courier)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(&db.reads);
    let total = sqlx::query_scalar("SELECT count(*) FROM shipments WHERE courier_id = $1")
        .bind(courier)
        .fetch_one(&db.reads);
    tokio::try_join!(rows, lines, total)
}
