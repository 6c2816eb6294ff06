//! Seller catalogs on the embedded database (SQLite).

use super::products::PRODUCT_SELECT;
use crate::catalog::catalogs::{CatalogInput, CatalogPatch, SellerCatalog, name_taken};
use crate::catalog::{CatalogError, Product};
use crate::db::EmbeddedDatabase;
use crate::db::violates;
use crate::domain::{Page, Paged};
use sqlx::error::ErrorKind;
use uuid::Uuid;

type Result<T> = std::result::Result<T, CatalogError>;

const CATALOG_SELECT: &str = "SELECT c.id, c.seller_id, c.name, c.description, \
     (SELECT count(*) FROM catalog_products cp JOIN products p ON p.id = cp.product_id \
      WHERE cp.catalog_id = c.id AND p.status = 'published') AS product_count, \
     c.created_at, c.updated_at FROM catalogs c";

pub(in crate::catalog::store) async fn list_catalogs(
    db: &EmbeddedDatabase,
    seller: Option<Uuid>,
    page: Page,
) -> Result<Paged<SellerCatalog>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{CATALOG_SELECT} WHERE ($1 IS NULL OR c.seller_id = $1)
         ORDER BY c.created_at DESC, c.id DESC LIMIT $2 OFFSET $3"
    ));
    let items = sqlx::query_as(sql)
        .bind(seller)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&db.reads)
        .await?;
    let total =
        sqlx::query_scalar("SELECT count(*) FROM catalogs WHERE ($1 IS NULL OR seller_id = $1)")
            .bind(seller)
            .fetch_one(&db.reads)
            .await?;
    Ok(Paged::new(items, page, total))
}

pub(in crate::catalog::store) async fn find_catalog(
    db: &EmbeddedDatabase,
    id: Uuid,
) -> Result<Option<SellerCatalog>> {
    let sql = sqlx::AssertSqlSafe(format!("{CATALOG_SELECT} WHERE c.id = $1"));
    Ok(sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&db.reads)
        .await?)
}

pub(in crate::catalog::store) async fn catalog_products(
    db: &EmbeddedDatabase,
    id: Uuid,
    everything: bool,
    page: Page,
) -> Result<Paged<Product>> {
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
        .fetch_all(&db.reads)
        .await?;
    let total = sqlx::query_scalar(
        "SELECT count(*) FROM catalog_products cp JOIN products p ON p.id = cp.product_id
         WHERE cp.catalog_id = $1 AND ($2 OR p.status = 'published')",
    )
    .bind(id)
    .bind(everything)
    .fetch_one(&db.reads)
    .await?;
    Ok(Paged::new(items, page, total))
}

pub(in crate::catalog::store) async fn catalog_seller(
    db: &EmbeddedDatabase,
    id: Uuid,
) -> Result<Option<Uuid>> {
    Ok(
        sqlx::query_scalar("SELECT seller_id FROM catalogs WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.reads)
            .await?,
    )
}

fn unique_name(error: sqlx::Error) -> CatalogError {
    if violates(&error, ErrorKind::UniqueViolation) {
        name_taken()
    } else {
        error.into()
    }
}

pub(in crate::catalog::store) async fn create_catalog(
    db: &EmbeddedDatabase,
    seller: Uuid,
    input: &CatalogInput,
) -> Result<SellerCatalog> {
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO catalogs (id, seller_id, name, description) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(seller)
        .bind(&input.name)
        .bind(&input.description)
        .execute(&db.writer)
        .await
        .map_err(unique_name)?;
    find_catalog(db, id)
        .await?
        .ok_or(CatalogError::NotFound("catalog"))
}

pub(in crate::catalog::store) async fn update_catalog(
    db: &EmbeddedDatabase,
    id: Uuid,
    patch: &CatalogPatch,
) -> Result<SellerCatalog> {
    sqlx::query(
        "UPDATE catalogs SET name = COALESCE($2, name), description = COALESCE($3, description),
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = $1",
    )
    .bind(id)
    .bind(&patch.name)
    .bind(&patch.description)
    .execute(&db.writer)
    .await
    .map_err(unique_name)?;
    find_catalog(db, id)
        .await?
        .ok_or(CatalogError::NotFound("catalog"))
}

pub(in crate::catalog::store) async fn delete_catalog(
    db: &EmbeddedDatabase,
    id: Uuid,
) -> Result<()> {
    sqlx::query("DELETE FROM catalogs WHERE id = $1")
        .bind(id)
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub(in crate::catalog::store) async fn add_to_catalog(
    db: &EmbeddedDatabase,
    id: Uuid,
    product: Uuid,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO catalog_products (catalog_id, product_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(product)
    .execute(&db.writer)
    .await?;
    Ok(())
}

pub(in crate::catalog::store) async fn remove_from_catalog(
    db: &EmbeddedDatabase,
    id: Uuid,
    product: Uuid,
) -> Result<bool> {
    let removed =
        sqlx::query("DELETE FROM catalog_products WHERE catalog_id = $1 AND product_id = $2")
            .bind(id)
            .bind(product)
            .execute(&db.writer)
            .await?;
    Ok(removed.rows_affected() > 0)
}
