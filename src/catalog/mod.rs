//! The catalog: the category tree, sellers' products with their inventory rows and stock ledger,
//! full-text search with facets, seller catalogs, bulk import and reviews. PostgreSQL holds it;
//! product pages are served from an in-memory cache kept current across processes.

mod catalogs;
mod categories;
mod import;
mod product_cache;
mod products;
mod reviews;
mod search;
pub mod seed;

pub use catalogs::{
    Catalog, CatalogInput, CatalogPatch, CatalogWithProducts, add_to_catalog, create_catalog,
    delete_catalog, get_catalog, list_catalogs, remove_from_catalog, update_catalog,
};
pub use categories::{
    Category, CategoryNode, CategoryPatch, category_tree, create_category, delete_category,
    update_category,
};
pub use import::{IMPORT_LIMIT_BYTES, ImportFormat, ImportReport, LineError, import_products};
pub use product_cache::{CachedProduct, ProductCache};
pub use products::{
    Product, Viewer, archive_product, create_product, ensure_manages, get_product, update_product,
};
pub use reviews::{Review, ReviewInput, create_review, delete_review, list_reviews};
pub use search::{Facets, SearchParams, SearchQuery, SearchResults, search};

use crate::error::{ApiError, ErrorCode};

/// What can go wrong in a catalog operation.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("the upload exceeds {0} bytes")]
    TooLarge(u64),
    #[error("{message}")]
    InvalidField {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl CatalogError {
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        CatalogError::InvalidField {
            field,
            message: message.into(),
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(error: CatalogError) -> Self {
        match error {
            CatalogError::NotFound(what) => ApiError::not_found(what),
            CatalogError::Forbidden(detail) => ApiError::new(ErrorCode::Forbidden, detail),
            CatalogError::Conflict(detail) => ApiError::new(ErrorCode::Conflict, detail),
            CatalogError::TooLarge(_) => {
                ApiError::new(ErrorCode::PayloadTooLarge, error.to_string())
            }
            CatalogError::InvalidField { field, message } => {
                ApiError::invalid_field(field, message)
            }
            CatalogError::Database(error) => error.into(),
            CatalogError::Internal(error) => ApiError::internal(format!("{error:#}")),
        }
    }
}
