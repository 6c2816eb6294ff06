//! The journal units of orders: their statements and the stock changes they make.
//!
//! Each unit checks its own conditions in SQL (an order still pending, a hold still held) and, if
//! they do not hold, changes nothing and reports itself refused. Units that the caller needs to
//! learn from (which holds a payment committed, say) capture it for after the commit; `apply` may
//! run twice (batch, then alone), so the capture is overwritten, never appended.

use super::model::Order;
use super::{IdempotencyKey, Stored};
use bazaar_actors::inventory::HoldTicket;
use bazaar_actors::journal::{Applied, LedgerReason, StockChange, Work};
use futures_util::future::BoxFuture;
use sqlx::PgConnection;
use std::sync::{Mutex, PoisonError};
use uuid::Uuid;

/// A value a unit learns while it applies, read by its caller after the commit.
#[derive(Debug, Default)]
pub(super) struct Captured<T>(Mutex<Option<T>>);

impl<T: Clone> Captured<T> {
    fn set(&self, value: T) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(value);
    }

    pub(super) fn get(&self) -> Option<T> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A hold a unit changed.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub(super) struct ChangedHold {
    pub id: Uuid,
    pub product_id: Uuid,
    pub qty: i64,
}

/// A new order with its lines, holds, first event and idempotency record.
pub(super) struct CheckoutWork {
    pub order: Order,
    pub holds: Vec<HoldTicket>,
    pub idempotency: Option<(IdempotencyKey, Stored)>,
}

impl Work for CheckoutWork {
    fn apply<'c>(
        &'c self,
        connection: &'c mut PgConnection,
    ) -> BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move {
            if let Some((key, answer)) = &self.idempotency
                && !key.record(connection, answer).await?
            {
                // A concurrent request with the same key got there first.
                return Ok(Applied::refused());
            }
            let order = &self.order;
            let items = &order.items;
            sqlx::query(
                "WITH new_order AS (
                     INSERT INTO orders (id, user_id, status, currency, subtotal_cents,
                         discount_cents, shipping_cents, total_cents, shipping_address,
                         shipping_method, payment_due_at, created_at, updated_at)
                     VALUES ($1, $2, 'pending_payment', $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
                     RETURNING id),
                 lines AS (
                     INSERT INTO order_items (order_id, product_id, seller_id, sku, name,
                         unit_price_cents, qty, line_total_cents)
                     SELECT new_order.id, t.* FROM new_order, unnest($12::uuid[], $13::uuid[],
                         $14::text[], $15::text[], $16::bigint[], $17::bigint[], $18::bigint[]) AS t),
                 held AS (
                     INSERT INTO holds (id, order_id, product_id, qty, expires_at, state)
                     SELECT t.id, new_order.id, t.product_id, t.qty, $10, 'held'
                     FROM new_order, unnest($19::uuid[], $20::uuid[], $21::bigint[])
                         AS t (id, product_id, qty))
                 INSERT INTO order_events (order_id, status, actor_id, created_at)
                 SELECT id, 'pending_payment', $2, $11 FROM new_order",
            )
            .bind(order.id)
            .bind(order.user_id)
            .bind(&order.currency)
            .bind(order.subtotal_cents)
            .bind(order.discount_cents)
            .bind(order.shipping_cents)
            .bind(order.total_cents)
            .bind(&order.shipping_address)
            .bind(&order.shipping_method)
            .bind(order.payment_due_at)
            .bind(order.created_at)
            .bind(items.iter().map(|i| i.product_id).collect::<Vec<_>>())
            .bind(items.iter().map(|i| i.seller_id).collect::<Vec<_>>())
            .bind(items.iter().map(|i| i.sku.clone()).collect::<Vec<_>>())
            .bind(items.iter().map(|i| i.name.clone()).collect::<Vec<_>>())
            .bind(items.iter().map(|i| i.unit_price_cents).collect::<Vec<_>>())
            .bind(items.iter().map(|i| i.qty).collect::<Vec<_>>())
            .bind(items.iter().map(|i| i.line_total_cents).collect::<Vec<_>>())
            .bind(self.holds.iter().map(|h| h.hold).collect::<Vec<_>>())
            .bind(self.holds.iter().map(|h| h.product).collect::<Vec<_>>())
            .bind(self.holds.iter().map(|h| h.qty).collect::<Vec<_>>())
            .execute(connection)
            .await?;
            let stock = self
                .holds
                .iter()
                .map(|hold| StockChange {
                    product: hold.product,
                    reserved: hold.qty,
                    on_hand: 0,
                    reason: LedgerReason::Sale,
                    order: Some(order.id),
                })
                .collect();
            Ok(Applied::accepted(stock))
        })
    }
}

