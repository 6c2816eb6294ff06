//! A successful charge: the order becomes paid and its held units are sold. Payments are
//! batchable: the journal writes all the payments of a batch with one statement (and one more
//! for their idempotency records), as it writes checkouts.

use super::{AfterCommit, ChangedHold};
use crate::orders::idempotency::IdempotencyKey;
use crate::orders::store;
use bazaar_actors::journal::{Applied, LedgerReason, StockChange};
use bazaar_actors::store::Connection;
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

impl PaymentWork {
    /// What the payment changed, once the store wrote it: the holds it committed (none: the
    /// order could no longer be paid, nothing changed).
    fn applied(&self, holds: Vec<ChangedHold>) -> Applied {
        self.committed.set(holds.clone());
        if holds.is_empty() {
            return Applied::refused();
        }
        Applied::accepted(
            holds
                .iter()
                .map(|hold| StockChange {
                    product: hold.product_id,
                    reserved: -hold.qty,
                    on_hand: -hold.qty,
                    reason: LedgerReason::Sale,
                    order: Some(self.order),
                })
                .collect(),
        )
    }
}

written_together!(PaymentWork, write);

/// Writes many payments at once; each commits the holds of its order if the order is still
/// pending and due. A second payment of one order in the same batch is refused: the order can
/// be paid once.
async fn write(
    payments: &[&PaymentWork],
    connection: Connection<'_>,
) -> sqlx::Result<Vec<Applied>> {
    let mut seen = std::collections::HashSet::new();
    let first: Vec<bool> = payments.iter().map(|p| seen.insert(p.order)).collect();
    let distinct: Vec<&PaymentWork> = payments
        .iter()
        .zip(&first)
        .filter(|(_, first)| **first)
        .map(|(payment, _)| *payment)
        .collect();
    let mut committed = store::write_payments(connection, &distinct)
        .await?
        .into_iter();
    Ok(payments
        .iter()
        .zip(first)
        .map(|(payment, first)| {
            let holds = if first {
                committed.next().unwrap_or_default()
            } else {
                Vec::new()
            };
            payment.applied(holds)
        })
        .collect())
}
