//! The statements of the orders' journal units on PostgreSQL.

use crate::domain::OrderStatus;
use crate::orders::idempotency::IdempotencyKey;
use crate::orders::model::{Order, OrderItem};
use crate::orders::store::{ReleasedHold, Standing};
use crate::orders::units::{Cancelled, ChangedHold, CheckoutWork, PaymentWork, RecordFor};
use crate::outbox::letters;
use bazaar_actors::inventory::HoldTicket;
use sqlx::PgConnection;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Locks the rows of `customers` (in id order, so processes cannot deadlock on them) and reads
/// their orders pending payment and their units of the limited products among `lines`. The reads
/// are statements of their own: each takes its snapshot after the locks are held, so it sees what
/// the checkouts it waited for committed.
pub(in crate::orders::store) async fn checkout_standing(
    connection: &mut PgConnection,
    customers: &[Uuid],
    lines: &[(Uuid, Uuid)],
) -> sqlx::Result<Standing> {
    sqlx::query("SELECT id FROM users WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE")
        .bind(customers)
        .execute(&mut *connection)
        .await?;
    let unpaid: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT user_id, count(*) FROM unpaid_orders WHERE user_id = ANY($1) GROUP BY user_id",
    )
    .bind(customers)
    .fetch_all(&mut *connection)
    .await?;
    let limited: Vec<(Uuid, Uuid, i64, i64)> = sqlx::query_as(
        "SELECT t.user_id, t.product_id, p.max_per_customer::bigint,
             (SELECT coalesce(sum(oi.qty), 0)::bigint FROM orders o
              JOIN order_items oi ON oi.order_id = o.id AND oi.product_id = t.product_id
              WHERE o.user_id = t.user_id AND o.status = ANY($3))
         FROM unnest($1::uuid[], $2::uuid[]) AS t (user_id, product_id)
         JOIN products p ON p.id = t.product_id
         WHERE p.max_per_customer IS NOT NULL",
    )
    .bind(
        lines
            .iter()
            .map(|(customer, _)| *customer)
            .collect::<Vec<_>>(),
    )
    .bind(
        lines
            .iter()
            .map(|(_, product)| *product)
            .collect::<Vec<_>>(),
    )
    .bind(OrderStatus::names_where(OrderStatus::counts_toward_limits))
    .fetch_all(&mut *connection)
    .await?;
    Ok(Standing {
        unpaid_orders: unpaid.into_iter().collect(),
        limited_units: limited
            .into_iter()
            .map(|(customer, product, limit, taken)| ((customer, product), (limit, taken)))
            .collect(),
    })
}

