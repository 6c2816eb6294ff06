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
    Cancelled, ChangedHold, CheckoutWork, FulfilmentState, PaidWith, PaymentRefusal, PaymentWork,
    RefundStanding, ShipmentRow,
};
use crate::coupons;
use crate::db::Database;
use crate::domain::{Caller, OrderStatus, Page, Paged};
use crate::orders::model::PaymentStatus;
use crate::payments::{Card, DeclineCode};
use crate::wallet;
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

/// A refund to write `pending`.
pub(crate) struct NewRefund<'a> {
    pub id: Uuid,
    pub order: Uuid,
    pub amount: i64,
    pub reason: &'a str,
    /// The seller whose share it comes from (none: an admin's refund).
    pub seller: Option<Uuid>,
    pub by: Uuid,
    pub at: time::OffsetDateTime,
}

/// A refund the gateway made, to record with the order's new status and its timeline entry.
pub(crate) struct Settled<'a> {
    pub refund: Uuid,
    pub order: Uuid,
    pub restocked: bool,
    pub by: Uuid,
    pub note: &'a str,
    pub at: time::OffsetDateTime,
}

/// A line of an order as a return reads it: how many units were bought and are already in a
/// return, and when the seller's shipment was delivered.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ReturnableLine {
    pub product_id: Uuid,
    pub seller_id: Uuid,
    pub qty: i64,
    pub delivered_at: Option<time::OffsetDateTime>,
    pub returned: i64,
}

/// A return to write, with its lines.
pub(crate) struct NewReturn<'a> {
    pub id: Uuid,
    pub order: Uuid,
    pub customer: Uuid,
    pub seller: Uuid,
    pub reason: &'a str,
    pub lines: &'a [(Uuid, i64)],
    pub at: time::OffsetDateTime,
}

