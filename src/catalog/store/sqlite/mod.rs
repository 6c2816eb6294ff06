//! The catalog's statements on the embedded database (SQLite).

mod catalogs;
mod categories;
mod import;
mod products;
mod reviews;
mod search;
mod seed;

pub(super) use catalogs::*;
pub(super) use categories::*;
pub(super) use import::*;
pub(super) use products::*;
pub(super) use reviews::*;
pub(super) use search::*;
pub(super) use seed::*;