/// Writes many checkouts with one statement for their idempotency records and one for their
/// orders, lines, holds and first events; which checkouts were accepted.
pub(in crate::orders::store) async fn write_checkouts(
    connection: &mut PgConnection,
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
    connection: &mut PgConnection,
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
    let stored: Vec<(Uuid, String, String)> = sqlx::query_as(
        "INSERT INTO idempotency_keys (user_id, scope, key, request_hash, outcome)
         SELECT user_id, scope, key, request_hash, outcome::jsonb
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[], $5::text[])
             AS t (user_id, scope, key, request_hash, outcome)
         ON CONFLICT DO NOTHING
         RETURNING user_id, scope, key",
    )
    .bind(keyed.iter().map(|(_, key, _)| key.user).collect::<Vec<_>>())
    .bind(
        keyed
            .iter()
            .map(|(_, key, _)| key.scope.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(
        keyed
            .iter()
            .map(|(_, key, _)| key.key.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(
        keyed
            .iter()
            .map(|(_, key, _)| key.request_hash.as_slice())
            .collect::<Vec<_>>(),
    )
    .bind(
        keyed
            .iter()
            .map(|(_, _, outcome)| outcome.as_str())
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
    connection: &mut PgConnection,
    orders: &[&CheckoutWork],
) -> sqlx::Result<()> {
    let order = |f: fn(&Order) -> String| orders.iter().map(|c| f(&c.order)).collect::<Vec<_>>();
    let cents = |f: fn(&Order) -> i64| orders.iter().map(|c| f(&c.order)).collect::<Vec<_>>();
    let lines: Vec<(Uuid, &OrderItem)> = orders
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
                 created_at, updated_at, tax_cents, coupon_id, coupon_code, client_address)
             SELECT id, user_id, 'pending_payment', currency, subtotal, discount, shipping, total,
                 address::jsonb, method, due, created, created, tax, coupon_id, coupon_code,
                 client_address
             FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::bigint[],
                         $6::bigint[], $7::bigint[], $8::text[], $9::text[], $10::timestamptz[],
                         $11::timestamptz[], $25::bigint[], $28::uuid[], $29::text[], $30::text[])
                 AS t (id, user_id, currency, subtotal, discount, shipping, total, address,
                       method, due, created, tax, coupon_id, coupon_code, client_address)),
         lines AS (
             INSERT INTO order_items (order_id, product_id, seller_id, sku, name,
                 unit_price_cents, qty, line_total_cents, discount_cents, tax_cents)
             SELECT * FROM unnest($12::uuid[], $13::uuid[], $14::uuid[], $15::text[], $16::text[],
                                  $17::bigint[], $18::bigint[], $19::bigint[], $26::bigint[],
                                  $27::bigint[])),
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
    .bind(order(|o| o.shipping_address.to_string()))
    .bind(order(|o| o.shipping_method.clone()))
    .bind(orders.iter().map(|c| c.order.payment_due_at).collect::<Vec<_>>())
    .bind(orders.iter().map(|c| c.order.created_at).collect::<Vec<_>>())
    .bind(lines.iter().map(|(order, _)| *order).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, i)| i.product_id).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, i)| i.seller_id).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, i)| i.sku.as_str()).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, i)| i.name.as_str()).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, i)| i.unit_price_cents).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, i)| i.qty).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, i)| i.line_total_cents).collect::<Vec<_>>())
    .bind(holds.iter().map(|(_, h, _)| h.hold).collect::<Vec<_>>())
    .bind(holds.iter().map(|(order, _, _)| *order).collect::<Vec<_>>())
    .bind(holds.iter().map(|(_, h, _)| h.product).collect::<Vec<_>>())
    .bind(holds.iter().map(|(_, h, _)| h.qty).collect::<Vec<_>>())
    .bind(holds.iter().map(|(_, _, due)| *due).collect::<Vec<_>>())
    .bind(cents(|o| o.tax_cents))
    .bind(lines.iter().map(|(_, i)| i.discount_cents).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, i)| i.tax_cents).collect::<Vec<_>>())
    .bind(orders.iter().map(|c| c.order.coupon_id).collect::<Vec<_>>())
    .bind(orders.iter().map(|c| c.order.coupon_code.as_deref()).collect::<Vec<_>>())
    .bind(orders.iter().map(|c| c.client_address.as_deref()).collect::<Vec<_>>())
    .execute(connection)
    .await?;
    Ok(())
}

