//! Products on the embedded database (SQLite).

use crate::catalog::products::refusal;
use crate::catalog::{CatalogError, Product};
use crate::db::EmbeddedDatabase;
use crate::db::violates;
use crate::domain::Caller;
use crate::domain::{Page, Paged, Price, ProductInput, ProductPatch, ProductStatus};
use bazaar_actors::journal::LedgerReason;
use bazaar_actors::store::timestamp;
use sqlx::SqliteConnection;
use sqlx::error::ErrorKind;
use uuid::Uuid;

type Result<T> = std::result::Result<T, CatalogError>;

/// The select list of a [`Product`] (matching its `FromRow`) from `products p` and `inventory i`.
macro_rules! product_columns {
    () => {
        "SELECT p.id, p.seller_id, p.sku, p.name, p.description, p.brand, p.category_id, \
         p.price_cents, p.currency, p.images, p.attributes, p.status, i.available, p.rating_avg, \
         p.rating_count, p.max_per_customer, p.sale_starts_at, p.sale_ends_at, p.sale_price_cents, \
     p.waiting_room, p.max_per_order, p.created_at, p.updated_at"
    };
}

/// The select list of a [`Product`], for a query that names its own tables.
pub(in crate::catalog::store) const PRODUCT_COLUMNS: &str = product_columns!();

/// The select list and joins every product read by id or list uses.
pub(in crate::catalog::store) const PRODUCT_SELECT: &str = concat!(
    product_columns!(),
    " FROM products p JOIN inventory i ON i.product_id = p.id"
);

pub(in crate::catalog::store) async fn product(
    db: &EmbeddedDatabase,
    id: Uuid,
) -> Result<Option<Product>> {
    let sql = sqlx::AssertSqlSafe(format!("{PRODUCT_SELECT} WHERE p.id = $1"));
    Ok(sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&db.reads)
        .await?)
}

pub(in crate::catalog::store) async fn product_owner(
    db: &EmbeddedDatabase,
    id: Uuid,
) -> Result<Option<(Uuid, ProductStatus)>> {
    Ok(
        sqlx::query_as("SELECT seller_id, status FROM products WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.reads)
            .await?,
    )
}

pub(in crate::catalog::store) async fn create_product(
    db: &EmbeddedDatabase,
    seller: Uuid,
    input: &ProductInput,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let mut tx = db.writer.begin().await?;
    sqlx::query(
        "INSERT INTO products (id, seller_id, sku, name, description, brand, category_id,
             price_cents, currency, images, attributes, status, max_per_customer,
             sale_starts_at, sale_ends_at, sale_price_cents, waiting_room, max_per_order)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                 $14, $15, $16, $17, $18)",
    )
    .bind(id)
    .bind(seller)
    .bind(input.sku.as_str())
    .bind(&input.name)
    .bind(&input.description)
    .bind(&input.brand)
    .bind(input.category_id)
    .bind(input.price_cents.cents())
    .bind(input.currency.as_str())
    .bind(sqlx::types::Json(&input.images))
    .bind(sqlx::types::Json(&input.attributes))
    .bind(input.status)
    .bind(input.max_per_customer)
    .bind(input.sale.starts_at.map(timestamp))
    .bind(input.sale.ends_at.map(timestamp))
    .bind(input.sale.sale_price.map(Price::cents))
    .bind(input.sale.waiting_room)
    .bind(input.sale.max_per_order)
    .execute(&mut *tx)
    .await
    .map_err(write_error)?;
    create_inventory(&mut tx, &[(id, input.stock, input.low_stock_threshold)]).await?;
    tx.commit().await?;
    Ok(id)
}

/// The inventory rows of new products, with the first ledger entry of those that have stock.
pub(in crate::catalog::store) async fn create_inventory(
    connection: &mut SqliteConnection,
    products: &[(Uuid, i64, i32)],
) -> Result<()> {
    for &(product, on_hand, threshold) in products {
        sqlx::query(
            "INSERT INTO inventory (product_id, on_hand, low_stock_threshold) VALUES ($1, $2, $3)",
        )
        .bind(product)
        .bind(on_hand)
        .bind(threshold)
        .execute(&mut *connection)
        .await?;
        if on_hand > 0 {
            sqlx::query(
                "INSERT INTO inventory_movements (product_id, delta, reason) VALUES ($1, $2, $3)",
            )
            .bind(product)
            .bind(on_hand)
            .bind(LedgerReason::Initial)
            .execute(&mut *connection)
            .await?;
        }
    }
    Ok(())
}

/// Maps the constraint violations a product write can hit to client errors.
pub(in crate::catalog::store) fn write_error(error: sqlx::Error) -> CatalogError {
    if violates(&error, ErrorKind::UniqueViolation) {
        CatalogError::Conflict("you already have a product with this sku".into())
    } else if violates(&error, ErrorKind::ForeignKeyViolation) {
        CatalogError::invalid("category_id", "no such category")
    } else if violates(&error, ErrorKind::CheckViolation) {
        // Every other CHECK of a product is its fields' own, parsed before: only the window
        // merged from a patch and the stored terms can be refused here.
        CatalogError::invalid("sale_ends_at", "must be after sale_starts_at")
    } else {
        error.into()
    }
}

