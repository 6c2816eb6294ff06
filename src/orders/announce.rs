//! Telling the live hub that an order changed: its customer and the sellers of its lines see it.

use super::model::Order;
use bazaar_actors::hub::{Event, Hub};

/// Publishes `order`'s current status to its customer and sellers.
pub(crate) fn announce(hub: &Hub, order: &Order) {
    hub.publish(Event::Order {
        order: order.id,
        status: order.status.as_str().to_owned(),
        customer: order.user_id,
        sellers: order.sellers(),
    });
}
