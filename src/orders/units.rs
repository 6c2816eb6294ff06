//! The journal units of orders: their statements and the stock changes they make.
//!
//! Each unit checks its own conditions in SQL (an order still pending, a hold still held) and, if
//! they do not hold, changes nothing and reports itself refused. Units that the caller needs to
//! learn from (which holds a payment committed, say) capture it for after the commit; `apply` may
//! run twice (batch, then alone), so the capture is overwritten, never appended.

use super::model::Order;
use super::pay::AnswerTo;
use super::{IdempotencyKey, Stored};
use bazaar_actors::inventory::HoldTicket;
use bazaar_actors::journal::{Applied, Batchable, LedgerReason, StockChange, Work};
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
            let mut applied = write_checkouts(&[self], connection).await?;
            Ok(applied.pop().unwrap_or_default())
        })
    }

    fn batchable(&self) -> Option<&dyn Batchable> {
        Some(self)
    }
}

impl Batchable for CheckoutWork {
    fn apply_together<'c>(
        &'c self,
        units: &'c [&'c dyn Batchable],
        connection: &'c mut PgConnection,
    ) -> BoxFuture<'c, sqlx::Result<Vec<Applied>>> {
        Box::pin(async move {
            let checkouts: Vec<&CheckoutWork> = units
                .iter()
                .filter_map(|unit| unit.as_any().downcast_ref::<CheckoutWork>())
                .collect();
            write_checkouts(&checkouts, connection).await
        })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Writes many checkouts with one statement for their idempotency records and one for their
/// orders, lines, holds and first events. A checkout whose key another request (in the database
/// or earlier in this batch) already used is refused and writes nothing.
async fn write_checkouts(
    checkouts: &[&CheckoutWork],
    connection: &mut PgConnection,
) -> sqlx::Result<Vec<Applied>> {
    let accepted = record_keys(checkouts, connection).await?;
    let orders: Vec<&CheckoutWork> = checkouts
        .iter()
        .zip(&accepted)
        .filter(|(_, accepted)| **accepted)
        .map(|(checkout, _)| *checkout)
        .collect();
    if !orders.is_empty() {
        insert_orders(&orders, connection).await?;
    }
    Ok(checkouts
        .iter()
        .zip(accepted)
        .map(|(checkout, accepted)| {
            if !accepted {
                return Applied::refused();
            }
            let order = checkout.order.id;
            Applied::accepted(
                checkout
                    .holds
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
        })
        .collect())
}

/// Stores the idempotency records of the checkouts that carry a key; which checkouts may go on.
async fn record_keys(
    checkouts: &[&CheckoutWork],
    connection: &mut PgConnection,
) -> sqlx::Result<Vec<bool>> {
    let mut accepted = vec![true; checkouts.len()];
    let mut seen = std::collections::HashSet::new();
    let mut keyed = Vec::new();
    for (index, checkout) in checkouts.iter().enumerate() {
        if let Some((key, answer)) = &checkout.idempotency {
            if seen.insert((key.user, key.scope.as_str(), key.key.as_str())) {
                keyed.push((index, key, answer));
            } else {
                // The same key twice in one batch: only the first may proceed.
                accepted[index] = false;
            }
        }
    }
    if keyed.is_empty() {
        return Ok(accepted);
    }
    let stored: Vec<(Uuid, String, String)> = sqlx::query_as(
        "INSERT INTO idempotency_keys (user_id, scope, key, request_hash, status_code, response)
         SELECT user_id, scope, key, request_hash, status_code, response::jsonb
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[], $5::int[], $6::text[])
             AS t (user_id, scope, key, request_hash, status_code, response)
         ON CONFLICT DO NOTHING
         RETURNING user_id, scope, key",
    )
    .bind(keyed.iter().map(|(_, key, _)| key.user).collect::<Vec<_>>())
    .bind(
        keyed
            .iter()
            .map(|(_, key, _)| key.scope.clone())
            .collect::<Vec<_>>(),
    )
    .bind(
        keyed
            .iter()
            .map(|(_, key, _)| key.key.clone())
            .collect::<Vec<_>>(),
    )
    .bind(
        keyed
            .iter()
            .map(|(_, key, _)| key.request_hash.clone())
            .collect::<Vec<_>>(),
    )
    .bind(
        keyed
            .iter()
            .map(|(_, _, answer)| i32::from(answer.status))
            .collect::<Vec<_>>(),
    )
    .bind(
        keyed
            .iter()
            .map(|(_, _, answer)| answer.body.to_string())
            .collect::<Vec<_>>(),
    )
    .fetch_all(&mut *connection)
    .await?;
    for (index, key, _) in &keyed {
        accepted[*index] = stored
            .iter()
            .any(|(user, scope, k)| *user == key.user && *scope == key.scope && *k == key.key);
    }
    Ok(accepted)
}

