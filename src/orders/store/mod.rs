//! The orders' storage: orders with their lines, holds, timeline, payments, refunds and
//! idempotency records.
//!
//! Reads and the changes made outside the journal are [`OrderStore`] methods; the statements of
//! the journal units take the unit's connection. Each backend's statements live in its module
//! ([`postgres`]), reached through [`by_backend!`].

mod postgres;
mod sqlite;

use super::idempotency::IdempotencyKey;
use super::model::{Order, OrderFilter, OrderItem};
use super::units::{
    Cancelled, ChangedHold, CheckoutWork, FulfilmentState, PaymentWork, ShipmentRow,
};
use crate::db::Database;
use crate::domain::{Caller, OrderStatus, Page, Paged};
use crate::orders::model::PaymentStatus;
use crate::payments::{Card, DeclineCode};
use bazaar_actors::by_backend;
use bazaar_actors::inventory::HoldTicket;
use bazaar_actors::store::Connection;
use std::collections::HashMap;
use uuid::Uuid;

/// A payment attempt that did not pay its order.
pub(crate) struct UnpaidAttempt<'a> {
    pub order: &'a Order,
    pub card: &'a Card,
    pub status: PaymentStatus,
    pub reference: Option<&'a str>,
    pub decline: Option<DeclineCode>,
}

/// What releasing an expired hold changed.
pub(crate) struct ReleasedHold {
    pub qty: i64,
    /// The order it expired (still pending), with its customer and sellers.
    pub expired_order: Option<(Uuid, Vec<Uuid>)>,
}

/// An entry of an order's timeline, as a unit writes it.
pub(crate) struct TimelineEvent<'a> {
    pub status: OrderStatus,
    pub by: Option<Uuid>,
    pub note: Option<&'a str>,
    pub at: time::OffsetDateTime,
}

/// A shipment handed to a courier, with where it goes.
#[derive(sqlx::FromRow)]
pub(crate) struct DeliveryRow {
    pub order_id: Uuid,
    pub seller_id: Uuid,
    pub status: OrderStatus,
    pub tracking_number: Option<String>,
    pub shipped_at: Option<time::OffsetDateTime>,
    pub delivered_at: Option<time::OffsetDateTime>,
    pub shipping_address: sqlx::types::Json<serde_json::Value>,
}

/// A line of a delivery: what is in the parcel, without its price.
#[derive(sqlx::FromRow)]
pub(crate) struct DeliveryLine {
    pub order_id: Uuid,
    pub seller_id: Uuid,
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub qty: i64,
}

/// The orders' tables.
#[derive(Clone)]
pub(crate) struct OrderStore {
    db: Database,
}

impl OrderStore {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    /// Order `id` with all its details.
    pub(crate) async fn order(&self, id: Uuid) -> sqlx::Result<Option<Order>> {
        by_backend!(pool &self.db => order(id))
    }

    /// Order `id` with all its details, if `reader` may see it.
    pub(crate) async fn visible_order(
        &self,
        reader: Caller,
        id: Uuid,
    ) -> sqlx::Result<Option<Order>> {
        by_backend!(pool &self.db => visible_order(reader, id))
    }

    /// The orders `reader` may see, newest first, without their details.
    pub(crate) async fn list_orders(
        &self,
        reader: Caller,
        filter: &OrderFilter,
        page: Page,
    ) -> sqlx::Result<Paged<Order>> {
        by_backend!(pool &self.db => list_orders(reader, filter, page))
    }

    /// The lines of `seller` in each of `orders`.
    pub(crate) async fn seller_lines(
        &self,
        orders: &[Uuid],
        seller: Uuid,
    ) -> sqlx::Result<HashMap<Uuid, Vec<OrderItem>>> {
        if orders.is_empty() {
            return Ok(HashMap::new());
        }
        let lines: Vec<(Uuid, OrderItem)> =
            by_backend!(pool &self.db => seller_lines(orders, seller))?;
        let mut by_order: HashMap<Uuid, Vec<OrderItem>> = HashMap::new();
        for (order, line) in lines {
            by_order.entry(order).or_default().push(line);
        }
        Ok(by_order)
    }

    /// Units of `product` in `customer`'s orders that count toward its per-customer limit.
    pub(crate) async fn units_toward_limit(
        &self,
        customer: Uuid,
        product: Uuid,
    ) -> sqlx::Result<i64> {
        by_backend!(pool &self.db => units_toward_limit(customer, product))
    }

    pub(crate) async fn record_unpaid_attempt(
        &self,
        attempt: UnpaidAttempt<'_>,
    ) -> sqlx::Result<()> {
        by_backend!(pool &self.db => record_unpaid_attempt(attempt))
    }

    /// How many payments of `order` were declined.
    pub(crate) async fn declined_payments(&self, order: Uuid) -> sqlx::Result<i64> {
        by_backend!(pool &self.db => declined_payments(order))
    }

