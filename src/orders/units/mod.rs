//! The journal units of orders: a checkout, a payment, a cancellation, a hold's expiry.
//!
//! Each unit checks its own conditions in SQL (an order still pending, a hold still held) and, if
//! they do not hold, changes nothing and reports itself refused. What a unit learns while it
//! applies (which holds a payment committed, say) it sets in an [`AfterCommit`] its caller reads
//! once the unit committed. The statements are the store's; a unit decides what stock changes.

mod after_commit;
mod cancel;
mod checkout;
mod expire;
mod payment;

pub(crate) use after_commit::AfterCommit;
pub(crate) use cancel::{CancelWork, Cancelled};
pub(crate) use checkout::CheckoutWork;
pub(crate) use expire::ExpireWork;
pub(crate) use payment::{PaymentWork, RecordFor};

use uuid::Uuid;

/// A hold a unit changed.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub(crate) struct ChangedHold {
    pub id: Uuid,
    pub product_id: Uuid,
    pub qty: i64,
}
