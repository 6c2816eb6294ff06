//! A successful charge: the order becomes paid and its held units are sold.

use super::{AfterCommit, ChangedHold};
use crate::orders::idempotency::IdempotencyKey;
use crate::orders::store;
use bazaar_actors::journal::{Applied, LedgerReason, StockChange, Work};
use bazaar_actors::store::Connection;
use futures_util::future::BoxFuture;
use uuid::Uuid;

/// The request whose Idempotency-Key gets the paid outcome, in the payment's own transaction (so
/// a retry after a crash replays `paid`, never a stale `pending_payment`).
pub(crate) enum RecordFor {
    /// `POST /orders/{id}/pay`: a new record.
    Payment(IdempotencyKey),
    /// A checkout that paid at once: its record is replaced.
    Checkout(IdempotencyKey),
}

/// A charge to record with the order it pays.
pub(crate) struct PaymentWork {
    pub order: Uuid,
    pub payer: Uuid,
    pub payment: Uuid,
    pub amount_cents: i64,
    pub currency: String,
    pub gateway_ref: String,
    pub card_brand: &'static str,
    pub card_last4: String,
    /// When it happened (written explicitly so the outcome stored for replays matches the rows).
    pub at: time::OffsetDateTime,
    /// The key and the JSON of the outcome it answers with.
    pub idempotency: Option<(RecordFor, String)>,
    /// The holds committed, for the inventory actors.
    pub committed: AfterCommit<Vec<ChangedHold>>,
}

impl Work for PaymentWork {
    fn apply<'c>(&'c self, connection: Connection<'c>) -> BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move {
            let holds = store::write_payment(connection, self).await?;
            self.committed.set(holds.clone());
            if holds.is_empty() {
                return Ok(Applied::refused());
            }
            let stock = holds
                .iter()
                .map(|hold| StockChange {
                    product: hold.product_id,
                    reserved: -hold.qty,
                    on_hand: -hold.qty,
                    reason: LedgerReason::Sale,
                    order: Some(self.order),
                })
                .collect();
            Ok(Applied::accepted(stock))
        })
    }
}
