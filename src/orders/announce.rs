//! Telling the live hub that an order changed: its customer, the sellers of its lines and the
//! couriers of its shipments see it.

use super::model::Order;
use bazaar_actors::hub::{Event, Hub, ShipmentStep};
use uuid::Uuid;

/// Publishes `order`'s current status.
pub(crate) fn announce(hub: &Hub, order: &Order) {
    announce_moved(hub, order, &[]);
}

/// Publishes `order`'s current status, with the shipments of the sellers in `moved`, which a
/// fulfilment step just moved.
pub(crate) fn announce_moved(hub: &Hub, order: &Order, moved: &[Uuid]) {
    let mut couriers: Vec<Uuid> = order
        .shipments
        .iter()
        .filter_map(|shipment| shipment.courier_id)
        .collect();
    couriers.sort_unstable();
    couriers.dedup();
    hub.publish(Event::Order {
        order: order.id,
        status: order.status.as_str().to_owned(),
        customer: order.user_id,
        sellers: order.sellers(),
        couriers,
        shipments: order
            .shipments
            .iter()
            .filter(|shipment| moved.contains(&shipment.seller_id))
            .map(|shipment| ShipmentStep {
                seller: shipment.seller_id,
                status: shipment.status.as_str().to_owned(),
                courier: shipment.courier_id,
                tracking_number: shipment.tracking_number.clone(),
            })
            .collect(),
    });
}
