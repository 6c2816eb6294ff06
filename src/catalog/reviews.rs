//! Reviews: one per user and product, with the product's rating kept exact.
//!
//! A review and the change of its product's `rating_sum`/`rating_count` commit in one
//! transaction, as atomic increments, so concurrent reviews never lose an update.

use super::{CatalogError, ProductCache, Viewer};
use crate::db::{codes, violates};
use crate::domain::{Page, Paged, Role};
use serde::Serialize;
use sqlx::PgPool;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A review. Its text is plain data: clients must display it as text, never as markup.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Review {
    pub id: Uuid,
    pub product_id: Uuid,
    pub user_id: Uuid,
    /// The author's name at the time of reading.
    pub author_name: String,
    pub rating: i16,
    pub title: String,
    pub body: String,
    /// Whether the author had bought the product when writing the review.
    pub verified_purchase: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A valid new review.
#[derive(Debug)]
pub struct ReviewInput {
    pub rating: i16,
    pub title: String,
    pub body: String,
}

const REVIEW_SELECT: &str = "SELECT r.id, r.product_id, r.user_id, u.name AS author_name, \
     r.rating, r.title, r.body, r.verified_purchase, r.created_at \
     FROM reviews r JOIN users u ON u.id = r.user_id";

/// Whether the product exists and is published (only published products take reviews).
async fn ensure_published(pool: &PgPool, product: Uuid) -> Result<(), CatalogError> {
    let published: Option<bool> =
        sqlx::query_scalar("SELECT status = 'published' FROM products WHERE id = $1")
            .bind(product)
            .fetch_optional(pool)
            .await?;
    match published {
        Some(true) => Ok(()),
        _ => Err(CatalogError::NotFound("product")),
    }
}

/// Reviews of a product, newest first.
pub async fn list_reviews(
    pool: &PgPool,
    product: Uuid,
    page: Page,
) -> Result<Paged<Review>, CatalogError> {
    ensure_published(pool, product).await?;
    let sql = sqlx::AssertSqlSafe(format!(
        "{REVIEW_SELECT} WHERE r.product_id = $1
         ORDER BY r.created_at DESC, r.id DESC LIMIT $2 OFFSET $3"
    ));
    let items = sqlx::query_as(sql)
        .bind(product)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(pool)
        .await?;
    let total = sqlx::query_scalar("SELECT count(*) FROM reviews WHERE product_id = $1")
        .bind(product)
        .fetch_one(pool)
        .await?;
    Ok(Paged::new(items, page, total))
}

/// Writes `author`'s review of `product`; a second review by the same author is a conflict.
#[tracing::instrument(skip(pool, cache, input))]
pub async fn create_review(
    pool: &PgPool,
    cache: &ProductCache,
    author: Uuid,
    product: Uuid,
    input: &ReviewInput,
) -> Result<Review, CatalogError> {
    ensure_published(pool, product).await?;
    let id = Uuid::now_v7();
    let mut tx = pool.begin().await?;
    // Verified: the author has a paid (or later) order containing the product.
    sqlx::query(
        "INSERT INTO reviews (id, product_id, user_id, rating, title, body, verified_purchase)
         VALUES ($1, $2, $3, $4, $5, $6, EXISTS (
             SELECT 1 FROM order_items oi JOIN orders o ON o.id = oi.order_id
             WHERE o.user_id = $3 AND oi.product_id = $2
               AND o.status IN ('paid', 'processing', 'shipped', 'out_for_delivery', 'delivered')))",
    )
    .bind(id)
    .bind(product)
    .bind(author)
    .bind(input.rating)
    .bind(&input.title)
    .bind(&input.body)
    .execute(&mut *tx)
    .await
    .map_err(|error| {
        if violates(&error, codes::UNIQUE_VIOLATION) {
            CatalogError::Conflict("you have already reviewed this product".into())
        } else {
            error.into()
        }
    })?;
    sqlx::query(
        "UPDATE products SET rating_sum = rating_sum + $2, rating_count = rating_count + 1
         WHERE id = $1",
    )
    .bind(product)
    .bind(i64::from(input.rating))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    cache.invalidate(&[product]).await;
    let sql = sqlx::AssertSqlSafe(format!("{REVIEW_SELECT} WHERE r.id = $1"));
    Ok(sqlx::query_as(sql).bind(id).fetch_one(pool).await?)
}

/// Deletes a review: its author or an admin may; for anyone else it is 403 (reviews are public).
#[tracing::instrument(skip(pool, cache))]
pub async fn delete_review(
    pool: &PgPool,
    cache: &ProductCache,
    viewer: Viewer,
    id: Uuid,
) -> Result<(), CatalogError> {
    let mut tx = pool.begin().await?;
    let found: Option<(Uuid, Uuid)> =
        sqlx::query_as("SELECT user_id, product_id FROM reviews WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((author, product)) = found else {
        return Err(CatalogError::NotFound("review"));
    };
    if author != viewer.id && viewer.role != Role::Admin {
        return Err(CatalogError::Forbidden(
            "only its author or an admin can delete a review",
        ));
    }
    let rating: i16 = sqlx::query_scalar("DELETE FROM reviews WHERE id = $1 RETURNING rating")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE products SET rating_sum = rating_sum - $2, rating_count = rating_count - 1
         WHERE id = $1",
    )
    .bind(product)
    .bind(i64::from(rating))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    cache.invalidate(&[product]).await;
    Ok(())
}