pub(in crate::orders::store) async fn write_payments(
    connection: &mut PgConnection,
    payments: &[&PaymentWork],
) -> sqlx::Result<Vec<Vec<ChangedHold>>> {
    #[derive(sqlx::FromRow)]
    struct Committed {
        order_id: Uuid,
        #[sqlx(flatten)]
        hold: ChangedHold,
    }
    // Every data-modifying part runs; each is conditioned on its order still being pending, due,
    // and having holds to commit. The orders are locked in id order: concurrent batches lock rows
    // in one order. Rows are reached by key only: a condition on `status` or `state` beside a
    // table would let the planner pick a partial index (`... WHERE status = 'pending_payment'`)
    // whose dead entries it would walk, and which it believes tiny without statistics; so the
    // conditions are checked on the locked rows (`locked`, `held`), which are current.
    // The order confirmation of each payment that pays, queued in the same statement.
    let confirmations: Vec<letters::Letter> = payments
        .iter()
        .map(|p| letters::order_paid(p.order, p.amount_cents, &p.currency))
        .collect();
    let committed: Vec<Committed> = sqlx::query_as(
        "WITH input AS MATERIALIZED (
             SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[],
                                  $6::text[], $7::text[], $8::uuid[], $9::timestamptz[],
                                  $10::text[])
                 AS t (order_id, payment_id, amount, currency, gateway_ref, brand, last4, payer,
                       paid_at, method)),
         locked AS MATERIALIZED (
             SELECT id, status, payment_due_at FROM orders WHERE id = ANY($1)
             ORDER BY id FOR UPDATE),
         due AS MATERIALIZED (
             SELECT i.* FROM input i JOIN locked l ON l.id = i.order_id
             WHERE l.status = 'pending_payment' AND l.payment_due_at > now()),
         held AS MATERIALIZED (
             SELECT h.id, h.state FROM holds h JOIN due d ON h.order_id = d.order_id
             WHERE h.order_id = ANY($1) ORDER BY h.id FOR UPDATE OF h),
         committed AS (
             UPDATE holds h SET state = 'committed', updated_at = now() FROM held
             WHERE h.id = held.id AND held.state = 'held'
             RETURNING h.order_id, h.id, h.product_id, h.qty),
         paid AS (
             UPDATE orders o SET status = 'paid', updated_at = d.paid_at FROM due d
             WHERE o.id = d.order_id
               AND EXISTS (SELECT 1 FROM committed c WHERE c.order_id = d.order_id)
             RETURNING o.id),
         payment AS (
             INSERT INTO payments (id, order_id, amount_cents, currency, method, status,
                 gateway_ref, card_brand, card_last4, created_at)
             SELECT d.payment_id, d.order_id, d.amount, d.currency, d.method, 'succeeded',
                 d.gateway_ref, d.brand, d.last4, d.paid_at
             FROM due d JOIN paid p ON p.id = d.order_id),
         event AS (
             INSERT INTO order_events (order_id, status, actor_id, created_at)
             SELECT d.order_id, 'paid', d.payer, d.paid_at FROM due d JOIN paid p ON p.id = d.order_id),
         confirmation AS (
             INSERT INTO outbox (id, to_email, kind, subject, body, html_body, created_at)
             SELECT m.id, u.email, 'order_paid', m.subject, m.text, m.html, d.paid_at
             FROM unnest($1::uuid[], $11::uuid[], $12::text[], $13::text[], $14::text[])
                 AS m (order_id, id, subject, text, html)
             JOIN paid p ON p.id = m.order_id
             JOIN due d ON d.order_id = m.order_id
             JOIN users u ON u.id = d.payer)
         SELECT order_id, id, product_id, qty FROM committed",
    )
    .bind(payments.iter().map(|p| p.order).collect::<Vec<_>>())
    .bind(payments.iter().map(|p| p.payment).collect::<Vec<_>>())
    .bind(payments.iter().map(|p| p.amount_cents).collect::<Vec<_>>())
    .bind(payments.iter().map(|p| p.currency.as_str()).collect::<Vec<_>>())
    .bind(payments.iter().map(|p| p.paid_with.gateway_ref()).collect::<Vec<_>>())
    .bind(payments.iter().map(|p| p.paid_with.card_brand()).collect::<Vec<_>>())
    .bind(payments.iter().map(|p| p.paid_with.card_last4()).collect::<Vec<_>>())
    .bind(payments.iter().map(|p| p.payer).collect::<Vec<_>>())
    .bind(payments.iter().map(|p| p.at).collect::<Vec<_>>())
    .bind(payments.iter().map(|p| p.paid_with.method()).collect::<Vec<_>>())
    .bind(payments.iter().map(|_| Uuid::now_v7()).collect::<Vec<_>>())
    .bind(confirmations.iter().map(|l| l.subject.as_str()).collect::<Vec<_>>())
    .bind(confirmations.iter().map(|l| l.text.as_str()).collect::<Vec<_>>())
    .bind(confirmations.iter().map(|l| l.html.as_str()).collect::<Vec<_>>())
    .fetch_all(&mut *connection)
    .await?;
    let mut holds: HashMap<Uuid, Vec<ChangedHold>> = HashMap::new();
    for row in committed {
        holds.entry(row.order_id).or_default().push(row.hold);
    }
    let paid: Vec<&PaymentWork> = payments
        .iter()
        .filter(|p| holds.contains_key(&p.order))
        .copied()
        .collect();
    record_outcomes(connection, &paid).await?;
    Ok(payments
        .iter()
        .map(|p| holds.remove(&p.order).unwrap_or_default())
        .collect())
}

