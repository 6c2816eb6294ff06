//! Products: create (with the inventory row and the first ledger entry), read (through the
//! cache, honouring visibility), update and archive — by their seller or an admin only.

use super::product_cache::CachedProduct;
use super::{CatalogError, ProductCache};
use crate::auth::AuthUser;
use crate::db::{codes, violates};
use crate::domain::{ProductInput, ProductPatch, ProductStatus, Role};
use serde::Serialize;
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgConnection, PgPool, Row};
use std::sync::Arc;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A product as clients see it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Product {
    pub id: Uuid,
    pub seller_id: Uuid,
    pub sku: String,
    pub name: String,
    pub description: String,
    pub brand: Option<String>,
    pub category_id: Uuid,
    pub price_cents: i64,
    pub currency: String,
    pub images: Vec<String>,
    #[schema(value_type = Object)]
    pub attributes: Value,
    pub status: ProductStatus,
    /// Units that can be bought now (on hand minus reserved).
    pub available: i64,
    /// Average rating (two decimals), absent until the first review.
    pub rating_avg: Option<f64>,
    pub rating_count: i32,
    pub max_per_customer: Option<i32>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// The select list and joins every product read uses (matching [`Product`]'s `FromRow`).
pub(crate) const PRODUCT_SELECT: &str = "SELECT p.id, p.seller_id, p.sku, p.name, p.description, \
     p.brand, p.category_id, p.price_cents, p.currency, p.images, p.attributes, p.status, \
     i.available, p.rating_avg::float8 AS rating_avg, p.rating_count, p.max_per_customer, \
     p.created_at, p.updated_at \
     FROM products p JOIN inventory i ON i.product_id = p.id";

impl<'r> FromRow<'r, PgRow> for Product {
    fn from_row(row: &'r PgRow) -> sqlx::Result<Self> {
        let status: String = row.try_get("status")?;
        let images: sqlx::types::Json<Vec<String>> = row.try_get("images")?;
        Ok(Self {
            id: row.try_get("id")?,
            seller_id: row.try_get("seller_id")?,
            sku: row.try_get("sku")?,
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            brand: row.try_get("brand")?,
            category_id: row.try_get("category_id")?,
            price_cents: row.try_get("price_cents")?,
            currency: row.try_get("currency")?,
            images: images.0,
            attributes: row.try_get("attributes")?,
            status: ProductStatus::parse(&status).map_err(|message| sqlx::Error::ColumnDecode {
                index: "status".into(),
                source: message.into(),
            })?,
            available: row.try_get("available")?,
            rating_avg: row.try_get("rating_avg")?,
            rating_count: row.try_get("rating_count")?,
            max_per_customer: row.try_get("max_per_customer")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

/// Who is looking at or changing a product.
#[derive(Clone, Copy, Debug)]
pub struct Viewer {
    pub id: Uuid,
    pub role: Role,
}

impl From<&AuthUser> for Viewer {
    fn from(user: &AuthUser) -> Self {
        Self {
            id: user.id,
            role: user.role,
        }
    }
}

impl Viewer {
    /// Admins manage every product; sellers their own.
    pub fn manages(self, seller: Uuid) -> bool {
        self.role == Role::Admin || self.id == seller
    }
}

/// Whether `viewer` may see `product`: published products are public, the others belong to
/// their seller and the admins.
fn visible(product: &Product, viewer: Option<Viewer>) -> bool {
    product.status == ProductStatus::Published
        || viewer.is_some_and(|v| v.manages(product.seller_id))
}

/// Reads a product from the cache, or from PostgreSQL into the cache.
#[tracing::instrument(level = "debug", skip(pool, cache, viewer))]
pub async fn get_product(
    pool: &PgPool,
    cache: &ProductCache,
    viewer: Option<Viewer>,
    id: Uuid,
) -> Result<Arc<CachedProduct>, CatalogError> {
    let product = match cache.get(id) {
        Some(product) => product,
        None => {
            let epoch = cache.epoch();
            let product = load(pool, id)
                .await?
                .ok_or(CatalogError::NotFound("product"))?;
            let product = Arc::new(CachedProduct::new(product).map_err(anyhow::Error::from)?);
            cache.insert(Arc::clone(&product), epoch);
            product
        }
    };
    if visible(&product.product, viewer) {
        Ok(product)
    } else {
        Err(CatalogError::NotFound("product"))
    }
}

async fn load(pool: &PgPool, id: Uuid) -> Result<Option<Product>, CatalogError> {
    let sql = sqlx::AssertSqlSafe(format!("{PRODUCT_SELECT} WHERE p.id = $1"));
    Ok(sqlx::query_as(sql).bind(id).fetch_optional(pool).await?)
}

/// Creates a product of `seller` with its inventory row and, if it has stock, the first entry of
/// its stock ledger, all in one transaction.
#[tracing::instrument(skip(pool, input), fields(sku = %input.sku.as_str()))]
pub async fn create_product(
    pool: &PgPool,
    seller: Uuid,
    input: &ProductInput,
) -> Result<Product, CatalogError> {
    let mut tx = pool.begin().await?;
    let id = insert_product(&mut tx, seller, input).await?;
    tx.commit().await?;
    load(pool, id)
        .await?
        .ok_or_else(|| CatalogError::Internal(anyhow::anyhow!("created product {id} vanished")))
}

/// Inserts the product, its inventory and its initial stock movement on `connection`.
pub(crate) async fn insert_product(
    connection: &mut PgConnection,
    seller: Uuid,
    input: &ProductInput,
) -> Result<Uuid, CatalogError> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO products (id, seller_id, sku, name, description, brand, category_id,
             price_cents, currency, images, attributes, status, max_per_customer)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(id)
    .bind(seller)
    .bind(input.sku.as_str())
    .bind(&input.name)
    .bind(&input.description)
    .bind(&input.brand)
    .bind(input.category_id)
    .bind(input.price_cents)
    .bind(input.currency.as_str())
    .bind(sqlx::types::Json(&input.images))
    .bind(sqlx::types::Json(&input.attributes))
    .bind(input.status.as_str())
    .bind(input.max_per_customer)
    .execute(&mut *connection)
    .await
    .map_err(write_error)?;
    sqlx::query(
        "INSERT INTO inventory (product_id, on_hand, low_stock_threshold) VALUES ($1, $2, $3)",
    )
    .bind(id)
    .bind(input.stock)
    .bind(input.low_stock_threshold)
    .execute(&mut *connection)
    .await?;
    if input.stock > 0 {
        sqlx::query(
            "INSERT INTO inventory_movements (product_id, delta, reason) VALUES ($1, $2, 'initial')",
        )
        .bind(id)
        .bind(input.stock)
        .execute(&mut *connection)
        .await?;
    }
    Ok(id)
}

/// Maps the constraint violations a product write can hit to client errors.
pub(crate) fn write_error(error: sqlx::Error) -> CatalogError {
    if violates(&error, codes::UNIQUE_VIOLATION) {
        CatalogError::Conflict("you already have a product with this sku".into())
    } else if violates(&error, codes::FOREIGN_KEY_VIOLATION) {
        CatalogError::invalid("category_id", "no such category")
    } else {
        error.into()
    }
}

/// Locks product `id` for a change by `viewer`: 404 if they cannot see it, 403 if they can but
/// it is not theirs.
async fn lock_for_change(
    connection: &mut PgConnection,
    viewer: Viewer,
    id: Uuid,
) -> Result<(), CatalogError> {
    let found: Option<(Uuid, String)> =
        sqlx::query_as("SELECT seller_id, status FROM products WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(connection)
            .await?;
    let Some((seller, status)) = found else {
        return Err(CatalogError::NotFound("product"));
    };
    if viewer.manages(seller) {
        Ok(())
    } else if status == ProductStatus::Published.as_str() {
        Err(CatalogError::Forbidden(
            "only its seller or an admin can change this product",
        ))
    } else {
        Err(CatalogError::NotFound("product"))
    }
}

/// Checks that `viewer` manages product `id`: 404 if they cannot see it, 403 if they can but it is
/// not theirs.
pub async fn ensure_manages(pool: &PgPool, viewer: Viewer, id: Uuid) -> Result<(), CatalogError> {
    let mut connection = pool.acquire().await?;
    let found: Option<(Uuid, String)> =
        sqlx::query_as("SELECT seller_id, status FROM products WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *connection)
            .await?;
    match found {
        None => Err(CatalogError::NotFound("product")),
        Some((seller, _)) if viewer.manages(seller) => Ok(()),
        Some((_, status)) if status == ProductStatus::Published.as_str() => Err(
            CatalogError::Forbidden("only its seller or an admin can manage this product's stock"),
        ),
        Some(_) => Err(CatalogError::NotFound("product")),
    }
}

/// Applies `patch` to product `id`.
#[tracing::instrument(skip(pool, cache, patch))]
pub async fn update_product(
    pool: &PgPool,
    cache: &ProductCache,
    viewer: Viewer,
    id: Uuid,
    patch: &ProductPatch,
) -> Result<Product, CatalogError> {
    let mut tx = pool.begin().await?;
    lock_for_change(&mut tx, viewer, id).await?;
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
             updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(patch.sku.as_ref().map(|sku| sku.as_str().to_owned()))
    .bind(&patch.name)
    .bind(&patch.description)
    .bind(patch.brand.is_some())
    .bind(patch.brand.clone().flatten())
    .bind(patch.category_id)
    .bind(patch.price_cents)
    .bind(patch.currency.as_ref().map(|c| c.as_str().to_owned()))
    .bind(patch.images.as_ref().map(sqlx::types::Json))
    .bind(patch.attributes.as_ref().map(sqlx::types::Json))
    .bind(patch.status.map(ProductStatus::as_str))
    .bind(patch.max_per_customer.is_some())
    .bind(patch.max_per_customer.flatten())
    .execute(&mut *tx)
    .await
    .map_err(write_error)?;
    if let Some(threshold) = patch.low_stock_threshold {
        sqlx::query(
            "UPDATE inventory SET low_stock_threshold = $2, updated_at = now() WHERE product_id = $1",
        )
        .bind(id)
        .bind(threshold)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    cache.invalidate(&[id]).await;
    load(pool, id)
        .await?
        .ok_or(CatalogError::NotFound("product"))
}

/// Withdraws a product from sale; it stays for the orders and reviews that refer to it.
#[tracing::instrument(skip(pool, cache))]
pub async fn archive_product(
    pool: &PgPool,
    cache: &ProductCache,
    viewer: Viewer,
    id: Uuid,
) -> Result<(), CatalogError> {
    let mut tx = pool.begin().await?;
    lock_for_change(&mut tx, viewer, id).await?;
    sqlx::query("UPDATE products SET status = 'archived', updated_at = now() WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    cache.invalidate(&[id]).await;
    Ok(())
}
