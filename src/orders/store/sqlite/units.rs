//! The statements of the orders' journal units on the embedded database (SQLite): per row, in
//! the journal's transaction on the single writer, so each check reads rows nothing else can
//! change before the transaction ends.

use crate::domain::OrderStatus;
use crate::orders::idempotency::IdempotencyKey;
use crate::orders::model::OrderItem;
use crate::orders::store::{ReleasedHold, Standing};
use crate::orders::units::{Cancelled, ChangedHold, CheckoutWork, PaymentWork, RecordFor};
use crate::outbox::letters;
use bazaar_actors::inventory::HoldTicket;
use bazaar_actors::store::timestamp;
use sqlx::SqliteConnection;
use sqlx::types::Json;
use std::collections::HashSet;
use time::OffsetDateTime;
use uuid::Uuid;

/// The orders pending payment of `customers` and their units of the limited products among
/// `lines`. The single writer's transaction keeps them as read until it ends.
pub(in crate::orders::store) async fn checkout_standing(
    connection: &mut SqliteConnection,
    customers: &[Uuid],
    lines: &[(Uuid, Uuid)],
) -> sqlx::Result<Standing> {
    let mut standing = Standing::default();
    for customer in customers {
        let unpaid: i64 =
            sqlx::query_scalar("SELECT count(*) FROM unpaid_orders WHERE user_id = $1")
                .bind(customer)
                .fetch_one(&mut *connection)
                .await?;
        standing.unpaid_orders.insert(*customer, unpaid);
    }
    let counted = Json(OrderStatus::names_where(OrderStatus::counts_toward_limits));
    for (customer, product) in lines {
        let limited: Option<(i64, i64)> = sqlx::query_as(
            "SELECT p.max_per_customer,
                 (SELECT coalesce(sum(oi.qty), 0) FROM orders o
                  JOIN order_items oi ON oi.order_id = o.id AND oi.product_id = p.id
                  WHERE o.user_id = $1 AND o.status IN (SELECT value FROM json_each($3)))
             FROM products p WHERE p.id = $2 AND p.max_per_customer IS NOT NULL",
        )
        .bind(customer)
        .bind(product)
        .bind(&counted)
        .fetch_optional(&mut *connection)
        .await?;
        if let Some(limited) = limited {
            standing
                .limited_units
                .insert((*customer, *product), limited);
        }
    }
    Ok(standing)
}

/// Writes many checkouts: their idempotency records, then the orders, lines, holds and first
/// events of those that may go on; which checkouts were accepted.
pub(in crate::orders::store) async fn write_checkouts(
    connection: &mut SqliteConnection,
    checkouts: &[&CheckoutWork],
) -> sqlx::Result<Vec<bool>> {
    let accepted = record_keys(connection, checkouts).await?;
    let orders: Vec<&CheckoutWork> = checkouts
        .iter()
        .zip(&accepted)
        .filter(|(_, accepted)| **accepted)
        .map(|(checkout, _)| *checkout)
        .collect();
    if !orders.is_empty() {
        insert_orders(connection, &orders).await?;
    }
    Ok(accepted)
}

/// Stores the idempotency records of the checkouts that carry a key; which checkouts may go on.
async fn record_keys(
    connection: &mut SqliteConnection,
    checkouts: &[&CheckoutWork],
) -> sqlx::Result<Vec<bool>> {
    let mut accepted = vec![true; checkouts.len()];
    let mut seen = HashSet::new();
    let mut keyed = Vec::new();
    for (index, checkout) in checkouts.iter().enumerate() {
        if let Some((key, outcome)) = &checkout.idempotency {
            if seen.insert((key.user, key.scope.as_str(), key.key.as_str())) {
                keyed.push((index, key, outcome));
            } else {
                // The same key twice in one batch: only the first may proceed.
                accepted[index] = false;
            }
        }
    }
    if keyed.is_empty() {
        return Ok(accepted);
    }
    for (index, key, outcome) in keyed {
        accepted[index] = insert_outcome(connection, key, outcome).await?;
    }
    Ok(accepted)
}

