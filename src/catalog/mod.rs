//! The catalog: the category tree, sellers' products with their inventory rows, full-text search
//! with facets, seller catalogs, bulk import and reviews.
//!
//! [`Catalog`] is the service the routes call. Its tables sit behind [`store::CatalogStore`];
//! product pages are served from an in-memory [`ProductCache`] kept current across processes;
//! stock is only ever changed through the products' inventory actors.

mod catalogs;
mod categories;
mod import;
mod product_cache;
mod products;
mod reviews;
mod search;
pub mod seed;
pub(crate) mod store;

pub(crate) use catalogs::{CatalogInput, CatalogPatch, CatalogWithProducts, SellerCatalog};
pub(crate) use categories::{Category, CategoryNode, CategoryPatch};
use import::RunningImports;
pub(crate) use import::{IMPORT_LIMIT_BYTES, ImportFormat, ImportReport};
pub(crate) use product_cache::ProductCache;
pub(crate) use products::Product;
pub(crate) use reviews::{Review, ReviewInput};
pub(crate) use search::{Facets, SearchParams, SearchQuery, SearchResults};

use crate::domain::{FieldError, Invalid};
use crate::drops::SaleClock;
use crate::error::{Coded, ErrorCode};
use bazaar_actors::inventory::{Inventory, InventoryError};
use std::sync::Arc;
use store::CatalogStore;

/// Categories, products, catalogs, search, import and reviews.
#[derive(Clone)]
pub(crate) struct Catalog {
    store: CatalogStore,
    cache: Arc<ProductCache>,
    inventory: Inventory,
    imports: Arc<RunningImports>,
    /// Told when a product's sale window changes.
    sale_clock: SaleClock,
}

impl Catalog {
    pub(crate) fn new(
        store: CatalogStore,
        cache: Arc<ProductCache>,
        inventory: Inventory,
        sale_clock: SaleClock,
    ) -> Self {
        Self {
            store,
            cache,
            inventory,
            imports: Arc::default(),
            sale_clock,
        }
    }
}

/// What can go wrong in a catalog operation.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CatalogError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("the upload exceeds {0} bytes")]
    TooLarge(u64),
    #[error("an import of this seller's products is already running; send the next when it ends")]
    ImportRunning,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Stock(#[from] InventoryError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl CatalogError {
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        CatalogError::Invalid(Invalid::field(field, message))
    }
}

impl Coded for CatalogError {
    fn code(&self) -> ErrorCode {
        match self {
            CatalogError::NotFound(_) => ErrorCode::NotFound,
            CatalogError::Forbidden(_) => ErrorCode::Forbidden,
            CatalogError::Conflict(_) => ErrorCode::Conflict,
            CatalogError::TooLarge(_) => ErrorCode::PayloadTooLarge,
            CatalogError::ImportRunning => ErrorCode::ImportInProgress,
            CatalogError::Invalid(invalid) => invalid.code(),
            CatalogError::Stock(error) => error.code(),
            CatalogError::Database(error) => error.code(),
            CatalogError::Internal(_) => ErrorCode::Internal,
        }
    }

    fn fields(&self) -> Vec<FieldError> {
        match self {
            CatalogError::Invalid(invalid) => invalid.fields(),
            _ => Vec::new(),
        }
    }

    fn members(&self) -> crate::error::Members {
        match self {
            CatalogError::Stock(error) => error.members(),
            _ => crate::error::Members::new(),
        }
    }
}
