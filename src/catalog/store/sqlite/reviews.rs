//! Reviews on the embedded database (SQLite).

use crate::catalog::CatalogError;
use crate::catalog::reviews::{Review, ReviewInput};
use crate::db::EmbeddedDatabase;
use crate::db::violates;
use crate::domain::{OrderStatus, Page, Paged};
use sqlx::error::ErrorKind;
use uuid::Uuid;

type Result<T> = std::result::Result<T, CatalogError>;

const REVIEW_SELECT: &str = "SELECT r.id, r.product_id, r.user_id, u.name AS author_name, \
     r.rating, r.title, r.body, r.verified_purchase, r.created_at \
     FROM reviews r JOIN users u ON u.id = r.user_id";

pub(in crate::catalog::store) async fn reviews(
    db: &EmbeddedDatabase,
    product: Uuid,
    page: Page,
) -> Result<Paged<Review>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{REVIEW_SELECT} WHERE r.product_id = $1
         ORDER BY r.created_at DESC, r.id DESC LIMIT $2 OFFSET $3"
    ));
    let items = sqlx::query_as(sql)
        .bind(product)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&db.reads)
        .await?;
    let total = sqlx::query_scalar("SELECT count(*) FROM reviews WHERE product_id = $1")
        .bind(product)
        .fetch_one(&db.reads)
        .await?;
    Ok(Paged::new(items, page, total))
}

pub(in crate::catalog::store) async fn create_review(
    db: &EmbeddedDatabase,
    author: Uuid,
    product: Uuid,
    input: &ReviewInput,
) -> Result<Review> {
    let id = Uuid::now_v7();
    let mut tx = db.writer.begin().await?;
    // Verified: the author has an order containing the product that they paid for.
    sqlx::query(
        "INSERT INTO reviews (id, product_id, user_id, rating, title, body, verified_purchase)
         VALUES ($1, $2, $3, $4, $5, $6, EXISTS (
             SELECT 1 FROM order_items oi JOIN orders o ON o.id = oi.order_id
             WHERE o.user_id = $3 AND oi.product_id = $2 AND o.status IN (SELECT value FROM json_each($7))))",
    )
    .bind(id)
    .bind(product)
    .bind(author)
    .bind(input.rating)
    .bind(&input.title)
    .bind(&input.body)
    .bind(sqlx::types::Json(OrderStatus::names_where(OrderStatus::is_bought)))
    .execute(&mut *tx)
    .await
    .map_err(|error| {
        if violates(&error, ErrorKind::UniqueViolation) {
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
    let sql = sqlx::AssertSqlSafe(format!("{REVIEW_SELECT} WHERE r.id = $1"));
    Ok(sqlx::query_as(sql).bind(id).fetch_one(&db.reads).await?)
}

pub(in crate::catalog::store) async fn delete_review(
    db: &EmbeddedDatabase,
    id: Uuid,
    may_delete: impl Fn(Uuid) -> bool,
) -> Result<Uuid> {
    let mut tx = db.writer.begin().await?;
    let found: Option<(Uuid, Uuid)> =
        sqlx::query_as("SELECT user_id, product_id FROM reviews WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let (author, product) = found.ok_or(CatalogError::NotFound("review"))?;
    if !may_delete(author) {
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
    Ok(product)
}
