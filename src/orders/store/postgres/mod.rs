//! The orders' statements on PostgreSQL.

mod fulfilment;
mod orders;
mod refunds;
mod units;

pub(super) use fulfilment::*;
pub(super) use orders::*;
pub(super) use refunds::*;
pub(super) use units::*;