/// A return as stored, with its lines and their prices.
pub(crate) type ReturnRow = super::model::Return;

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

    /// How many payment attempts of `order` were declined, and how many were recorded in all
    /// (declined, or charged and given back).
    pub(crate) async fn payment_attempts(&self, order: Uuid) -> sqlx::Result<(i64, i64)> {
        by_backend!(pool &self.db => payment_attempts(order))
    }

    pub(crate) async fn order_exists(&self, id: Uuid) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => order_exists(id))
    }

    pub(crate) async fn payment_exists(&self, id: Uuid) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => payment_exists(id))
    }

    /// Whether a succeeded payment of `order` is the gateway's charge `reference`.
    pub(crate) async fn paid_with_reference(
        &self,
        order: Uuid,
        reference: &str,
    ) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => paid_with_reference(order, reference))
    }

    /// Whether the gateway's charge `reference` was given back after it failed to pay.
    pub(crate) async fn charge_returned(&self, reference: &str) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => charge_returned(reference))
    }

    /// Records that the gateway's event `id` was handled; false if it already was.
    pub(crate) async fn record_gateway_event(&self, id: &str, kind: &str) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => record_gateway_event(id, kind))
    }

    /// Whether the gateway's event `id` was handled.
    pub(crate) async fn gateway_event_seen(&self, id: &str) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => gateway_event_seen(id))
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

    /// The returns opened on `order`, oldest first, with their lines (an order has a return per
    /// seller and request: a few at most, each read as `return_row` reads one).
    pub(crate) async fn order_returns(&self, order: Uuid) -> sqlx::Result<Vec<ReturnRow>> {
        let ids: Vec<Uuid> = by_backend!(pool &self.db => return_ids(order))?;
        let mut returns = Vec::with_capacity(ids.len());
        for id in ids {
            returns.extend(self.return_row(id).await?);
        }
        Ok(returns)
    }

    /// Return `id` with its lines.
    pub(crate) async fn return_row(&self, id: Uuid) -> sqlx::Result<Option<ReturnRow>> {
        by_backend!(pool &self.db => return_row(id))
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

/// Writes one payment that redeems a coupon or debits a wallet, inside a savepoint: the payment
/// first (which locks the order and checks it is payable), then the redemption (which locks the
/// coupon), then the debit (which locks the wallet). If the coupon or the wallet refuses, the
/// savepoint is rolled back and nothing of the payment stays; if the order was no longer
/// payable, nothing was written and no holds come back.
pub(crate) async fn write_payment_alone(
    mut connection: Connection<'_>,
    payment: &PaymentWork,
) -> sqlx::Result<Result<Vec<ChangedHold>, PaymentRefusal>> {
    execute(connection.reborrow(), "SAVEPOINT payment_alone").await?;
    let holds = write_payments(connection.reborrow(), &[payment])
        .await?
        .pop()
        .unwrap_or_default();
    let refusal = if holds.is_empty() {
        None
    } else if let Some(Err(refusal)) = match &payment.coupon {
        Some(redemption) => Some(coupons::redeem(connection.reborrow(), redemption).await?),
        None => None,
    } {
        Some(PaymentRefusal::Coupon(refusal))
    } else if matches!(payment.paid_with, PaidWith::Wallet)
        && payment.amount_cents > 0
        && !wallet::debit(
            connection.reborrow(),
            payment.payer,
            payment.amount_cents,
            payment.order,
            payment.at,
        )
        .await?
    {
        Some(PaymentRefusal::InsufficientFunds)
    } else {
        None
    };
    if let Some(refusal) = refusal {
        execute(connection.reborrow(), "ROLLBACK TO SAVEPOINT payment_alone").await?;
        execute(connection, "RELEASE SAVEPOINT payment_alone").await?;
        return Ok(Err(refusal));
    }
    execute(connection, "RELEASE SAVEPOINT payment_alone").await?;
    Ok(Ok(holds))
}

/// Runs one statement without parameters (the same SQL on every backend).
async fn execute(connection: Connection<'_>, statement: &'static str) -> sqlx::Result<()> {
    match connection {
        Connection::Postgres(connection) => {
            sqlx::query(statement).execute(connection).await.map(drop)
        }
        Connection::Sqlite(connection) => {
            sqlx::query(statement).execute(connection).await.map(drop)
        }
    }
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

/// Order `order`'s status, its row locked (on PostgreSQL; on the embedded database the journal's
/// transaction is the only writer).
pub(crate) async fn lock_order_status(
    connection: Connection<'_>,
    order: Uuid,
) -> sqlx::Result<Option<OrderStatus>> {
    by_backend!(connection connection => lock_order_status(order))
}

/// What was paid for `order` and refunded of it, and `seller`'s share and refunds.
pub(crate) async fn refund_standing(
    connection: Connection<'_>,
    order: Uuid,
    seller: Option<Uuid>,
) -> sqlx::Result<RefundStanding> {
    by_backend!(connection connection => refund_standing(order, seller))
}

/// Records `outcome` for `key`; false if the key already has a record.
pub(crate) async fn claim_key(
    connection: Connection<'_>,
    key: &IdempotencyKey,
    outcome: &str,
) -> sqlx::Result<bool> {
    by_backend!(connection connection => insert_outcome(key, outcome))
}

/// The units of `order`'s lines (of `seller`'s only, if given) not yet given back to stock.
pub(crate) async fn units_to_restock(
    connection: Connection<'_>,
    order: Uuid,
    seller: Option<Uuid>,
) -> sqlx::Result<Vec<(Uuid, i64)>> {
    by_backend!(connection connection => units_to_restock(order, seller))
}

/// Writes a refund `pending`, against the order's latest succeeded payment; that payment's
/// gateway reference.
pub(crate) async fn insert_refund(
    connection: Connection<'_>,
    refund: &NewRefund<'_>,
) -> sqlx::Result<Option<String>> {
    by_backend!(connection connection => insert_refund(refund))
}

/// Marks a refund failed; the return it approved is `requested` again.
pub(crate) async fn fail_refund(
    connection: Connection<'_>,
    refund: Uuid,
    approved_return: Option<Uuid>,
) -> sqlx::Result<()> {
    by_backend!(connection connection => fail_refund(refund, approved_return))
}

/// Counts `units` of `order`'s lines as given back to stock.
pub(crate) async fn restock_lines(
    connection: Connection<'_>,
    order: Uuid,
    units: &[(Uuid, i64)],
) -> sqlx::Result<()> {
    by_backend!(connection connection => restock_lines(order, units))
}

/// Marks a refund succeeded; the order becomes `refunded` or `partially_refunded`, on its
/// timeline.
pub(crate) async fn settle_refund(
    connection: Connection<'_>,
    settled: &Settled<'_>,
) -> sqlx::Result<()> {
    by_backend!(connection connection => settle_refund(settled))
}

/// Return `id`'s order and status.
pub(crate) async fn return_status(
    connection: Connection<'_>,
    id: Uuid,
) -> sqlx::Result<Option<(Uuid, super::model::ReturnStatus)>> {
    by_backend!(connection connection => return_status(id))
}

/// Approves return `id` with `refund` (found still requested under the order's lock).
pub(crate) async fn approve_return(
    connection: Connection<'_>,
    id: Uuid,
    refund: Uuid,
    by: Uuid,
    at: time::OffsetDateTime,
) -> sqlx::Result<()> {
    by_backend!(connection connection => approve_return(id, refund, by, at))
}

/// Rejects return `id` if it is still requested, on its order's timeline; the order, if it was.
pub(crate) async fn reject_return(
    connection: Connection<'_>,
    id: Uuid,
    by: Uuid,
    note: Option<&str>,
    at: time::OffsetDateTime,
) -> sqlx::Result<Option<Uuid>> {
    by_backend!(connection connection => reject_return(id, by, note, at))
}

/// `order`'s lines as a return reads them.
pub(crate) async fn returnable_lines(
    connection: Connection<'_>,
    order: Uuid,
) -> sqlx::Result<Vec<ReturnableLine>> {
    by_backend!(connection connection => returnable_lines(order))
}

/// Writes a return and its lines, on its order's timeline.
pub(crate) async fn insert_return(
    connection: Connection<'_>,
    new: &NewReturn<'_>,
) -> sqlx::Result<()> {
    by_backend!(connection connection => insert_return(new))
}
