//! A cart's catalog reads on PostgreSQL.

use crate::cart::PricedProduct;
use sqlx::PgPool;
use uuid::Uuid;

pub(super) async fn priced(pool: &PgPool, ids: &[Uuid]) -> sqlx::Result<Vec<PricedProduct>> {
    sqlx::query_as(
        "SELECT p.id, p.seller_id, p.name, p.price_cents, p.currency,
             p.sale_price_cents, p.sale_starts_at, p.sale_ends_at,
             p.status = 'published' AS published,
             i.available
         FROM products p JOIN inventory i ON i.product_id = p.id WHERE p.id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(pool)
    .await
}

pub(super) async fn currency_for_sale(
    pool: &PgPool,
    product: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT currency FROM products WHERE id = $1 AND status = 'published'")
        .bind(product)
        .fetch_optional(pool)
        .await
}

pub(super) async fn any_in_other_currency(
    pool: &PgPool,
    products: &[Uuid],
    currency: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM products WHERE id = ANY($1) AND currency <> $2)",
    )
    .bind(products)
    .bind(currency)
    .fetch_one(pool)
    .await
}
