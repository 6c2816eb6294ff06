//! A cart's catalog reads on the embedded database.

use crate::cart::PricedProduct;
use crate::db::EmbeddedDatabase;
use sqlx::types::Json;
use uuid::Uuid;

pub(super) async fn priced(
    db: &EmbeddedDatabase,
    ids: &[Uuid],
) -> sqlx::Result<Vec<PricedProduct>> {
    sqlx::query_as(
        "SELECT p.id, p.seller_id, p.name, p.price_cents, p.currency,
             p.sale_price_cents, p.sale_starts_at, p.sale_ends_at,
             p.status = 'published' AS published,
             i.available
         FROM products p JOIN inventory i ON i.product_id = p.id
         WHERE p.id IN (SELECT unhex(replace(value, '-', '')) FROM json_each($1))",
    )
    .bind(Json(ids))
    .fetch_all(&db.reads)
    .await
}

pub(super) async fn currency_for_sale(
    db: &EmbeddedDatabase,
    product: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT currency FROM products WHERE id = $1 AND status = 'published'")
        .bind(product)
        .fetch_optional(&db.reads)
        .await
}

pub(super) async fn any_in_other_currency(
    db: &EmbeddedDatabase,
    products: &[Uuid],
    currency: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM products
             WHERE id IN (SELECT unhex(replace(value, '-', '')) FROM json_each($1))
             AND currency <> $2)",
    )
    .bind(Json(products))
    .bind(currency)
    .fetch_one(&db.reads)
    .await
}
