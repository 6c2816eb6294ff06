//! Refunds in two units around the gateway's answer. [`ReserveRefund`] locks the order, checks that
//! the refund fits in what may still be refunded (what was paid, less every refund not failed; for
//! a seller, also their own lines' share less their refunds) and writes it `pending`, so refunds
//! racing on one order are judged one after the other, each counting the others. Once the gateway
//! has answered, [`SettleRefund`] marks it `succeeded` (the order becomes `refunded` or
//! `partially_refunded`, the units come back to stock if asked, the timeline says so, the customer
//! is mailed) or `failed`.

use super::AfterCommit;
use crate::domain::{Caller, OrderStatus};
use crate::orders::idempotency::IdempotencyKey;
use crate::orders::model::ReturnStatus;
use crate::orders::store;
use crate::outbox::{self, letters};
use crate::wallet;
use bazaar_actors::journal::{Applied, LedgerReason, StockChange, Work};
use bazaar_actors::store::Connection;
use futures_util::future::BoxFuture;
use time::OffsetDateTime;
use uuid::Uuid;

/// What a refund reads of its order, the order's row locked.
#[derive(Debug, Default, sqlx::FromRow)]
pub(crate) struct RefundStanding {
    pub currency: String,
    /// What the order's succeeded payments took.
    pub paid: i64,
    /// Refunds not failed, pending ones included.
    pub refunded: i64,
    /// The seller's lines' total, and their refunds not failed.
    pub seller_share: i64,
    pub seller_refunded: i64,
}

impl RefundStanding {
    /// The most that may still be refunded: of a seller's share, if the refund comes from one.
    fn refundable(&self, from_seller: bool) -> i64 {
        let left = self.paid - self.refunded;
        if from_seller {
            left.min(self.seller_share - self.seller_refunded)
        } else {
            left
        }
    }
}

/// Which units a refund gives back to stock.
#[derive(Clone, Debug)]
pub(crate) enum Restock {
    None,
    /// Every unit of the refunder's lines not yet given back (an admin's: of every line).
    Lines,
    /// These units of these products (a return's lines).
    Units(Vec<(Uuid, i64)>),
}

/// A refund to reserve.
pub(crate) struct ReserveRefund {
    pub refund: Uuid,
    pub order: Uuid,
    pub by: Caller,
    /// The seller whose share it comes from (a seller's own refund, or any refund of a return);
    /// none: an admin's refund of the order.
    pub seller: Option<Uuid>,
    /// Without an amount: all that `by` may still refund.
    pub amount: Option<i64>,
    pub reason: String,
    pub restock: Restock,
    pub idempotency: Option<IdempotencyKey>,
    /// A return this refund approves: it must still be `requested`.
    pub approves: Option<Uuid>,
    pub at: OffsetDateTime,
    pub outcome: AfterCommit<Result<Reserved, RefundRefusal>>,
}

/// A reserved refund, for the gateway and then [`SettleRefund`].
#[derive(Clone, Debug)]
pub(crate) struct Reserved {
    pub amount: i64,
    pub currency: String,
    pub reason: String,
    /// The gateway's reference of the payment refunded.
    pub payment_reference: Option<String>,
    /// The units to give back once it succeeded.
    pub restock: Vec<(Uuid, i64)>,
}

/// Why a refund was not reserved.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RefundRefusal {
    /// The order was never paid, or is gone.
    NothingPaid,
    /// More than may still be refunded.
    TooMuch { refundable: i64 },
    /// The Idempotency-Key was taken by a request racing this one.
    KeyTaken,
    /// The return was decided meanwhile.
    ReturnDecided,
    /// More units of a product than are left to give back to stock.
    NotRestockable { product: Uuid },
}

