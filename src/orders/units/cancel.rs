//! Cancelling an order: a pending one gives its holds back; a paid one returns its units to
//! stock and records the refund of what was paid (credited to the wallet here, in the same
//! transaction, when the wallet paid).

use super::{AfterCommit, ChangedHold};
use crate::orders::store;
use crate::{clock, wallet};
use bazaar_actors::journal::{Applied, LedgerReason, StockChange, Work};
use bazaar_actors::store::Connection;
use futures_util::future::BoxFuture;
use uuid::Uuid;

/// What a cancellation changed.
#[derive(Clone, Debug)]
pub(crate) struct Cancelled {
    /// The order had been paid: its units came back to stock (else its holds were released).
    pub was_paid: bool,
    pub holds: Vec<ChangedHold>,
    /// The succeeded payment refunded: its amount and gateway reference (none: the wallet
    /// paid).
    pub refund: Option<(i64, Option<String>)>,
}

/// A cancellation to write.
pub(crate) struct CancelWork {
    pub order: Uuid,
    pub by: Uuid,
    pub cancelled: AfterCommit<Cancelled>,
}

impl Work for CancelWork {
    fn apply<'c>(&'c self, mut connection: Connection<'c>) -> BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move {
            let Some(cancelled) =
                store::write_cancellation(connection.reborrow(), self.order, self.by).await?
            else {
                return Ok(Applied::refused());
            };
            if let Some((amount, None)) = cancelled.refund {
                wallet::credit(connection, self.order, amount, clock::now()).await?;
            }
            let paid = cancelled.was_paid;
            let stock = cancelled
                .holds
                .iter()
                .map(|hold| StockChange {
                    product: hold.product_id,
                    reserved: if paid { 0 } else { -hold.qty },
                    on_hand: if paid { hold.qty } else { 0 },
                    reason: LedgerReason::Return,
                    order: Some(self.order),
                })
                .collect();
            self.cancelled.set(cancelled);
            Ok(Applied::accepted(stock))
        })
    }
}
