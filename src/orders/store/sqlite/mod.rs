//! The orders' statements on the embedded database (SQLite).

mod orders;
mod units;

pub(super) use orders::*;
pub(super) use units::*;
