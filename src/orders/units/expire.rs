//! One hold whose time ran out: released if still held, and its order expired if still pending
//! (announced to its customer and sellers once committed).

use super::AfterCommit;
use crate::domain::OrderStatus;
use crate::orders::store;
use bazaar_actors::hub::{Event, Hub};
use bazaar_actors::inventory::HoldTicket;
use bazaar_actors::journal::{Applied, LedgerReason, StockChange, Work};
use bazaar_actors::store::Connection;
use futures_util::future::BoxFuture;
use uuid::Uuid;

/// An expiry to write.
pub(crate) struct ExpireWork {
    pub hold: HoldTicket,
    pub hub: Hub,
    /// The order it expired, with its customer and sellers.
    pub expired: AfterCommit<Option<(Uuid, Vec<Uuid>)>>,
}

impl Work for ExpireWork {
    fn apply<'c>(&'c self, connection: Connection<'c>) -> BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move {
            let Some(released) = store::write_expiry(connection, &self.hold).await? else {
                return Ok(Applied::refused());
            };
            self.expired.set(released.expired_order);
            Ok(Applied::accepted(vec![StockChange {
                product: self.hold.product,
                reserved: -released.qty,
                on_hand: 0,
                reason: LedgerReason::Return,
                order: Some(self.hold.order),
            }]))
        })
    }

    fn committed(&self) {
        if let Some(Some((customer, sellers))) = self.expired.get() {
            self.hub.publish(Event::Order {
                order: self.hold.order,
                status: OrderStatus::Expired.as_str().to_owned(),
                customer,
                sellers,
                // An unpaid order has no shipments.
                couriers: Vec::new(),
                shipments: Vec::new(),
            });
        }
    }
}
