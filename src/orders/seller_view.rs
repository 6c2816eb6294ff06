//! Orders as their sellers see them: a seller of some lines of another customer's order sees
//! only their own lines and their share of the total, and the address to ship to without the
//! customer's phone; never the customer's id, payments, refunds or other sellers' lines.

use super::model::{Order, OrderEvent, OrderItem};
use super::shipping::ShippingMethod;
use super::{OrderError, Orders};
use crate::domain::{Caller, OrderStatus, Page, Paged, Role};
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
    /// The sum of the seller's own lines.
    pub subtotal_cents: i64,
    /// Where to ship, without the customer's phone.
    #[schema(value_type = Object)]
    pub shipping_address: serde_json::Value,
    pub shipping_method: ShippingMethod,
    /// The timeline; who made a change is shown only for the seller's own changes.
    pub events: Vec<OrderEvent>,
    #[schema(value_type = Option<Object>)]
    pub shipment: Option<serde_json::Value>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl SellerOrder {
    /// `order` cut down to what `seller` may see, with their `lines`.
    fn of(order: Order, seller: Uuid, lines: Vec<OrderItem>) -> Self {
        let mut address = order.shipping_address;
        if let Some(fields) = address.as_object_mut() {
            fields.remove("phone");
        }
        let events = order
            .events
            .into_iter()
            .map(|event| OrderEvent {
                by: event.by.filter(|by| *by == seller),
                ..event
            })
            .collect();
        Self {
            id: order.id,
            status: order.status,
            currency: order.currency,
            subtotal_cents: lines.iter().map(|line| line.line_total_cents).sum(),
            items: lines,
            shipping_address: address,
            shipping_method: order.shipping_method,
            events,
            shipment: order.shipment,
            created_at: order.created_at,
            updated_at: order.updated_at,
        }
    }
}

/// An order as its reader may see it: whole for its customer and admins, else a seller's view.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum OrderView {
    Whole(Box<Order>),
    Seller(Box<SellerOrder>),
}

/// Whether `caller` reads `order` as one of its sellers rather than as its customer or an admin.
fn reads_as_seller(caller: Caller, order: &Order) -> bool {
    caller.role != Role::Admin && order.user_id != caller.id
}

impl Orders {
    /// Order `id` as `caller` may see it (404 if they may not).
    pub(crate) async fn order_view(
        &self,
        caller: Caller,
        id: Uuid,
    ) -> Result<OrderView, OrderError> {
        let order = self.order(caller, id).await?;
        if !reads_as_seller(caller, &order) {
            return Ok(OrderView::Whole(Box::new(order)));
        }
        let lines = order
            .items
            .iter()
            .filter(|line| line.seller_id == caller.id)
            .cloned()
            .collect();
        Ok(OrderView::Seller(Box::new(SellerOrder::of(
            order, caller.id, lines,
        ))))
    }

    /// The orders `caller` may see, newest first, each as they may see it. Whole orders come
    /// without their lines, timeline, payments and refunds; a seller's view of an order carries
    /// the seller's lines.
    pub(crate) async fn list_views(
        &self,
        caller: Caller,
        filter: &super::OrderFilter,
        page: Page,
    ) -> Result<Paged<OrderView>, OrderError> {
        let listed = self.list(caller, filter, page).await?;
        let sold: Vec<Uuid> = listed
            .items
            .iter()
            .filter(|order| reads_as_seller(caller, order))
            .map(|order| order.id)
            .collect();
        let mut lines = self.store.seller_lines(&sold, caller.id).await?;
        Ok(listed.map(|order| {
            if reads_as_seller(caller, &order) {
                let own = lines.remove(&order.id).unwrap_or_default();
                OrderView::Seller(Box::new(SellerOrder::of(order, caller.id, own)))
            } else {
                OrderView::Whole(Box::new(order))
            }
        }))
    }
}