/// A successful charge: the order becomes paid and its held units are sold.
pub(super) struct PaymentWork {
    pub order: Uuid,
    pub payer: Uuid,
    pub payment: Uuid,
    pub amount_cents: i64,
    pub currency: String,
    pub gateway_ref: String,
    pub card_brand: &'static str,
    pub card_last4: String,
    /// When it happened (written explicitly so the answer stored for replays matches the rows).
    pub at: time::OffsetDateTime,
    pub idempotency: Option<(IdempotencyKey, Stored)>,
    /// The holds committed, for the inventory actors.
    pub committed: Captured<Vec<ChangedHold>>,
}

impl Work for PaymentWork {
    fn apply<'c>(
        &'c self,
        connection: &'c mut PgConnection,
    ) -> BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move {
            // Every data-modifying part runs; each is conditioned on the order still being
            // pending, due, and having holds to commit.
            let holds: Vec<ChangedHold> = sqlx::query_as(
                "WITH target AS (
                     SELECT id FROM orders
                     WHERE id = $1 AND status = 'pending_payment' AND payment_due_at > now()
                     FOR UPDATE),
                 committed AS (
                     UPDATE holds h SET state = 'committed', updated_at = now() FROM target
                     WHERE h.order_id = target.id AND h.state = 'held'
                     RETURNING h.id, h.product_id, h.qty),
                 paid AS (
                     UPDATE orders o SET status = 'paid', updated_at = $9 FROM target
                     WHERE o.id = target.id AND EXISTS (SELECT 1 FROM committed)
                     RETURNING o.id),
                 payment AS (
                     INSERT INTO payments (id, order_id, amount_cents, currency, method, status,
                         gateway_ref, card_brand, card_last4, created_at)
                     SELECT $2, id, $3, $4, 'card', 'succeeded', $5, $6, $7, $9 FROM paid),
                 event AS (
                     INSERT INTO order_events (order_id, status, actor_id, created_at)
                     SELECT id, 'paid', $8, $9 FROM paid)
                 SELECT id, product_id, qty FROM committed",
            )
            .bind(self.order)
            .bind(self.payment)
            .bind(self.amount_cents)
            .bind(&self.currency)
            .bind(&self.gateway_ref)
            .bind(self.card_brand)
            .bind(&self.card_last4)
            .bind(self.payer)
            .bind(self.at)
            .fetch_all(&mut *connection)
            .await?;
            self.committed.set(holds.clone());
            if holds.is_empty() {
                return Ok(Applied::refused());
            }
            if let Some((key, answer)) = &self.idempotency {
                key.record(connection, answer).await?;
            }
            let stock = holds
                .iter()
                .map(|hold| StockChange {
                    product: hold.product_id,
                    reserved: -hold.qty,
                    on_hand: -hold.qty,
                    reason: LedgerReason::Sale,
                    order: Some(self.order),
                })
                .collect();
            Ok(Applied::accepted(stock))
        })
    }
}

/// Cancels an order: a pending one gives its holds back; a paid one returns its units to stock
/// and records the refund of what was paid.
pub(super) struct CancelWork {
    pub order: Uuid,
    pub by: Uuid,
    /// The holds released or units returned, for the inventory actors.
    pub changed: Captured<(bool, Vec<ChangedHold>)>,
    /// The succeeded payment refunded, if the order was paid: (payment id, amount, gateway ref).
    pub refunded: Captured<Option<(Uuid, i64, Option<String>)>>,
}