/// The orders, their lines, holds and first events.
async fn insert_orders(
    connection: &mut SqliteConnection,
    orders: &[&CheckoutWork],
) -> sqlx::Result<()> {
    for checkout in orders {
        let order = &checkout.order;
        let created = timestamp(order.created_at);
        let due = timestamp(order.payment_due_at);
        sqlx::query(
            "INSERT INTO orders (id, user_id, status, currency, subtotal_cents, discount_cents,
                 shipping_cents, tax_cents, total_cents, shipping_address, shipping_method,
                 payment_due_at, created_at, updated_at, coupon_id, coupon_code, client_address)
             VALUES ($1, $2, 'pending_payment', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12,
                 $13, $14, $15)",
        )
        .bind(order.id)
        .bind(order.user_id)
        .bind(&order.currency)
        .bind(order.subtotal_cents)
        .bind(order.discount_cents)
        .bind(order.shipping_cents)
        .bind(order.tax_cents)
        .bind(order.total_cents)
        .bind(order.shipping_address.to_string())
        .bind(&order.shipping_method)
        .bind(&due)
        .bind(&created)
        .bind(order.coupon_id)
        .bind(&order.coupon_code)
        .bind(&checkout.client_address)
        .execute(&mut *connection)
        .await?;
        for item in &order.items {
            insert_item(connection, order.id, item).await?;
        }
        for hold in &checkout.holds {
            insert_hold(connection, order.id, hold, &due).await?;
        }
        sqlx::query(
            "INSERT INTO order_events (order_id, status, actor_id, created_at)
             VALUES ($1, 'pending_payment', $2, $3)",
        )
        .bind(order.id)
        .bind(order.user_id)
        .bind(&created)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

async fn insert_item(
    connection: &mut SqliteConnection,
    order: Uuid,
    item: &OrderItem,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO order_items (order_id, product_id, seller_id, sku, name, unit_price_cents,
             qty, line_total_cents, discount_cents, tax_cents)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(order)
    .bind(item.product_id)
    .bind(item.seller_id)
    .bind(&item.sku)
    .bind(&item.name)
    .bind(item.unit_price_cents)
    .bind(item.qty)
    .bind(item.line_total_cents)
    .bind(item.discount_cents)
    .bind(item.tax_cents)
    .execute(connection)
    .await?;
    Ok(())
}

async fn insert_hold(
    connection: &mut SqliteConnection,
    order: Uuid,
    hold: &HoldTicket,
    expires_at: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO holds (id, order_id, product_id, qty, expires_at, state)
         VALUES ($1, $2, $3, $4, $5, 'held')",
    )
    .bind(hold.hold)
    .bind(order)
    .bind(hold.product)
    .bind(hold.qty)
    .bind(expires_at)
    .execute(connection)
    .await?;
    Ok(())
}

/// Writes payments, each of an order of its own: a payment whose order is still pending and due
/// commits the order's holds, makes it paid and records the payment and its event; the holds
/// each payment committed (none: refused).
pub(in crate::orders::store) async fn write_payments(
    connection: &mut SqliteConnection,
    payments: &[&PaymentWork],
) -> sqlx::Result<Vec<Vec<ChangedHold>>> {
    let now = OffsetDateTime::now_utc();
    let mut committed = Vec::with_capacity(payments.len());
    for payment in payments {
        let holds = write_payment(connection, payment, now).await?;
        if !holds.is_empty() {
            record_outcome(connection, payment).await?;
        }
        committed.push(holds);
    }
    Ok(committed)
}

