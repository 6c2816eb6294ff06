//! The analytics reads on PostgreSQL.

use crate::analytics::{Day, Days, LowStock, TopProduct};
use sqlx::PgPool;
use uuid::Uuid;

pub(super) async fn is_seller(pool: &PgPool, user: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND role = 'seller')")
        .bind(user)
        .fetch_one(pool)
        .await
}

pub(super) async fn by_day(pool: &PgPool, seller: Uuid, days: Days) -> sqlx::Result<Vec<Day>> {
    sqlx::query_as(
        "SELECT day, currency, orders, units, revenue_cents, tax_cents, refunds, refunded_cents
         FROM seller_daily_sales WHERE seller_id = $1 AND day BETWEEN $2 AND $3
         ORDER BY day, currency",
    )
    .bind(seller)
    .bind(days.from)
    .bind(days.to)
    .fetch_all(pool)
    .await
}

pub(super) async fn top_products(
    pool: &PgPool,
    seller: Uuid,
    days: Days,
    limit: i64,
) -> sqlx::Result<Vec<TopProduct>> {
    sqlx::query_as(
        "SELECT s.product_id, p.name, s.currency, s.units, s.revenue_cents
         FROM (SELECT product_id, currency, sum(units)::bigint AS units,
                   sum(revenue_cents)::bigint AS revenue_cents
               FROM seller_daily_product_sales
               WHERE seller_id = $1 AND day BETWEEN $2 AND $3
               GROUP BY product_id, currency
               ORDER BY revenue_cents DESC, units DESC, product_id LIMIT $4) s
         JOIN products p ON p.id = s.product_id
         ORDER BY s.revenue_cents DESC, s.units DESC, s.product_id",
    )
    .bind(seller)
    .bind(days.from)
    .bind(days.to)
    .bind(limit)
    .fetch_all(pool)
    .await
}

pub(super) async fn statuses(
    pool: &PgPool,
    seller: Uuid,
    days: Days,
) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT status, sum(orders)::bigint FROM seller_daily_statuses
         WHERE seller_id = $1 AND day BETWEEN $2 AND $3
         GROUP BY status HAVING sum(orders) <> 0",
    )
    .bind(seller)
    .bind(days.from)
    .bind(days.to)
    .fetch_all(pool)
    .await
}

pub(super) async fn low_stock(
    pool: &PgPool,
    seller: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<LowStock>> {
    sqlx::query_as(
        "SELECT p.id AS product_id, p.name, i.available, i.low_stock_threshold::bigint AS threshold
         FROM products p JOIN inventory i ON i.product_id = p.id
         WHERE p.seller_id = $1 AND p.status = 'published' AND i.available <= i.low_stock_threshold
         ORDER BY i.available, p.id LIMIT $2",
    )
    .bind(seller)
    .bind(limit)
    .fetch_all(pool)
    .await
}