impl Work for ReserveRefund {
    fn apply<'c>(&'c self, mut connection: Connection<'c>) -> BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move {
            let refuse = |refusal| {
                self.outcome.set(Err(refusal));
                Ok(Applied::refused())
            };
            let status = store::lock_order_status(connection.reborrow(), self.order).await?;
            if !status.is_some_and(OrderStatus::was_paid) {
                return refuse(RefundRefusal::NothingPaid);
            }
            let seller = self.seller;
            let standing =
                store::refund_standing(connection.reborrow(), self.order, seller).await?;
            let refundable = standing.refundable(seller.is_some());
            let amount = self.amount.unwrap_or(refundable);
            if amount <= 0 || amount > refundable {
                return refuse(RefundRefusal::TooMuch { refundable });
            }
            // The return's decision, like every change of the order, waits for the order's lock:
            // what is read here holds until the commit.
            if let Some(ret) = self.approves
                && store::return_status(connection.reborrow(), ret).await?
                    != Some((self.order, ReturnStatus::Requested))
            {
                return refuse(RefundRefusal::ReturnDecided);
            }
            // Units still to give back, counting those of refunds not settled yet.
            let left = store::units_to_restock(connection.reborrow(), self.order, seller).await?;
            let restock = match &self.restock {
                Restock::None => Vec::new(),
                Restock::Lines => left,
                Restock::Units(units) => {
                    for &(product, qty) in units {
                        let there = left.iter().find(|(id, _)| *id == product).map(|(_, n)| *n);
                        if there.unwrap_or(0) < qty {
                            return refuse(RefundRefusal::NotRestockable { product });
                        }
                    }
                    units.clone()
                }
            };
            // The last check, and the first write: a refused unit writes nothing.
            if let Some(key) = &self.idempotency {
                let outcome = serde_json::json!({ "refund_id": self.refund }).to_string();
                if !store::claim_key(connection.reborrow(), key, &outcome).await? {
                    return refuse(RefundRefusal::KeyTaken);
                }
            }
            // Counted as given back now, so no other refund can give the same units back; a
            // failed refund takes them off again.
            store::restock_lines(connection.reborrow(), self.order, &restock).await?;
            let payment_reference = store::insert_refund(
                connection.reborrow(),
                &store::NewRefund {
                    id: self.refund,
                    order: self.order,
                    amount,
                    reason: &self.reason,
                    seller,
                    by: self.by.id,
                    at: self.at,
                },
            )
            .await?;
            if let Some(ret) = self.approves {
                store::approve_return(connection, ret, self.refund, self.by.id, self.at).await?;
            }
            self.outcome.set(Ok(Reserved {
                amount,
                currency: standing.currency,
                reason: self.reason.clone(),
                payment_reference,
                restock,
            }));
            Ok(Applied::accepted(Vec::new()))
        })
    }
}

/// The gateway's answer to a reserved refund, to write.
pub(crate) struct SettleRefund {
    pub refund: Uuid,
    pub order: Uuid,
    pub by: Uuid,
    pub succeeded: bool,
    pub reserved: Reserved,
    pub note: String,
    /// The return it approved: back to `requested` if the refund failed.
    pub approves: Option<Uuid>,
    pub at: OffsetDateTime,
}

impl Work for SettleRefund {
    fn apply<'c>(&'c self, mut connection: Connection<'c>) -> BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move {
            // The order first, as every change of an order takes it.
            store::lock_order_status(connection.reborrow(), self.order).await?;
            if !self.succeeded {
                let taken_back: Vec<(Uuid, i64)> = self
                    .reserved
                    .restock
                    .iter()
                    .map(|&(product, qty)| (product, -qty))
                    .collect();
                store::restock_lines(connection.reborrow(), self.order, &taken_back).await?;
                store::fail_refund(connection, self.refund, self.approves).await?;
                return Ok(Applied::accepted(Vec::new()));
            }
            let restocked = !self.reserved.restock.is_empty();
            let settled = store::Settled {
                refund: self.refund,
                order: self.order,
                restocked,
                by: self.by,
                note: &self.note,
                at: self.at,
            };
            store::settle_refund(connection.reborrow(), &settled).await?;
            // A payment without a gateway reference came from the wallet: it goes back there.
            if self.reserved.payment_reference.is_none() {
                wallet::credit(
                    connection.reborrow(),
                    self.order,
                    self.reserved.amount,
                    self.at,
                )
                .await?;
            }
            let letter = letters::refunded(
                self.order,
                self.reserved.amount,
                &self.reserved.currency,
                &self.reserved.reason,
            );
            outbox::store::enqueue_to_customer(connection, self.order, &letter).await?;
            Ok(Applied::accepted(
                self.reserved
                    .restock
                    .iter()
                    .map(|&(product, qty)| StockChange {
                        product,
                        reserved: 0,
                        on_hand: qty,
                        reason: LedgerReason::Return,
                        order: Some(self.order),
                    })
                    .collect(),
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seller_refunds_within_their_share_and_an_admin_within_what_was_paid() {
        let standing = RefundStanding {
            currency: "EUR".into(),
            paid: 10_000,
            refunded: 3_000,
            seller_share: 4_000,
            seller_refunded: 1_000,
        };
        assert_eq!(standing.refundable(true), 3_000);
        assert_eq!(standing.refundable(false), 7_000);
        let spent = RefundStanding {
            refunded: 9_500,
            ..standing
        };
        assert_eq!(spent.refundable(true), 500);
    }
}
