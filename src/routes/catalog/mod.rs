//! The catalog's routes (→ [`crate::catalog`]): categories, products and search, seller catalogs
//! and their import, reviews.

pub(super) mod catalogs;
pub(super) mod categories;
pub(super) mod import;
pub(super) mod products;
pub(super) mod reviews;
