//! Seller catalogs: named collections a seller curates and anyone can browse.

use super::products::PRODUCT_SELECT;
use super::{CatalogError, Product, Viewer};
use crate::db::{codes, violates};
use crate::domain::{Page, Paged};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A catalog.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Catalog {
    pub id: Uuid,
    pub seller_id: Uuid,
    pub name: String,
    pub description: String,
    /// How many published products it shows.
    pub product_count: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A catalog with one page of its products.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogWithProducts {
    #[serde(flatten)]
    pub catalog: Catalog,
    pub products: Paged<Product>,
}

/// A valid new catalog.
#[derive(Debug)]
pub struct CatalogInput {
    pub name: String,
    pub description: String,
}

/// A valid partial update.
#[derive(Debug, Default)]
pub struct CatalogPatch {
    pub name: Option<String>,
    pub description: Option<String>,
}

const CATALOG_SELECT: &str = "SELECT c.id, c.seller_id, c.name, c.description, \
     (SELECT count(*) FROM catalog_products cp JOIN products p ON p.id = cp.product_id \
      WHERE cp.catalog_id = c.id AND p.status = 'published') AS product_count, \
     c.created_at, c.updated_at FROM catalogs c";

/// Catalogs newest first, optionally of one seller.
pub async fn list_catalogs(
    pool: &PgPool,
    seller: Option<Uuid>,
    page: Page,
) -> Result<Paged<Catalog>, CatalogError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{CATALOG_SELECT} WHERE ($1::uuid IS NULL OR c.seller_id = $1)
         ORDER BY c.created_at DESC, c.id DESC LIMIT $2 OFFSET $3"
    ));
    let items = sqlx::query_as(sql)
        .bind(seller)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(pool)
        .await?;
    let total = sqlx::query_scalar(
        "SELECT count(*) FROM catalogs WHERE ($1::uuid IS NULL OR seller_id = $1)",
    )
    .bind(seller)
    .fetch_one(pool)
    .await?;
    Ok(Paged::new(items, page, total))
}

async fn find(pool: &PgPool, id: Uuid) -> Result<Catalog, CatalogError> {
    let sql = sqlx::AssertSqlSafe(format!("{CATALOG_SELECT} WHERE c.id = $1"));
    sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(CatalogError::NotFound("catalog"))
}

/// A catalog and a page of its products: the published ones, and for its owner (or an admin)
/// also their drafts and archived ones.
pub async fn get_catalog(
    pool: &PgPool,
    viewer: Option<Viewer>,
    id: Uuid,
    page: Page,
) -> Result<CatalogWithProducts, CatalogError> {
    let catalog = find(pool, id).await?;
    let everything = viewer.is_some_and(|v| v.manages(catalog.seller_id));
    let sql = sqlx::AssertSqlSafe(format!(
        "{PRODUCT_SELECT} JOIN catalog_products cp ON cp.product_id = p.id
         WHERE cp.catalog_id = $1 AND ($2 OR p.status = 'published')
         ORDER BY cp.added_at DESC, p.id DESC LIMIT $3 OFFSET $4"
    ));
    let items = sqlx::query_as(sql)
        .bind(id)
        .bind(everything)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(pool)
        .await?;
    let total = sqlx::query_scalar(
        "SELECT count(*) FROM catalog_products cp JOIN products p ON p.id = cp.product_id
         WHERE cp.catalog_id = $1 AND ($2 OR p.status = 'published')",
    )
    .bind(id)
    .bind(everything)
    .fetch_one(pool)
    .await?;
    Ok(CatalogWithProducts {
        catalog,
        products: Paged::new(items, page, total),
    })
}

fn name_taken(error: sqlx::Error) -> CatalogError {
    if violates(&error, codes::UNIQUE_VIOLATION) {
        CatalogError::Conflict("you already have a catalog with this name".into())
    } else {
        error.into()
    }
}

#[tracing::instrument(skip(pool, input))]
pub async fn create_catalog(
    pool: &PgPool,
    seller: Uuid,
    input: &CatalogInput,
) -> Result<Catalog, CatalogError> {
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO catalogs (id, seller_id, name, description) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(seller)
        .bind(&input.name)
        .bind(&input.description)
        .execute(pool)
        .await
        .map_err(name_taken)?;
    find(pool, id).await
}

/// Checks that `viewer` owns catalog `id` (catalogs are public: someone else's is 403).
pub(crate) async fn ensure_owner(
    connection: &mut PgConnection,
    viewer: Viewer,
    id: Uuid,
) -> Result<Uuid, CatalogError> {
    let seller: Option<Uuid> = sqlx::query_scalar("SELECT seller_id FROM catalogs WHERE id = $1")
        .bind(id)
        .fetch_optional(connection)
        .await?;
    match seller {
        None => Err(CatalogError::NotFound("catalog")),
        Some(seller) if viewer.manages(seller) => Ok(seller),
        Some(_) => Err(CatalogError::Forbidden(
            "only its seller or an admin can change this catalog",
        )),
    }
}

#[tracing::instrument(skip(pool, patch))]
pub async fn update_catalog(
    pool: &PgPool,
    viewer: Viewer,
    id: Uuid,
    patch: &CatalogPatch,
) -> Result<Catalog, CatalogError> {
    let mut connection = pool.acquire().await?;
    ensure_owner(&mut connection, viewer, id).await?;
    sqlx::query(
        "UPDATE catalogs SET name = COALESCE($2, name), description = COALESCE($3, description),
             updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(&patch.name)
    .bind(&patch.description)
    .execute(&mut *connection)
    .await
    .map_err(name_taken)?;
    drop(connection);
    find(pool, id).await
}

#[tracing::instrument(skip(pool))]
pub async fn delete_catalog(pool: &PgPool, viewer: Viewer, id: Uuid) -> Result<(), CatalogError> {
    let mut connection = pool.acquire().await?;
    ensure_owner(&mut connection, viewer, id).await?;
    sqlx::query("DELETE FROM catalogs WHERE id = $1")
        .bind(id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// Adds one of the owner's products to the catalog (idempotent).
#[tracing::instrument(skip(pool))]
pub async fn add_to_catalog(
    pool: &PgPool,
    viewer: Viewer,
    id: Uuid,
    product: Uuid,
) -> Result<(), CatalogError> {
    let mut connection = pool.acquire().await?;
    let seller = ensure_owner(&mut connection, viewer, id).await?;
    let product_seller: Option<Uuid> =
        sqlx::query_scalar("SELECT seller_id FROM products WHERE id = $1")
            .bind(product)
            .fetch_optional(&mut *connection)
            .await?;
    if product_seller != Some(seller) {
        // Another seller's product, or none: a catalog shows its seller's own products only.
        return Err(CatalogError::NotFound("product"));
    }
    sqlx::query(
        "INSERT INTO catalog_products (catalog_id, product_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(product)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

#[tracing::instrument(skip(pool))]
pub async fn remove_from_catalog(
    pool: &PgPool,
    viewer: Viewer,
    id: Uuid,
    product: Uuid,
) -> Result<(), CatalogError> {
    let mut connection = pool.acquire().await?;
    ensure_owner(&mut connection, viewer, id).await?;
    let removed =
        sqlx::query("DELETE FROM catalog_products WHERE catalog_id = $1 AND product_id = $2")
            .bind(id)
            .bind(product)
            .execute(&mut *connection)
            .await?;
    if removed.rows_affected() == 0 {
        return Err(CatalogError::NotFound("product in this catalog"));
    }
    Ok(())
}
