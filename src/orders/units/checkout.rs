//! A new order with its lines, holds, first event and idempotency record, if the shop's rules
//! allow it.
//!
//! The rules are checked here, in the journal's transaction, against what the database holds:
//! a customer has at most `max_unpaid_orders` orders pending payment, and never more units of a
//! product than its `max_per_customer`, counting what they hold unpaid. The orders pending
//! payment are counted in `unpaid_orders`, which triggers on `orders` keep: that count costs the
//! same for a customer's first order and their thousandth. (The units a customer has of a limited
//! product are still summed over their orders.) The checks in memory before
//! stock is reserved only spare work; these are the ones that hold when several processes take
//! one customer's checkouts at once (on PostgreSQL the unit locks the customers' rows first).

use super::AfterCommit;
use crate::orders::idempotency::IdempotencyKey;
use crate::orders::model::Order;
use crate::orders::store::{self, Standing};
use bazaar_actors::inventory::HoldTicket;
use bazaar_actors::journal::{Applied, LedgerReason, StockChange};
use bazaar_actors::store::Connection;
use uuid::Uuid;

/// A checkout to write: the order, its holds, and the outcome its Idempotency-Key replays.
pub(crate) struct CheckoutWork {
    pub order: Order,
    /// Where the checkout came from (kept for a drop's bot signals, never shown to clients).
    pub client_address: Option<String>,
    pub holds: Vec<HoldTicket>,
    /// The key and the JSON of the outcome it answers with.
    pub idempotency: Option<(IdempotencyKey, String)>,
    /// The most orders pending payment a customer may have, this one included.
    pub max_unpaid_orders: i64,
    /// Which rule refused the checkout, if one did.
    pub refusal: AfterCommit<Option<CheckoutRefusal>>,
}

/// A rule of the shop that a checkout broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CheckoutRefusal {
    /// The customer already has `limit` orders pending payment.
    TooManyUnpaidOrders { limit: i64 },
    /// The customer would hold or have bought more than `limit` units of `product`.
    LimitExceeded { product: Uuid, limit: i64 },
}

impl CheckoutWork {
    /// The holds it adds to `reserved`, once accepted.
    fn held(&self) -> Applied {
        let order = self.order.id;
        Applied::accepted(
            self.holds
                .iter()
                .map(|hold| StockChange {
                    product: hold.product,
                    reserved: hold.qty,
                    on_hand: 0,
                    reason: LedgerReason::Sale,
                    order: Some(order),
                })
                .collect(),
        )
    }
}

written_together!(CheckoutWork, write);

/// Writes many checkouts at once. A checkout that breaks a rule, or whose key another request (in
/// the database or earlier in this batch) already used, is refused and writes nothing.
async fn write(
    checkouts: &[&CheckoutWork],
    mut connection: Connection<'_>,
) -> sqlx::Result<Vec<Applied>> {
    let standing = store::checkout_standing(connection.reborrow(), checkouts).await?;
    let refusals = refusals(checkouts, standing);
    let allowed: Vec<&CheckoutWork> = checkouts
        .iter()
        .zip(&refusals)
        .filter(|(_, refusal)| refusal.is_none())
        .map(|(checkout, _)| *checkout)
        .collect();
    let mut accepted = store::write_checkouts(connection, &allowed)
        .await?
        .into_iter();
    Ok(checkouts
        .iter()
        .zip(refusals)
        .map(|(checkout, refusal)| {
            checkout.refusal.set(refusal);
            if refusal.is_none() && accepted.next() == Some(true) {
                checkout.held()
            } else {
                Applied::refused()
            }
        })
        .collect())
}

/// Each checkout's refusal by the rules, in batch order: what earlier checkouts of the batch take
/// counts against the later ones.
fn refusals(checkouts: &[&CheckoutWork], mut standing: Standing) -> Vec<Option<CheckoutRefusal>> {
    checkouts
        .iter()
        .map(|checkout| {
            let customer = checkout.order.user_id;
            let unpaid = standing.unpaid_orders.entry(customer).or_default();
            if *unpaid >= checkout.max_unpaid_orders {
                return Some(CheckoutRefusal::TooManyUnpaidOrders {
                    limit: checkout.max_unpaid_orders,
                });
            }
            let items = &checkout.order.items;
            for item in items {
                if let Some(&(limit, taken)) =
                    standing.limited_units.get(&(customer, item.product_id))
                    && taken + item.qty > limit
                {
                    return Some(CheckoutRefusal::LimitExceeded {
                        product: item.product_id,
                        limit,
                    });
                }
            }
            *unpaid += 1;
            for item in items {
                if let Some((_, taken)) =
                    standing.limited_units.get_mut(&(customer, item.product_id))
                {
                    *taken += item.qty;
                }
            }
            None
        })
        .collect()
}