async fn write_payment(
    connection: &mut SqliteConnection,
    payment: &PaymentWork,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<ChangedHold>> {
    let order: Option<(OrderStatus, OffsetDateTime)> =
        sqlx::query_as("SELECT status, payment_due_at FROM orders WHERE id = $1")
            .bind(payment.order)
            .fetch_optional(&mut *connection)
            .await?;
    match order {
        Some((OrderStatus::PendingPayment, due)) if due > now => {}
        _ => return Ok(Vec::new()),
    }
    let paid_at = timestamp(payment.at);
    let holds: Vec<ChangedHold> = sqlx::query_as(
        "UPDATE holds SET state = 'committed', updated_at = $2
         WHERE order_id = $1 AND state = 'held' RETURNING id, product_id, qty",
    )
    .bind(payment.order)
    .bind(&paid_at)
    .fetch_all(&mut *connection)
    .await?;
    if holds.is_empty() {
        return Ok(holds);
    }
    sqlx::query("UPDATE orders SET status = 'paid', updated_at = $2 WHERE id = $1")
        .bind(payment.order)
        .bind(&paid_at)
        .execute(&mut *connection)
        .await?;
    sqlx::query(
        "INSERT INTO payments (id, order_id, amount_cents, currency, method, status, gateway_ref,
             card_brand, card_last4, created_at)
         VALUES ($1, $2, $3, $4, $5, 'succeeded', $6, $7, $8, $9)",
    )
    .bind(payment.payment)
    .bind(payment.order)
    .bind(payment.amount_cents)
    .bind(&payment.currency)
    .bind(payment.paid_with.method())
    .bind(payment.paid_with.gateway_ref())
    .bind(payment.paid_with.card_brand())
    .bind(payment.paid_with.card_last4())
    .bind(&paid_at)
    .execute(&mut *connection)
    .await?;
    sqlx::query(
        "INSERT INTO order_events (order_id, status, actor_id, created_at)
         VALUES ($1, 'paid', $2, $3)",
    )
    .bind(payment.order)
    .bind(payment.payer)
    .bind(&paid_at)
    .execute(&mut *connection)
    .await?;
    let confirmation = letters::order_paid(payment.order, payment.amount_cents, &payment.currency);
    crate::outbox::store::sqlite::enqueue_to_customer(connection, payment.order, &confirmation)
        .await?;
    Ok(holds)
}

/// The idempotency outcome of a payment that paid: a new record for `POST /pay`, the replaced
/// one of a checkout that paid at once.
async fn record_outcome(connection: &mut SqliteConnection, paid: &PaymentWork) -> sqlx::Result<()> {
    match &paid.idempotency {
        Some((RecordFor::Payment(key), outcome)) => {
            insert_outcome(connection, key, outcome).await?;
        }
        Some((RecordFor::Checkout(key), outcome)) => {
            update_outcome(connection, key, outcome).await?;
        }
        None => {}
    }
    Ok(())
}

/// Records `outcome` for `key` unless the key has one; whether it was recorded.
pub(in crate::orders::store) async fn insert_outcome(
    connection: &mut SqliteConnection,
    key: &IdempotencyKey,
    outcome: &str,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (user_id, scope, key, request_hash, outcome)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(key.user)
    .bind(&key.scope)
    .bind(&key.key)
    .bind(&key.request_hash)
    .bind(outcome)
    .execute(connection)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

pub(super) async fn update_outcome(
    connection: &mut SqliteConnection,
    key: &IdempotencyKey,
    outcome: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET outcome = $4
         WHERE user_id = $1 AND scope = $2 AND key = $3",
    )
    .bind(key.user)
    .bind(&key.scope)
    .bind(&key.key)
    .bind(outcome)
    .execute(connection)
    .await?;
    Ok(())
}