/// Locks product `id` for a change by `viewer`: 404 if they cannot see it, 403 if they can but
/// it is not theirs.
async fn lock_for_change(
    connection: &mut SqliteConnection,
    viewer: Caller,
    id: Uuid,
) -> Result<()> {
    let found: Option<(Uuid, ProductStatus)> =
        sqlx::query_as("SELECT seller_id, status FROM products WHERE id = $1")
            .bind(id)
            .fetch_optional(connection)
            .await?;
    let (seller, status) = found.ok_or(CatalogError::NotFound("product"))?;
    match refusal(viewer, seller, status) {
        None => Ok(()),
        Some(refused) => Err(refused),
    }
}

pub(in crate::catalog::store) async fn update_product(
    db: &EmbeddedDatabase,
    viewer: Caller,
    id: Uuid,
    patch: &ProductPatch,
) -> Result<()> {
    let mut tx = db.writer.begin().await?;
    lock_for_change(&mut tx, viewer, id).await?;
    let sale = &patch.sale;
    sqlx::query(
        "UPDATE products SET
             sku = COALESCE($2, sku),
             name = COALESCE($3, name),
             description = COALESCE($4, description),
             brand = CASE WHEN $5 THEN $6 ELSE brand END,
             category_id = COALESCE($7, category_id),
             price_cents = COALESCE($8, price_cents),
             currency = COALESCE($9, currency),
             images = COALESCE($10, images),
             attributes = COALESCE($11, attributes),
             status = COALESCE($12, status),
             max_per_customer = CASE WHEN $13 THEN $14 ELSE max_per_customer END,
             sale_starts_at = CASE WHEN $15 THEN $16 ELSE sale_starts_at END,
             sale_ends_at = CASE WHEN $17 THEN $18 ELSE sale_ends_at END,
             sale_price_cents = CASE WHEN $19 THEN $20 ELSE sale_price_cents END,
             waiting_room = COALESCE($21, waiting_room),
             max_per_order = CASE WHEN $22 THEN $23 ELSE max_per_order END,
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE id = $1",
    )
    .bind(id)
    .bind(patch.sku.as_ref().map(|sku| sku.as_str().to_owned()))
    .bind(&patch.name)
    .bind(&patch.description)
    .bind(patch.brand.is_some())
    .bind(patch.brand.clone().flatten())
    .bind(patch.category_id)
    .bind(patch.price_cents.map(|price| price.cents()))
    .bind(patch.currency.as_ref().map(|c| c.as_str().to_owned()))
    .bind(patch.images.as_ref().map(sqlx::types::Json))
    .bind(patch.attributes.as_ref().map(sqlx::types::Json))
    .bind(patch.status)
    .bind(patch.max_per_customer.is_some())
    .bind(patch.max_per_customer.flatten())
    .bind(sale.starts_at.is_some())
    .bind(sale.starts_at.flatten().map(timestamp))
    .bind(sale.ends_at.is_some())
    .bind(sale.ends_at.flatten().map(timestamp))
    .bind(sale.sale_price.is_some())
    .bind(sale.sale_price.flatten().map(Price::cents))
    .bind(sale.waiting_room)
    .bind(sale.max_per_order.is_some())
    .bind(sale.max_per_order.flatten())
    .execute(&mut *tx)
    .await
    .map_err(write_error)?;
    tx.commit().await?;
    Ok(())
}

pub(in crate::catalog::store) async fn archive_product(
    db: &EmbeddedDatabase,
    viewer: Caller,
    id: Uuid,
) -> Result<()> {
    let mut tx = db.writer.begin().await?;
    lock_for_change(&mut tx, viewer, id).await?;
    sqlx::query("UPDATE products SET status = 'archived', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub(in crate::catalog::store) async fn seller_products(
    db: &EmbeddedDatabase,
    seller: Uuid,
    status: Option<ProductStatus>,
    page: Page,
) -> Result<Paged<Product>> {
    const MATCHING: &str = "p.seller_id = $1 AND ($2 IS NULL OR p.status = $2)";
    let sql = sqlx::AssertSqlSafe(format!(
        "{PRODUCT_SELECT} WHERE {MATCHING} ORDER BY p.created_at DESC, p.id DESC LIMIT $3 OFFSET $4"
    ));
    let items = sqlx::query_as(sql)
        .bind(seller)
        .bind(status)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&db.reads)
        .await?;
    let sql = sqlx::AssertSqlSafe(format!("SELECT count(*) FROM products p WHERE {MATCHING}"));
    let total: i64 = sqlx::query_scalar(sql)
        .bind(seller)
        .bind(status)
        .fetch_one(&db.reads)
        .await?;
    Ok(Paged::new(items, page, total))
}