/// The idempotency outcomes of the payments that paid: new records for `POST /pay`, replaced
/// ones for the checkouts that paid at once; one statement each.
async fn record_outcomes(connection: &mut PgConnection, paid: &[&PaymentWork]) -> sqlx::Result<()> {
    let (mut new, mut replaced) = (Vec::new(), Vec::new());
    for payment in paid {
        match &payment.idempotency {
            Some((RecordFor::Payment(key), outcome)) => new.push((key, outcome.as_str())),
            Some((RecordFor::Checkout(key), outcome)) => replaced.push((key, outcome.as_str())),
            None => {}
        }
    }
    if !new.is_empty() {
        sqlx::query(
            "INSERT INTO idempotency_keys (user_id, scope, key, request_hash, outcome)
             SELECT user_id, scope, key, request_hash, outcome::jsonb
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[], $5::text[])
                 AS t (user_id, scope, key, request_hash, outcome)
             ON CONFLICT DO NOTHING",
        )
        .bind(new.iter().map(|(key, _)| key.user).collect::<Vec<_>>())
        .bind(
            new.iter()
                .map(|(key, _)| key.scope.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            new.iter()
                .map(|(key, _)| key.key.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            new.iter()
                .map(|(key, _)| key.request_hash.as_slice())
                .collect::<Vec<_>>(),
        )
        .bind(new.iter().map(|(_, outcome)| *outcome).collect::<Vec<_>>())
        .execute(&mut *connection)
        .await?;
    }
    if !replaced.is_empty() {
        sqlx::query(
            "UPDATE idempotency_keys k SET outcome = t.outcome::jsonb
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])
                 AS t (user_id, scope, key, outcome)
             WHERE k.user_id = t.user_id AND k.scope = t.scope AND k.key = t.key",
        )
        .bind(replaced.iter().map(|(key, _)| key.user).collect::<Vec<_>>())
        .bind(
            replaced
                .iter()
                .map(|(key, _)| key.scope.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            replaced
                .iter()
                .map(|(key, _)| key.key.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            replaced
                .iter()
                .map(|(_, outcome)| *outcome)
                .collect::<Vec<_>>(),
        )
        .execute(connection)
        .await?;
    }
    Ok(())
}

/// Records `outcome` for `key` unless the key has one; whether it was recorded.
pub(in crate::orders::store) async fn insert_outcome(
    connection: &mut PgConnection,
    key: &IdempotencyKey,
    outcome: &str,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (user_id, scope, key, request_hash, outcome)
         VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING",
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
    connection: &mut PgConnection,
    key: &IdempotencyKey,
    outcome: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET outcome = $4::jsonb
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
    connection: &mut PgConnection,
    order: Uuid,
    by: Uuid,
) -> sqlx::Result<Option<Cancelled>> {
    use crate::domain::OrderStatus;
    let status: Option<OrderStatus> =
        sqlx::query_scalar("SELECT status FROM orders WHERE id = $1 FOR UPDATE")
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
        "UPDATE holds SET state = $3, updated_at = now()
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
        "WITH cancelled AS (
             UPDATE orders SET status = 'cancelled', updated_at = now() WHERE id = $1
             RETURNING id)
         INSERT INTO order_events (order_id, status, actor_id) SELECT id, 'cancelled', $2
         FROM cancelled",
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
    connection: &mut PgConnection,
    hold: &HoldTicket,
) -> sqlx::Result<Option<ReleasedHold>> {
    // The order first, as a payment or a cancellation locks it: the journals of several
    // processes take the rows of one order in one order.
    sqlx::query("SELECT 1 FROM orders WHERE id = $1 FOR UPDATE")
        .bind(hold.order)
        .execute(&mut *connection)
        .await?;
    let released: Option<i64> = sqlx::query_scalar(
        "UPDATE holds SET state = 'released', updated_at = now()
         WHERE id = $1 AND state = 'held' RETURNING qty",
    )
    .bind(hold.hold)
    .fetch_optional(&mut *connection)
    .await?;
    let Some(qty) = released else {
        return Ok(None);
    };
    let expired_order: Option<(Uuid, Vec<Uuid>)> = sqlx::query_as(
        "WITH expired AS (
             UPDATE orders SET status = 'expired', updated_at = now()
             WHERE id = $1 AND status = 'pending_payment' RETURNING id, user_id),
         event AS (
             INSERT INTO order_events (order_id, status, note)
             SELECT id, 'expired', 'not paid in time' FROM expired)
         SELECT e.user_id, array(SELECT DISTINCT seller_id FROM order_items WHERE order_id = e.id)
         FROM expired e",
    )
    .bind(hold.order)
    .fetch_optional(connection)
    .await?;
    Ok(Some(ReleasedHold { qty, expired_order }))
}
