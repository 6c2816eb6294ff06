//! Orders as couriers see them: the parcels handed to them, where each goes with the contact
//! phone, and what is in it; never prices, payments or the lines of other parcels.

use super::model::{Order, OrderEvent, Shipment};
use super::store::{DeliveryLine, DeliveryRow};
use super::{OrderError, Orders};
use crate::domain::{Caller, OrderStatus, Page, Paged};
use serde::Serialize;
use std::collections::HashMap;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// What is in a parcel: a line without its price.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub(crate) struct ParcelItem {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub qty: i64,
}

/// A shipment handed to the courier reading it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Delivery {
    pub order_id: Uuid,
    pub seller_id: Uuid,
    /// `shipped`, `out_for_delivery` or `delivered`.
    pub status: OrderStatus,
    pub tracking_number: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub shipped_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
    /// Where it goes, with the contact phone.
    #[schema(value_type = Object)]
    pub shipping_address: serde_json::Value,
    pub items: Vec<ParcelItem>,
}

/// An order as a courier carrying some of it sees it. (`deny_unknown_fields` closes the schema,
/// so the other views never also read as this one in `OrderView`'s `oneOf`.)
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CourierOrder {
    pub id: Uuid,
    pub status: OrderStatus,
    /// Where to deliver, with the contact phone.
    #[schema(value_type = Object)]
    pub shipping_address: serde_json::Value,
    /// What is in the courier's parcels.
    pub parcel_items: Vec<ParcelItem>,
    /// The courier's own shipments.
    pub deliveries: Vec<Shipment>,
    /// The timeline; who made a change, and their note, are shown only for the courier's own
    /// changes.
    pub events: Vec<OrderEvent>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl CourierOrder {
    /// `order` cut down to what `courier` may see.
    pub(crate) fn of(order: Order, courier: Uuid) -> Self {
        let deliveries: Vec<Shipment> = order
            .shipments
            .into_iter()
            .filter(|shipment| shipment.courier_id == Some(courier))
            .collect();
        let parcel_items = order
            .items
            .into_iter()
            .filter(|item| {
                deliveries
                    .iter()
                    .any(|shipment| shipment.seller_id == item.seller_id)
            })
            .map(|item| ParcelItem {
                product_id: item.product_id,
                sku: item.sku,
                name: item.name,
                qty: item.qty,
            })
            .collect();
        Self {
            id: order.id,
            status: order.status,
            shipping_address: order.shipping_address,
            parcel_items,
            deliveries,
            events: order
                .events
                .into_iter()
                .map(|event| {
                    let own = event.by == Some(courier);
                    OrderEvent {
                        by: event.by.filter(|_| own),
                        note: event.note.filter(|_| own),
                        ..event
                    }
                })
                .collect(),
            created_at: order.created_at,
        }
    }
}

impl Orders {
    /// The shipments handed to `courier`, open ones first (then the most recently shipped).
    pub(crate) async fn deliveries(
        &self,
        courier: Caller,
        page: Page,
    ) -> Result<Paged<Delivery>, OrderError> {
        let (rows, lines, total) = self.store.deliveries(courier.id, page).await?;
        let mut items: HashMap<(Uuid, Uuid), Vec<ParcelItem>> = HashMap::new();
        for line in lines {
            items
                .entry((line.order_id, line.seller_id))
                .or_default()
                .push(parcel_item(line));
        }
        let deliveries = rows
            .into_iter()
            .map(|row| {
                let items = items
                    .remove(&(row.order_id, row.seller_id))
                    .unwrap_or_default();
                delivery(row, items)
            })
            .collect();
        Ok(Paged::new(deliveries, page, total))
    }
}

fn parcel_item(line: DeliveryLine) -> ParcelItem {
    ParcelItem {
        product_id: line.product_id,
        sku: line.sku,
        name: line.name,
        qty: line.qty,
    }
}

fn delivery(row: DeliveryRow, items: Vec<ParcelItem>) -> Delivery {
    Delivery {
        order_id: row.order_id,
        seller_id: row.seller_id,
        status: row.status,
        tracking_number: row.tracking_number,
        shipped_at: row.shipped_at,
        delivered_at: row.delivered_at,
        shipping_address: row.shipping_address.0,
        items,
    }
}