pub(in crate::orders::store) async fn write_cancellation(
    connection: &mut SqliteConnection,
    order: Uuid,
    by: Uuid,
) -> sqlx::Result<Option<Cancelled>> {
    let status: Option<OrderStatus> = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
        .bind(order)
        .fetch_optional(&mut *connection)
        .await?;
    let was_paid = match status {
        Some(OrderStatus::PendingPayment) => false,
        Some(status) if status.is_cancellable() => true,
        _ => return Ok(None),
    };
    // Once part of it shipped, or was refunded, an order is past cancelling: what is left is a
    // refund's to give back.
    let shipped: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM shipments WHERE order_id = $1
             AND status IN ('shipped', 'out_for_delivery', 'delivered'))
         OR EXISTS (SELECT 1 FROM refunds WHERE order_id = $1 AND status <> 'failed')",
    )
    .bind(order)
    .fetch_one(&mut *connection)
    .await?;
    if shipped {
        return Ok(None);
    }
    let (from, to) = if was_paid {
        ("committed", "committed")
    } else {
        ("held", "released")
    };
    let holds: Vec<ChangedHold> = sqlx::query_as(
        "UPDATE holds SET state = $3, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE order_id = $1 AND state = $2 RETURNING id, product_id, qty",
    )
    .bind(order)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *connection)
    .await?;
    // An order that cost nothing was paid with nothing: there is nothing to refund.
    let paid: Option<(Uuid, i64, Option<String>)> = if was_paid {
        sqlx::query_as(
            "SELECT id, amount_cents, gateway_ref FROM payments
             WHERE order_id = $1 AND status = 'succeeded' AND amount_cents > 0
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(order)
        .fetch_optional(&mut *connection)
        .await?
    } else {
        None
    };
    if let Some((payment, amount, _)) = &paid {
        sqlx::query(
            "INSERT INTO refunds (id, order_id, payment_id, amount_cents, reason, restocked)
             VALUES ($1, $2, $3, $4, 'order cancelled', true)",
        )
        .bind(Uuid::now_v7())
        .bind(order)
        .bind(payment)
        .bind(amount)
        .execute(&mut *connection)
        .await?;
    }
    sqlx::query(
        "UPDATE orders SET status = 'cancelled', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE id = $1",
    )
    .bind(order)
    .execute(&mut *connection)
    .await?;
    sqlx::query(
        "INSERT INTO order_events (order_id, status, actor_id) VALUES ($1, 'cancelled', $2)",
    )
    .bind(order)
    .bind(by)
    .execute(&mut *connection)
    .await?;
    Ok(Some(Cancelled {
        was_paid,
        holds,
        refund: paid.map(|(_, amount, reference)| (amount, reference)),
    }))
}

pub(in crate::orders::store) async fn write_expiry(
    connection: &mut SqliteConnection,
    hold: &HoldTicket,
) -> sqlx::Result<Option<ReleasedHold>> {
    let released: Option<i64> = sqlx::query_scalar(
        "UPDATE holds SET state = 'released', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE id = $1 AND state = 'held' RETURNING qty",
    )
    .bind(hold.hold)
    .fetch_optional(&mut *connection)
    .await?;
    let Some(qty) = released else {
        return Ok(None);
    };
    let customer: Option<Uuid> = sqlx::query_scalar(
        "UPDATE orders SET status = 'expired', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE id = $1 AND status = 'pending_payment' RETURNING user_id",
    )
    .bind(hold.order)
    .fetch_optional(&mut *connection)
    .await?;
    let Some(customer) = customer else {
        return Ok(Some(ReleasedHold {
            qty,
            expired_order: None,
        }));
    };
    sqlx::query(
        "INSERT INTO order_events (order_id, status, note) VALUES ($1, 'expired', 'not paid in time')",
    )
    .bind(hold.order)
    .execute(&mut *connection)
    .await?;
    let sellers: Vec<Uuid> =
        sqlx::query_scalar("SELECT DISTINCT seller_id FROM order_items WHERE order_id = $1")
            .bind(hold.order)
            .fetch_all(connection)
            .await?;
    Ok(Some(ReleasedHold {
        qty,
        expired_order: Some((customer, sellers)),
    }))
}
