//! Products: create (with the inventory row and the first ledger entry), read (through the
//! cache, honouring visibility), update and archive — by their seller or an admin only.

use super::product_cache::CachedProduct;
use super::{Catalog, CatalogError};
use crate::domain::{
    Caller, Page, Paged, Price, ProductInput, ProductPatch, ProductStatus, SaleTerms,
};
use actix_web::web::Bytes;
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A product as clients see it.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct Product {
    pub id: Uuid,
    pub seller_id: Uuid,
    pub sku: String,
    pub name: String,
    pub description: String,
    pub brand: Option<String>,
    pub category_id: Uuid,
    pub price_cents: i64,
    pub currency: String,
    #[sqlx(json)]
    pub images: Vec<String>,
    #[schema(value_type = Object)]
    #[sqlx(json)]
    pub attributes: Value,
    pub status: ProductStatus,
    /// Units that can be bought now (on hand minus reserved).
    pub available: i64,
    /// Average rating (two decimals), absent until the first review.
    pub rating_avg: Option<f64>,
    pub rating_count: i32,
    pub max_per_customer: Option<i32>,
    /// Before this moment the product cannot be bought.
    #[serde(with = "time::serde::rfc3339::option")]
    pub sale_starts_at: Option<OffsetDateTime>,
    /// From this moment the product cannot be bought.
    #[serde(with = "time::serde::rfc3339::option")]
    pub sale_ends_at: Option<OffsetDateTime>,
    /// The unit price inside the sale's window.
    pub sale_price_cents: Option<i64>,
    /// Buyers join its queue and check out once admitted.
    pub waiting_room: bool,
    pub max_per_order: Option<i32>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Product {
    /// Its flash-sale terms.
    pub(crate) fn sale_terms(&self) -> SaleTerms {
        SaleTerms {
            starts_at: self.sale_starts_at,
            ends_at: self.sale_ends_at,
            // The column's CHECK keeps it positive.
            sale_price: self
                .sale_price_cents
                .and_then(|cents| Price::try_from(cents).ok()),
            waiting_room: self.waiting_room,
            max_per_order: self.max_per_order,
        }
    }
}

/// Whether `viewer` may see `product`: published products are public, the others belong to
/// their seller and the admins.
fn visible(product: &Product, viewer: Option<Caller>) -> bool {
    product.status == ProductStatus::Published
        || viewer.is_some_and(|v| v.manages(product.seller_id))
}

/// Why `viewer` may not change product `seller`'s product in `status`: 404 if they cannot see it,
/// 403 if they can but it is not theirs.
pub(crate) fn refusal(viewer: Caller, seller: Uuid, status: ProductStatus) -> Option<CatalogError> {
    if viewer.manages(seller) {
        None
    } else if status == ProductStatus::Published {
        Some(CatalogError::Forbidden(
            "only its seller or an admin can change this product",
        ))
    } else {
        Some(CatalogError::NotFound("product"))
    }
}

impl Catalog {
    /// Reads a product from the cache, or from the database into the cache.
    #[tracing::instrument(level = "debug", skip(self, viewer))]
    pub(crate) async fn product(
        &self,
        viewer: Option<Caller>,
        id: Uuid,
    ) -> Result<Arc<CachedProduct>, CatalogError> {
        let product = match self.cache.get(id) {
            Some(product) => product,
            None => {
                let epoch = self.cache.epoch();
                let product = self
                    .store
                    .product(id)
                    .await?
                    .ok_or(CatalogError::NotFound("product"))?;
                let product = Arc::new(CachedProduct::new(product).map_err(anyhow::Error::from)?);
                self.cache.insert(Arc::clone(&product), epoch);
                product
            }
        };
        if visible(&product.product, viewer) {
            Ok(product)
        } else {
            Err(CatalogError::NotFound("product"))
        }
    }

    /// The JSON of a product page, with the live stock of its inventory actor when one runs
    /// here (else the stock as last read).
    pub(crate) async fn product_page(
        &self,
        viewer: Option<Caller>,
        id: Uuid,
    ) -> Result<Bytes, CatalogError> {
        let cached = self.product(viewer, id).await?;
        let available = self
            .inventory
            .board()
            .available(id)
            .unwrap_or(cached.product.available);
        Ok(cached.to_json(available))
    }

    /// Creates a product of `seller` with its inventory row and, if it has stock, the first
    /// entry of its stock ledger, all in one transaction.
    #[tracing::instrument(skip(self, input), fields(sku = %input.sku.as_str()))]
    pub(crate) async fn create_product(
        &self,
        seller: Uuid,
        input: &ProductInput,
    ) -> Result<Product, CatalogError> {
        let id = self.store.create_product(seller, input).await?;
        let product = self.store.product(id).await?.ok_or_else(|| {
            CatalogError::Internal(anyhow::anyhow!("created product {id} vanished"))
        })?;
        if input.sale.starts_at.is_some() || input.sale.ends_at.is_some() {
            self.sale_clock.rescheduled(id, &product.sale_terms());
        }
        Ok(product)
    }

    /// Checks that `viewer` manages product `id`: 404 if they cannot see it, 403 if they can but
    /// it is not theirs.
    pub(crate) async fn ensure_manages(
        &self,
        viewer: Caller,
        id: Uuid,
    ) -> Result<(), CatalogError> {
        let (seller, status) = self
            .store
            .product_owner(id)
            .await?
            .ok_or(CatalogError::NotFound("product"))?;
        match refusal(viewer, seller, status) {
            None => Ok(()),
            Some(CatalogError::Forbidden(_)) => Err(CatalogError::Forbidden(
                "only its seller or an admin can manage this product's stock",
            )),
            Some(refused) => Err(refused),
        }
    }

    /// Applies `patch` to product `id`; a new low-stock threshold goes through the product's
    /// inventory actor, so its alerts use it at once.
    #[tracing::instrument(skip(self, patch))]
    pub(crate) async fn update_product(
        &self,
        viewer: Caller,
        id: Uuid,
        patch: &ProductPatch,
    ) -> Result<Product, CatalogError> {
        self.store.update_product(viewer, id, patch).await?;
        // Before anything else can fail: the cached page must not outlive the change.
        self.cache.invalidate(&[id]).await;
        if let Some(threshold) = patch.low_stock_threshold {
            self.inventory
                .set_threshold(id, i64::from(threshold))
                .await?;
        }
        let product = self
            .store
            .product(id)
            .await?
            .ok_or(CatalogError::NotFound("product"))?;
        if patch.sale.moves_the_window() {
            self.sale_clock.rescheduled(id, &product.sale_terms());
        }
        Ok(product)
    }

    /// Withdraws a product from sale; it stays for the orders and reviews that refer to it.
    #[tracing::instrument(skip(self))]
    pub(crate) async fn archive_product(
        &self,
        viewer: Caller,
        id: Uuid,
    ) -> Result<(), CatalogError> {
        self.store.archive_product(viewer, id).await?;
        self.cache.invalidate(&[id]).await;
        Ok(())
    }

    /// A page of a seller's own products, drafts and archived ones included (`status` narrows
    /// it), newest first: `viewer`'s own, or for an admin those of `seller`.
    #[tracing::instrument(skip(self))]
    pub(crate) async fn seller_products(
        &self,
        viewer: Caller,
        seller: Option<Uuid>,
        status: Option<ProductStatus>,
        page: Page,
    ) -> Result<Paged<Product>, CatalogError> {
        let seller = seller.unwrap_or(viewer.id);
        if !viewer.manages(seller) {
            return Err(CatalogError::Forbidden(
                "a seller lists only their own products",
            ));
        }
        self.store.seller_products(seller, status, page).await
    }
}
