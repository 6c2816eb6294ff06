//! A new order with its lines, holds, first event and idempotency record.

use crate::orders::idempotency::IdempotencyKey;
use crate::orders::model::Order;
use crate::orders::store;
use bazaar_actors::inventory::HoldTicket;
use bazaar_actors::journal::{Applied, LedgerReason, StockChange};
use bazaar_actors::store::Connection;

/// A checkout to write: the order, its holds, and the outcome its Idempotency-Key replays.
pub(crate) struct CheckoutWork {
    pub order: Order,
    pub holds: Vec<HoldTicket>,
    /// The key and the JSON of the outcome it answers with.
    pub idempotency: Option<(IdempotencyKey, String)>,
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

/// Writes many checkouts at once. A checkout whose key another request (in the database or
/// earlier in this batch) already used is refused and writes nothing.
async fn write(
    checkouts: &[&CheckoutWork],
    connection: Connection<'_>,
) -> sqlx::Result<Vec<Applied>> {
    let accepted = store::write_checkouts(connection, checkouts).await?;
    Ok(checkouts
        .iter()
        .zip(accepted)
        .map(|(checkout, accepted)| {
            if accepted {
                checkout.held()
            } else {
                Applied::refused()
            }
        })
        .collect())
}
