//! The orders' statements on PostgreSQL.

mod reads;
mod units;

pub(super) use reads::*;
pub(super) use units::*;
