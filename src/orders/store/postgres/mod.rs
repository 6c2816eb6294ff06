//! The orders' statements on PostgreSQL.

mod fulfilment;
mod orders;
mod units;

pub(super) use fulfilment::*;
pub(super) use orders::*;
pub(super) use units::*;
