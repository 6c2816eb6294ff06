//! Orders as their sellers see them: a seller of some lines of another customer's order sees
//! only their own lines and their share of the total, and the address to ship to without the
//! customer's phone; never the customer's id, payments, refunds or other sellers' lines.

use super::model::{Order, OrderEvent, OrderItem, Shipment};
use crate::domain::OrderStatus;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// An order as one of its sellers sees it. (`deny_unknown_fields` makes the schema closed, so a
/// whole `Order` never also reads as a `SellerOrder` in `OrderView`'s `oneOf`.)
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SellerOrder {
    pub id: Uuid,
    pub status: OrderStatus,
    pub currency: String,
    /// The seller's own lines.
    pub items: Vec<OrderItem>,
    /// The sum of the seller's own lines before discount and tax.
    pub subtotal_cents: i64,
    /// The discount on the seller's own lines.
    pub discount_cents: i64,
    /// The tax on the seller's own lines.
    pub tax_cents: i64,
    /// What the customer paid for the seller's own lines (shipping is the shop's).
    pub total_cents: i64,
    /// Where to ship, without the customer's phone.
    #[schema(value_type = Object)]
    pub shipping_address: serde_json::Value,
    pub shipping_method: String,
    /// The timeline; who made a change, and their note, are shown only for the seller's own
    /// changes.
    pub events: Vec<OrderEvent>,
    /// The seller's own shipment, once fulfilment started.
    pub shipments: Vec<Shipment>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl SellerOrder {
    /// `order` cut down to what `seller` may see, with their `lines`.
    pub(super) fn of(order: Order, seller: Uuid, lines: Vec<OrderItem>) -> Self {
        let mut address = order.shipping_address;
        if let Some(fields) = address.as_object_mut() {
            fields.remove("phone");
        }
        let events = order
            .events
            .into_iter()
            .map(|event| {
                let own = event.by == Some(seller);
                OrderEvent {
                    by: event.by.filter(|_| own),
                    note: event.note.filter(|_| own),
                    ..event
                }
            })
            .collect();
        Self {
            id: order.id,
            status: order.status,
            currency: order.currency,
            subtotal_cents: lines.iter().map(|line| line.line_total_cents).sum(),
            discount_cents: lines.iter().map(|line| line.discount_cents).sum(),
            tax_cents: lines.iter().map(|line| line.tax_cents).sum(),
            total_cents: lines.iter().map(OrderItem::charged_cents).sum(),
            items: lines,
            shipping_address: address,
            shipping_method: order.shipping_method,
            events,
            shipments: order
                .shipments
                .into_iter()
                .filter(|shipment| shipment.seller_id == seller)
                .collect(),
            created_at: order.created_at,
            updated_at: order.updated_at,
        }
    }
}
