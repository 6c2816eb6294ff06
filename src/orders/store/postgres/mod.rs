//! The orders' statements on PostgreSQL.

mod orders;
mod units;

pub(super) use orders::*;
pub(super) use units::*;
