//! Reviews: one per user and product, with the product's rating kept exact.
//!
//! A review and the change of its product's rating sum and count commit in one transaction, as
//! atomic increments, so concurrent reviews never lose an update.

use super::{Catalog, CatalogError};
use crate::domain::Caller;
use crate::domain::{AllValid, Page, Paged, Parsed, Role, bounded_text, field, multiline_text};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A review. Its text is plain data: clients must display it as text, never as markup.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct Review {
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
pub(crate) struct ReviewInput {
    pub rating: i16,
    pub title: String,
    pub body: String,
}

impl ReviewInput {
    /// A rating of 1 to 5, a title of 1 to 200 characters and a text of 1 to 5,000 (line
    /// breaks allowed, other control characters not).
    pub(crate) fn parse(rating: i64, title: &str, body: &str) -> Parsed<Self> {
        let rating = match i16::try_from(rating) {
            Ok(rating) if (1..=5).contains(&rating) => Ok(rating),
            _ => Err("must be a whole number from 1 to 5".to_owned()),
        };
        let (rating, title, body) = (
            field("rating", rating),
            field("title", bounded_text(title, 1, 200)),
            field("body", review_text(body)),
        )
            .all_valid()?;
        Ok(Self {
            rating,
            title,
            body,
        })
    }
}

fn review_text(raw: &str) -> Result<String, String> {
    multiline_text(raw, 1, 5_000)
}

impl Catalog {
    /// Reviews of a published product, newest first.
    pub(crate) async fn reviews(
        &self,
        product: Uuid,
        page: Page,
    ) -> Result<Paged<Review>, CatalogError> {
        self.ensure_published(product).await?;
        self.store.reviews(product, page).await
    }

    /// Writes `author`'s review of `product`; a second review by the same author is a conflict.
    #[tracing::instrument(skip(self, input))]
    pub(crate) async fn create_review(
        &self,
        author: Uuid,
        product: Uuid,
        input: &ReviewInput,
    ) -> Result<Review, CatalogError> {
        self.ensure_published(product).await?;
        let review = self.store.create_review(author, product, input).await?;
        self.cache.invalidate(&[product]).await;
        Ok(review)
    }

    /// Deletes a review: its author or an admin may; for anyone else it is 403 (reviews are
    /// public).
    #[tracing::instrument(skip(self))]
    pub(crate) async fn delete_review(&self, viewer: Caller, id: Uuid) -> Result<(), CatalogError> {
        let may_delete = |author: Uuid| author == viewer.id || viewer.role == Role::Admin;
        let product = self.store.delete_review(id, may_delete).await?;
        self.cache.invalidate(&[product]).await;
        Ok(())
    }

    /// Only published products take and show reviews.
    async fn ensure_published(&self, product: Uuid) -> Result<(), CatalogError> {
        match self.store.product_owner(product).await? {
            Some((_, crate::domain::ProductStatus::Published)) => Ok(()),
            _ => Err(CatalogError::NotFound("product")),
        }
    }
}
