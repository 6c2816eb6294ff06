//! Orders as clients read them, and the queries that load them with their ownership rules.

use super::OrderError;
use crate::auth::AuthUser;
use crate::domain::{Page, Paged, Role};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// An order with its lines, timeline, payments and refunds.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct Order {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `pending_payment`, `paid`, `processing`, `shipped`, `out_for_delivery`, `delivered`,
    /// `cancelled`, `expired`, `refunded`, `partially_refunded`.
    pub status: String,
    pub currency: String,
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    pub shipping_cents: i64,
    pub total_cents: i64,
    #[schema(value_type = Object)]
    pub shipping_address: sqlx::types::Json<serde_json::Value>,
    pub shipping_method: String,
    /// Until when the order holds its stock without being paid.
    #[serde(with = "time::serde::rfc3339")]
    pub payment_due_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[sqlx(skip)]
    pub items: Vec<OrderItem>,
    #[sqlx(skip)]
    pub events: Vec<OrderEvent>,
    #[sqlx(skip)]
    pub payments: Vec<PaymentRecord>,
    #[sqlx(skip)]
    pub refunds: Vec<RefundRecord>,
    /// Shipping details once the order ships.
    #[sqlx(skip)]
    #[schema(value_type = Option<Object>)]
    pub shipment: Option<serde_json::Value>,
}

/// One line: a snapshot of the product's name and price when the order was placed.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct OrderItem {
    pub product_id: Uuid,
    pub seller_id: Uuid,
    pub sku: String,
    pub name: String,
    pub unit_price_cents: i64,
    pub qty: i64,
    pub line_total_cents: i64,
}

/// A step of the order's timeline.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct OrderEvent {
    pub status: String,
    /// Who made the change (none when the server did, e.g. an expiry).
    pub by: Option<Uuid>,
    pub note: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A payment attempt: only the card's brand and last four digits are kept.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct PaymentRecord {
    pub id: Uuid,
    pub amount_cents: i64,
    pub currency: String,
    pub method: String,
    /// `succeeded`, `declined` or `refunded`.
    pub status: String,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub decline_code: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Money given back.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct RefundRecord {
    pub id: Uuid,
    pub amount_cents: i64,
    pub reason: String,
    pub restocked: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

const ORDER_COLUMNS: &str = "o.id, o.user_id, o.status, o.currency, o.subtotal_cents, \
     o.discount_cents, o.shipping_cents, o.total_cents, o.shipping_address, o.shipping_method, \
     o.payment_due_at, o.created_at, o.updated_at";

/// The condition under which `caller` may see order `o`: its customer, a seller of one of its
/// lines, or an admin.
const VISIBLE_TO: &str = "($2::text = 'admin' OR o.user_id = $1 OR ($2::text = 'seller' AND \
     EXISTS (SELECT 1 FROM order_items oi WHERE oi.order_id = o.id AND oi.seller_id = $1)))";

/// Order `id` with all its details, if `caller` may see it (404 otherwise).
pub async fn get_order(pool: &PgPool, caller: &AuthUser, id: Uuid) -> Result<Order, OrderError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.id = $3 AND {VISIBLE_TO}"
    ));
    let order: Option<Order> = sqlx::query_as(sql)
        .bind(caller.id)
        .bind(caller.role.as_str())
        .bind(id)
        .fetch_optional(pool)
        .await?;
    let order = order.ok_or(OrderError::NotFound("order"))?;
    with_details(pool, order).await
}

/// Order `id` with its details, without an ownership check (for the server's own use).
pub(crate) async fn load_order(pool: &PgPool, id: Uuid) -> Result<Order, OrderError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.id = $1"
    ));
    let order: Order = sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(OrderError::NotFound("order"))?;
    with_details(pool, order).await
}

async fn with_details(pool: &PgPool, mut order: Order) -> Result<Order, OrderError> {
    let id = order.id;
    let items = sqlx::query_as(
        "SELECT product_id, seller_id, sku, name, unit_price_cents, qty, line_total_cents
         FROM order_items WHERE order_id = $1 ORDER BY product_id",
    )
    .bind(id)
    .fetch_all(pool);
    let events = sqlx::query_as(
        "SELECT status, actor_id AS by, note, created_at AS at FROM order_events
         WHERE order_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool);
    let payments = sqlx::query_as(
        "SELECT id, amount_cents, currency, method, status, card_brand, card_last4, decline_code,
             created_at FROM payments WHERE order_id = $1 ORDER BY created_at, id",
    )
    .bind(id)
    .fetch_all(pool);
    let refunds = sqlx::query_as(
        "SELECT id, amount_cents, reason, restocked, created_at FROM refunds
         WHERE order_id = $1 ORDER BY created_at, id",
    )
    .bind(id)
    .fetch_all(pool);
    let (items, events, payments, refunds) = tokio::try_join!(items, events, payments, refunds)?;
    order.items = items;
    order.events = events;
    order.payments = payments;
    order.refunds = refunds;
    Ok(order)
}

/// Filters of the order list.
#[derive(Debug, Default)]
pub struct OrderFilter {
    pub status: Option<String>,
}

/// The orders `caller` may see, newest first: their own; a seller's also include orders of their
/// products; an admin's all. Lines, events, payments and refunds are left out of lists.
pub async fn list_orders(
    pool: &PgPool,
    caller: &AuthUser,
    filter: &OrderFilter,
    page: Page,
) -> Result<Paged<Order>, OrderError> {
    let scope = if caller.role == Role::Admin {
        "TRUE"
    } else {
        VISIBLE_TO
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders o WHERE {scope} AND ($3::text IS NULL OR o.status = $3)
         ORDER BY o.created_at DESC, o.id DESC LIMIT $4 OFFSET $5"
    ));
    let items = sqlx::query_as(sql)
        .bind(caller.id)
        .bind(caller.role.as_str())
        .bind(&filter.status)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(pool)
        .await?;
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM orders o WHERE {scope} AND ($3::text IS NULL OR o.status = $3)"
    ));
    let total = sqlx::query_scalar(sql)
        .bind(caller.id)
        .bind(caller.role.as_str())
        .bind(&filter.status)
        .fetch_one(pool)
        .await?;
    Ok(Paged::new(items, page, total))
}