/// One statement for the orders, their lines, holds and first events.
async fn insert_orders(
    orders: &[&CheckoutWork],
    connection: &mut PgConnection,
) -> sqlx::Result<()> {
    let order = |f: fn(&Order) -> String| orders.iter().map(|c| f(&c.order)).collect::<Vec<_>>();
    let cents = |f: fn(&Order) -> i64| orders.iter().map(|c| f(&c.order)).collect::<Vec<_>>();
    let lines: Vec<(Uuid, &super::model::OrderItem)> = orders
        .iter()
        .flat_map(|c| c.order.items.iter().map(move |item| (c.order.id, item)))
        .collect();
    let holds: Vec<(Uuid, &HoldTicket, time::OffsetDateTime)> = orders
        .iter()
        .flat_map(|c| {
            c.holds
                .iter()
                .map(move |hold| (c.order.id, hold, c.order.payment_due_at))
        })
        .collect();
    sqlx::query(
        "WITH new_orders AS (
             INSERT INTO orders (id, user_id, status, currency, subtotal_cents, discount_cents,
                 shipping_cents, total_cents, shipping_address, shipping_method, payment_due_at,
                 created_at, updated_at)
             SELECT id, user_id, 'pending_payment', currency, subtotal, discount, shipping, total,
                 address::jsonb, method, due, created, created
             FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::bigint[],
                         $6::bigint[], $7::bigint[], $8::text[], $9::text[], $10::timestamptz[],
                         $11::timestamptz[])
                 AS t (id, user_id, currency, subtotal, discount, shipping, total, address,
                       method, due, created)),
         lines AS (
             INSERT INTO order_items (order_id, product_id, seller_id, sku, name,
                 unit_price_cents, qty, line_total_cents)
             SELECT * FROM unnest($12::uuid[], $13::uuid[], $14::uuid[], $15::text[], $16::text[],
                                  $17::bigint[], $18::bigint[], $19::bigint[])),
         held AS (
             INSERT INTO holds (id, order_id, product_id, qty, expires_at, state)
             SELECT id, order_id, product_id, qty, expires_at, 'held'
             FROM unnest($20::uuid[], $21::uuid[], $22::uuid[], $23::bigint[], $24::timestamptz[])
                 AS t (id, order_id, product_id, qty, expires_at))
         INSERT INTO order_events (order_id, status, actor_id, created_at)
         SELECT order_id, 'pending_payment', actor_id, created_at
         FROM unnest($1::uuid[], $2::uuid[], $11::timestamptz[]) AS t (order_id, actor_id, created_at)",
    )
    .bind(orders.iter().map(|c| c.order.id).collect::<Vec<_>>())
    .bind(orders.iter().map(|c| c.order.user_id).collect::<Vec<_>>())
    .bind(order(|o| o.currency.clone()))
    .bind(cents(|o| o.subtotal_cents))
    .bind(cents(|o| o.discount_cents))
    .bind(cents(|o| o.shipping_cents))
    .bind(cents(|o| o.total_cents))
    .bind(order(|o| o.shipping_address.0.to_string()))
    .bind(order(|o| o.shipping_method.clone()))
    .bind(orders.iter().map(|c| c.order.payment_due_at).collect::<Vec<_>>())
    .bind(orders.iter().map(|c| c.order.created_at).collect::<Vec<_>>())
    .bind(lines.iter().map(|(order, _)| *order).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, i)| i.product_id).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, i)| i.seller_id).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, i)| i.sku.clone()).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, i)| i.name.clone()).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, i)| i.unit_price_cents).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, i)| i.qty).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, i)| i.line_total_cents).collect::<Vec<_>>())
    .bind(holds.iter().map(|(_, h, _)| h.hold).collect::<Vec<_>>())
    .bind(holds.iter().map(|(order, _, _)| *order).collect::<Vec<_>>())
    .bind(holds.iter().map(|(_, h, _)| h.product).collect::<Vec<_>>())
    .bind(holds.iter().map(|(_, h, _)| h.qty).collect::<Vec<_>>())
    .bind(holds.iter().map(|(_, _, due)| *due).collect::<Vec<_>>())
    .execute(connection)
    .await?;
    Ok(())
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
    pub idempotency: Option<(AnswerTo, Stored)>,
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
            match &self.idempotency {
                Some((AnswerTo::Payment(key), answer)) => {
                    key.record(&mut *connection, answer).await?;
                }
                Some((AnswerTo::Checkout(key), answer)) => {
                    key.replace(&mut *connection, answer).await?;
                }
                None => {}
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

/// One hold whose time ran out: released if still held, and its order expired if still pending
/// (announced to its customer and sellers once committed).
pub(super) struct ExpireWork {
    pub hold: HoldTicket,
    pub hub: bazaar_actors::hub::Hub,
    /// The order it expired, with its customer and sellers.
    pub expired: Captured<Option<(Uuid, Vec<Uuid>)>>,
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
            let expired: Option<(Uuid, Vec<Uuid>)> = sqlx::query_as(
                "WITH expired AS (
                     UPDATE orders SET status = 'expired', updated_at = now()
                     WHERE id = $1 AND status = 'pending_payment' RETURNING id, user_id),
                 event AS (
                     INSERT INTO order_events (order_id, status, note)
                     SELECT id, 'expired', 'not paid in time' FROM expired)
                 SELECT e.user_id, array(SELECT DISTINCT seller_id FROM order_items WHERE order_id = e.id)
                 FROM expired e",
            )
            .bind(self.hold.order)
            .fetch_optional(connection)
            .await?;
            self.expired.set(expired);
            Ok(Applied::accepted(vec![StockChange {
                product: self.hold.product,
                reserved: -qty,
                on_hand: 0,
                reason: LedgerReason::Return,
                order: Some(self.hold.order),
            }]))
        })
    }

    fn committed(&self) {
        if let Some(Some((customer, sellers))) = self.expired.get() {
            self.hub.publish(bazaar_actors::hub::Event::Order {
                order: self.hold.order,
                status: "expired".into(),
                customer,
                sellers,
            });
        }
    }
}