    pub(crate) async fn order_exists(&self, id: Uuid) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => order_exists(id))
    }

    pub(crate) async fn payment_exists(&self, id: Uuid) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => payment_exists(id))
    }

    /// A page of the shipments handed to `courier`, open ones first, with their lines; and how
    /// many they have in all.
    pub(crate) async fn deliveries(
        &self,
        courier: Uuid,
        page: Page,
    ) -> sqlx::Result<(Vec<DeliveryRow>, Vec<DeliveryLine>, i64)> {
        by_backend!(pool &self.db => deliveries(courier, page))
    }

    /// The request hash and outcome recorded for `key`.
    pub(crate) async fn idempotency_record(
        &self,
        key: &IdempotencyKey,
    ) -> sqlx::Result<Option<(Vec<u8>, serde_json::Value)>> {
        by_backend!(pool &self.db => idempotency_record(key))
    }

    /// Records `outcome` for `key` unless it has one.
    pub(crate) async fn record_outcome(
        &self,
        key: &IdempotencyKey,
        outcome: &str,
    ) -> sqlx::Result<()> {
        by_backend!(pool &self.db => record_outcome(key, outcome))
    }

    /// Replaces the outcome recorded for `key` (a checkout whose payment was declined).
    pub(crate) async fn replace_outcome(
        &self,
        key: &IdempotencyKey,
        outcome: &str,
    ) -> sqlx::Result<()> {
        by_backend!(pool &self.db => replace_outcome(key, outcome))
    }

    /// Releases every hold that expired while no server was running and expires its order, in
    /// one transaction; the units released.
    pub(crate) async fn release_expired_holds(&self) -> sqlx::Result<ReleasedAtStart> {
        by_backend!(pool &self.db => release_expired_holds())
    }

    /// The products with holds still held.
    pub(crate) async fn products_with_open_holds(&self) -> sqlx::Result<Vec<Uuid>> {
        by_backend!(pool &self.db => products_with_open_holds())
    }
}

/// What the start-up sweep of expired holds released.
pub(crate) struct ReleasedAtStart {
    pub units: i64,
    pub products: usize,
}

/// What the customers of a batch of checkouts already have, as the rules count it.
#[derive(Debug, Default)]
pub(crate) struct Standing {
    /// Orders pending payment, by customer.
    pub unpaid_orders: HashMap<Uuid, i64>,
    /// For each customer and product with a per-customer limit among the checkouts' lines: the
    /// limit, and the units the customer holds unpaid or has bought.
    pub limited_units: HashMap<(Uuid, Uuid), (i64, i64)>,
}

/// The standing of the checkouts' customers, read inside the unit's transaction (on PostgreSQL
/// after locking the customers' rows, so another process's checkouts for them wait).
pub(crate) async fn checkout_standing(
    connection: Connection<'_>,
    checkouts: &[&CheckoutWork],
) -> sqlx::Result<Standing> {
    let mut customers: Vec<Uuid> = checkouts.iter().map(|c| c.order.user_id).collect();
    customers.sort_unstable();
    customers.dedup();
    let mut lines: Vec<(Uuid, Uuid)> = checkouts
        .iter()
        .flat_map(|c| {
            c.order
                .items
                .iter()
                .map(|item| (c.order.user_id, item.product_id))
        })
        .collect();
    lines.sort_unstable();
    lines.dedup();
    by_backend!(connection connection => checkout_standing(&customers, &lines))
}

/// Writes checkouts (with their idempotency records); which of them were accepted.
pub(crate) async fn write_checkouts(
    connection: Connection<'_>,
    checkouts: &[&CheckoutWork],
) -> sqlx::Result<Vec<bool>> {
    by_backend!(connection connection => write_checkouts(checkouts))
}

/// For each payment (of distinct orders): marks its order paid, records the payment, commits its
/// holds and records its idempotency outcome, if the order is still pending and due; the holds
/// each committed (none: refused), in order.
pub(crate) async fn write_payments(
    connection: Connection<'_>,
    payments: &[&PaymentWork],
) -> sqlx::Result<Vec<Vec<ChangedHold>>> {
    if payments.is_empty() {
        return Ok(Vec::new());
    }
    by_backend!(connection connection => write_payments(payments))
}

/// Cancels the order if it may still be cancelled.
pub(crate) async fn write_cancellation(
    connection: Connection<'_>,
    order: Uuid,
    by: Uuid,
) -> sqlx::Result<Option<Cancelled>> {
    by_backend!(connection connection => write_cancellation(order, by))
}

/// Releases the hold if still held, expiring its order if still pending.
pub(crate) async fn write_expiry(
    connection: Connection<'_>,
    hold: &HoldTicket,
) -> sqlx::Result<Option<ReleasedHold>> {
    by_backend!(connection connection => write_expiry(hold))
}

/// Order `order`'s status and shipments, its row locked; for an order whose fulfilment has not
/// started, one shipment per seller of its lines, at `paid` and not yet stored.
pub(crate) async fn fulfilment_state(
    mut connection: Connection<'_>,
    order: Uuid,
) -> sqlx::Result<Option<FulfilmentState>> {
    let status = by_backend!(connection connection.reborrow() => lock_order_status(order))?;
    let Some(status) = status else {
        return Ok(None);
    };
    let shipments = by_backend!(connection connection.reborrow() => stored_shipments(order))?;
    if !shipments.is_empty() {
        return Ok(Some(FulfilmentState {
            status,
            shipments,
            stored: true,
        }));
    }
    let sellers = by_backend!(connection connection => order_sellers(order))?;
    Ok(Some(FulfilmentState {
        status,
        shipments: sellers
            .into_iter()
            .map(|seller| ShipmentRow {
                seller,
                status: OrderStatus::Paid,
                courier: None,
                tracking_number: None,
                shipped_at: None,
                delivered_at: None,
            })
            .collect(),
        stored: false,
    }))
}

/// Whether `user` is a courier whose account is active.
pub(crate) async fn is_active_courier(
    connection: Connection<'_>,
    user: Uuid,
) -> sqlx::Result<bool> {
    by_backend!(connection connection => is_active_courier(user))
}

/// Writes `shipments` (new or moved), the timeline `event`, and the order's new status if it
/// changed.
pub(crate) async fn write_fulfilment(
    connection: Connection<'_>,
    order: Uuid,
    shipments: &[&ShipmentRow],
    event: &TimelineEvent<'_>,
    order_status: Option<OrderStatus>,
) -> sqlx::Result<()> {
    by_backend!(connection connection => write_fulfilment(order, shipments, event, order_status))
}
