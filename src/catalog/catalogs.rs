//! Seller catalogs: named collections a seller curates and anyone can browse.

use super::{Catalog, CatalogError, Product};
use crate::domain::Caller;
use crate::domain::{Page, Paged};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A seller's named collection of their products.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
#[schema(as = Catalog)]
pub(crate) struct SellerCatalog {
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
pub(crate) struct CatalogWithProducts {
    #[serde(flatten)]
    pub catalog: SellerCatalog,
    pub products: Paged<Product>,
}

/// A valid new catalog.
#[derive(Debug)]
pub(crate) struct CatalogInput {
    pub name: String,
    pub description: String,
}

/// A valid partial update.
#[derive(Debug, Default)]
pub(crate) struct CatalogPatch {
    pub name: Option<String>,
    pub description: Option<String>,
}

/// A catalog name the seller already uses.
pub(crate) fn name_taken() -> CatalogError {
    CatalogError::Conflict("you already have a catalog with this name".into())
}

impl Catalog {
    /// Catalogs newest first, optionally of one seller.
    pub(crate) async fn list_catalogs(
        &self,
        seller: Option<Uuid>,
        page: Page,
    ) -> Result<Paged<SellerCatalog>, CatalogError> {
        self.store.list_catalogs(seller, page).await
    }

    /// A catalog and a page of its products: the published ones, and for its owner (or an
    /// admin) also their drafts and archived ones.
    pub(crate) async fn catalog(
        &self,
        viewer: Option<Caller>,
        id: Uuid,
        page: Page,
    ) -> Result<CatalogWithProducts, CatalogError> {
        let catalog = self
            .store
            .find_catalog(id)
            .await?
            .ok_or(CatalogError::NotFound("catalog"))?;
        let everything = viewer.is_some_and(|v| v.manages(catalog.seller_id));
        let products = self.store.catalog_products(id, everything, page).await?;
        Ok(CatalogWithProducts { catalog, products })
    }

    #[tracing::instrument(skip(self, input))]
    pub(crate) async fn create_catalog(
        &self,
        seller: Uuid,
        input: &CatalogInput,
    ) -> Result<SellerCatalog, CatalogError> {
        self.store.create_catalog(seller, input).await
    }

    #[tracing::instrument(skip(self, patch))]
    pub(crate) async fn update_catalog(
        &self,
        viewer: Caller,
        id: Uuid,
        patch: &CatalogPatch,
    ) -> Result<SellerCatalog, CatalogError> {
        self.ensure_owner(viewer, id).await?;
        self.store.update_catalog(id, patch).await
    }

    #[tracing::instrument(skip(self))]
    pub(crate) async fn delete_catalog(
        &self,
        viewer: Caller,
        id: Uuid,
    ) -> Result<(), CatalogError> {
        self.ensure_owner(viewer, id).await?;
        self.store.delete_catalog(id).await
    }

    /// Adds one of the owner's products to the catalog (idempotent).
    #[tracing::instrument(skip(self))]
    pub(crate) async fn add_to_catalog(
        &self,
        viewer: Caller,
        id: Uuid,
        product: Uuid,
    ) -> Result<(), CatalogError> {
        let seller = self.ensure_owner(viewer, id).await?;
        let owner = self.store.product_owner(product).await?;
        if owner.map(|(seller, _)| seller) != Some(seller) {
            // Another seller's product, or none: a catalog shows its seller's own products only.
            return Err(CatalogError::NotFound("product"));
        }
        self.store.add_to_catalog(id, product).await
    }

    #[tracing::instrument(skip(self))]
    pub(crate) async fn remove_from_catalog(
        &self,
        viewer: Caller,
        id: Uuid,
        product: Uuid,
    ) -> Result<(), CatalogError> {
        self.ensure_owner(viewer, id).await?;
        if self.store.remove_from_catalog(id, product).await? {
            Ok(())
        } else {
            Err(CatalogError::NotFound("product in this catalog"))
        }
    }

    /// Checks that `viewer` owns catalog `id` (catalogs are public: someone else's is 403);
    /// its seller.
    pub(crate) async fn ensure_owner(
        &self,
        viewer: Caller,
        id: Uuid,
    ) -> Result<Uuid, CatalogError> {
        match self.store.catalog_seller(id).await? {
            None => Err(CatalogError::NotFound("catalog")),
            Some(seller) if viewer.manages(seller) => Ok(seller),
            Some(_) => Err(CatalogError::Forbidden(
                "only its seller or an admin can change this catalog",
            )),
        }
    }
}
