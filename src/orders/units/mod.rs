//! The journal units of orders: a checkout, a payment, a cancellation, a hold's expiry, a
//! fulfilment step, a refund (reserved, then settled), opening and rejecting a return.
//!
//! Each unit checks its own conditions in SQL (an order still pending, a hold still held) and, if
//! they do not hold, changes nothing and reports itself refused. What a unit learns while it
//! applies (which holds a payment committed, say) it sets in an [`AfterCommit`] its caller reads
//! once the unit committed. The statements are the store's; a unit decides what stock changes.

/// Implements [`Work`](bazaar_actors::journal::Work) and
/// [`Batchable`](bazaar_actors::journal::Batchable) for a unit whose `write` function writes any
/// number of its kind with one set of statements: alone, it is a batch of one.
macro_rules! written_together {
    ($unit:ty, $write:path) => {
        impl bazaar_actors::journal::Work for $unit {
            fn apply<'c>(
                &'c self,
                connection: bazaar_actors::store::Connection<'c>,
            ) -> futures_util::future::BoxFuture<'c, sqlx::Result<bazaar_actors::journal::Applied>>
            {
                Box::pin(async move {
                    let mut applied = $write(&[self], connection).await?;
                    Ok(applied.pop().unwrap_or_default())
                })
            }

            fn batchable(&self) -> Option<&dyn bazaar_actors::journal::Batchable> {
                Some(self)
            }
        }

        impl bazaar_actors::journal::Batchable for $unit {
            fn apply_together<'c>(
                &'c self,
                units: &'c [&'c dyn bazaar_actors::journal::Batchable],
                connection: bazaar_actors::store::Connection<'c>,
            ) -> futures_util::future::BoxFuture<
                'c,
                sqlx::Result<Vec<bazaar_actors::journal::Applied>>,
            > {
                Box::pin(async move {
                    let same_kind: Vec<&$unit> = units
                        .iter()
                        .filter_map(|unit| unit.as_any().downcast_ref::<$unit>())
                        .collect();
                    $write(&same_kind, connection).await
                })
            }

            fn as_any(&self) -> &dyn std::any::Any {
                self
            }
        }
    };
}

mod after_commit;
mod cancel;
mod checkout;
mod expire;
mod fulfil;
mod payment;
mod refund;
mod returns;

pub(crate) use after_commit::AfterCommit;
pub(crate) use cancel::{CancelWork, Cancelled};
pub(crate) use checkout::{CheckoutRefusal, CheckoutWork};
pub(crate) use expire::ExpireWork;
pub(crate) use fulfil::{FulfilWork, FulfilmentState, Handover, ShipmentRow, Step, StepRefusal};
pub(crate) use payment::{PaidWith, PaymentRefusal, PaymentWork, RecordFor};
pub(crate) use refund::{
    RefundRefusal, RefundStanding, ReserveRefund, Reserved, Restock, SettleRefund,
};
pub(crate) use returns::{OpenReturn, RejectReturn, ReturnRefusal};

use uuid::Uuid;

/// A hold a unit changed.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub(crate) struct ChangedHold {
    pub id: Uuid,
    pub product_id: Uuid,
    pub qty: i64,
}