/// Statuses a customer may still cancel from.
pub(super) const CANCELLABLE: [&str; 3] = ["pending_payment", "paid", "processing"];

impl Work for CancelWork {
    fn apply<'c>(
        &'c self,
        connection: &'c mut PgConnection,
    ) -> BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move {
            let status: Option<String> =
                sqlx::query_scalar("SELECT status FROM orders WHERE id = $1 FOR UPDATE")
                    .bind(self.order)
                    .fetch_optional(&mut *connection)
                    .await?;
            let paid = match status.as_deref() {
                Some("pending_payment") => false,
                Some("paid" | "processing") => true,
                _ => return Ok(Applied::refused()),
            };
            let (from, to) = if paid {
                ("committed", "committed")
            } else {
                ("held", "released")
            };
            let holds: Vec<ChangedHold> = sqlx::query_as(
                "UPDATE holds SET state = $3, updated_at = now()
                 WHERE order_id = $1 AND state = $2 RETURNING id, product_id, qty",
            )
            .bind(self.order)
            .bind(from)
            .bind(to)
            .fetch_all(&mut *connection)
            .await?;
            let refund: Option<(Uuid, i64, Option<String>)> = if paid {
                sqlx::query_as(
                    "SELECT id, amount_cents, gateway_ref FROM payments
                     WHERE order_id = $1 AND status = 'succeeded' ORDER BY created_at DESC LIMIT 1",
                )
                .bind(self.order)
                .fetch_optional(&mut *connection)
                .await?
            } else {
                None
            };
            if let Some((payment, amount, _)) = &refund {
                sqlx::query(
                    "INSERT INTO refunds (id, order_id, payment_id, amount_cents, reason, restocked)
                     VALUES ($1, $2, $3, $4, 'order cancelled', true)",
                )
                .bind(Uuid::now_v7())
                .bind(self.order)
                .bind(payment)
                .bind(amount)
                .execute(&mut *connection)
                .await?;
            }
            sqlx::query(
                "WITH cancelled AS (
                     UPDATE orders SET status = 'cancelled', updated_at = now() WHERE id = $1
                     RETURNING id)
                 INSERT INTO order_events (order_id, status, actor_id) SELECT id, 'cancelled', $2
                 FROM cancelled",
            )
            .bind(self.order)
            .bind(self.by)
            .execute(&mut *connection)
            .await?;
            self.changed.set((paid, holds.clone()));
            self.refunded.set(refund);
            let stock = holds
                .iter()
                .map(|hold| StockChange {
                    product: hold.product_id,
                    reserved: if paid { 0 } else { -hold.qty },
                    on_hand: if paid { hold.qty } else { 0 },
                    reason: LedgerReason::Return,
                    order: Some(self.order),
                })
                .collect();
            Ok(Applied::accepted(stock))
        })
    }
}

/// One hold whose time ran out: released if still held, and its order expired if still pending.
pub(super) struct ExpireWork {
    pub hold: HoldTicket,
}

impl Work for ExpireWork {
    fn apply<'c>(
        &'c self,
        connection: &'c mut PgConnection,
    ) -> BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move {
            let released: Option<i64> = sqlx::query_scalar(
                "UPDATE holds SET state = 'released', updated_at = now()
                 WHERE id = $1 AND state = 'held' RETURNING qty",
            )
            .bind(self.hold.hold)
            .fetch_optional(&mut *connection)
            .await?;
            let Some(qty) = released else {
                return Ok(Applied::refused());
            };
            sqlx::query(
                "WITH expired AS (
                     UPDATE orders SET status = 'expired', updated_at = now()
                     WHERE id = $1 AND status = 'pending_payment' RETURNING id)
                 INSERT INTO order_events (order_id, status, note)
                 SELECT id, 'expired', 'not paid in time' FROM expired",
            )
            .bind(self.hold.order)
            .execute(connection)
            .await?;
            Ok(Applied::accepted(vec![StockChange {
                product: self.hold.product,
                reserved: -qty,
                on_hand: 0,
                reason: LedgerReason::Return,
                order: Some(self.hold.order),
            }]))
        })
    }
}
