//! A successful charge: the order becomes paid and its held units are sold. Payments are
//! batchable: the journal writes all the card payments of a batch with one statement (and one
//! more for their idempotency records), as it writes checkouts. A payment that also redeems a
//! coupon or takes money from a wallet is written on its own, inside a savepoint of the batch:
//! if the coupon may no longer be redeemed or the wallet does not cover it, none of it stays.

use super::{AfterCommit, ChangedHold};
use crate::coupons::{CouponRefusal, Redemption};
use crate::domain::PaymentMethod;
use crate::orders::idempotency::IdempotencyKey;
use crate::orders::store;
use bazaar_actors::journal::{Applied, LedgerReason, StockChange};
use bazaar_actors::store::Connection;
use uuid::Uuid;

/// The request whose Idempotency-Key gets the paid outcome, in the payment's own transaction (so
/// a retry after a crash replays `paid`, never a stale `pending_payment`).
#[derive(Clone)]
pub(crate) enum RecordFor {
    /// `POST /orders/{id}/pay`: a new record.
    Payment(IdempotencyKey),
    /// A checkout that paid at once: its record is replaced.
    Checkout(IdempotencyKey),
}

/// What paid.
#[derive(Clone, Debug)]
pub(crate) enum PaidWith {
    /// A card the gateway charged.
    Card {
        gateway_ref: String,
        brand: &'static str,
        last4: String,
    },
    /// The payer's wallet, debited in the payment's transaction.
    Wallet,
}

impl PaidWith {
    pub(crate) fn method(&self) -> PaymentMethod {
        match self {
            PaidWith::Card { .. } => PaymentMethod::Card,
            PaidWith::Wallet => PaymentMethod::Wallet,
        }
    }

    pub(crate) fn gateway_ref(&self) -> Option<&str> {
        match self {
            PaidWith::Card { gateway_ref, .. } => Some(gateway_ref),
            PaidWith::Wallet => None,
        }
    }

    pub(crate) fn card_brand(&self) -> Option<&'static str> {
        match self {
            PaidWith::Card { brand, .. } => Some(brand),
            PaidWith::Wallet => None,
        }
    }

    pub(crate) fn card_last4(&self) -> Option<&str> {
        match self {
            PaidWith::Card { last4, .. } => Some(last4),
            PaidWith::Wallet => None,
        }
    }
}

/// Why a payment did not land, beyond the order no longer being payable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PaymentRefusal {
    /// The order's coupon may no longer be redeemed.
    Coupon(CouponRefusal),
    /// The wallet holds less than the order's total.
    InsufficientFunds,
}

/// A payment to record with the order it pays.
pub(crate) struct PaymentWork {
    pub order: Uuid,
    pub payer: Uuid,
    pub payment: Uuid,
    pub amount_cents: i64,
    pub currency: String,
    pub paid_with: PaidWith,
    /// The order's coupon, redeemed with the payment.
    pub coupon: Option<Redemption>,
    /// When it happened (written explicitly so the outcome stored for replays matches the rows).
    pub at: time::OffsetDateTime,
    /// The key and the JSON of the outcome it answers with.
    pub idempotency: Option<(RecordFor, String)>,
    /// The holds committed, for the inventory actors.
    pub committed: AfterCommit<Vec<ChangedHold>>,
    /// Why it was refused, when the coupon or the wallet refused it.
    pub refusal: AfterCommit<PaymentRefusal>,
}

impl PaymentWork {
    /// Whether it is written with the batch's one statement: a card payment without a coupon.
    fn plain(&self) -> bool {
        self.coupon.is_none() && matches!(self.paid_with, PaidWith::Card { .. })
    }

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
    mut connection: Connection<'_>,
) -> sqlx::Result<Vec<Applied>> {
    let mut seen = std::collections::HashSet::new();
    let first: Vec<bool> = payments.iter().map(|p| seen.insert(p.order)).collect();
    let plain: Vec<&PaymentWork> = payments
        .iter()
        .zip(&first)
        .filter(|(payment, first)| **first && payment.plain())
        .map(|(payment, _)| *payment)
        .collect();
    let mut committed = store::write_payments(connection.reborrow(), &plain)
        .await?
        .into_iter();
    let mut applied = Vec::with_capacity(payments.len());
    for (payment, first) in payments.iter().zip(first) {
        let holds = if !first {
            Vec::new()
        } else if payment.plain() {
            committed.next().unwrap_or_default()
        } else {
            // `apply` may run again (alone, after its batch failed): only this try's reason counts.
            payment.refusal.clear();
            match store::write_payment_alone(connection.reborrow(), payment).await? {
                Ok(holds) => holds,
                Err(refusal) => {
                    payment.refusal.set(refusal);
                    Vec::new()
                }
            }
        };
        applied.push(payment.applied(holds));
    }
    Ok(applied)
}
