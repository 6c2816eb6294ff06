//! The checker: what the clients saw against what the server's database holds, in the manner of a
//! Jepsen set checker. Every check lists its violations; a run passes when none has any.

use crate::order::Outcome;
use crate::records::Records;
use crate::setup::{Product, Shop};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// One property and what breaks it.
pub struct Check {
    pub name: &'static str,
    pub violations: Vec<String>,
}

impl Check {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            violations: Vec::new(),
        }
    }

    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

/// A product's stock after the run.
#[derive(Debug, sqlx::FromRow)]
pub struct Stock {
    pub product_id: Uuid,
    pub on_hand: i64,
    pub reserved: i64,
    pub ledger: i64,
    pub held: i64,
    pub committed: i64,
    pub paid_units: i64,
}

/// An order of one of the run's buyers, with the checkout key it was stored under (if any).
#[derive(Debug, sqlx::FromRow)]
struct StoredOrder {
    id: Uuid,
    user_id: Uuid,
    status: String,
    total_cents: i64,
    #[sqlx(skip)]
    key: Option<String>,
    succeeded_cents: i64,
    succeeded_payments: i64,
    /// Refunds of the very charge recorded as this order's successful payment.
    refunded_charges: i64,
}

/// A row of `unpaid_orders`, the orders pending payment that the cap on unpaid orders counts.
#[derive(Debug, sqlx::FromRow)]
struct UnpaidOrder {
    user_id: Uuid,
    order_id: Uuid,
}

/// The rows of `unpaid_orders`; `None` for a server from before that table (a baseline measured
/// beside the current build).
async fn unpaid_orders(records: &Records) -> sqlx::Result<Option<Vec<UnpaidOrder>>> {
    unless_missing(
        records
            .rows("SELECT user_id, order_id FROM unpaid_orders")
            .await,
    )
}

/// `rows`, or `None` when their table does not exist: a server from before it (a baseline
/// measured beside the current build).
fn unless_missing<T>(rows: sqlx::Result<Vec<T>>) -> sqlx::Result<Option<Vec<T>>> {
    match rows {
        Ok(rows) => Ok(Some(rows)),
        Err(sqlx::Error::Database(error))
            if error.code().as_deref() == Some("42P01")
                || error.message().starts_with("no such table") =>
        {
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

/// A wallet whose balance is not the sum of its ledger, or below zero.
#[derive(Debug, sqlx::FromRow)]
struct WalletOff {
    user_id: Uuid,
    balance_cents: i64,
    ledger_cents: i64,
}

/// The wallets that break `balance = sum(ledger) >= 0`; `None` for a server from before wallets.
async fn wallets_off(records: &Records) -> sqlx::Result<Option<Vec<WalletOff>>> {
    unless_missing(
        records
            .rows(
                "SELECT user_id, balance_cents, ledger_cents FROM (
                     SELECT w.user_id, w.balance_cents,
                         CAST((SELECT coalesce(sum(t.amount_cents), 0) FROM wallet_transactions t
                               WHERE t.user_id = w.user_id) AS BIGINT) AS ledger_cents
                     FROM wallets w) AS sums
                 WHERE balance_cents < 0 OR balance_cents <> ledger_cents",
            )
            .await,
    )
}

fn wallets_add_up(off: &[WalletOff]) -> Check {
    let mut check = Check::new("every wallet's balance is the sum of its ledger, never below 0");
    for wallet in off {
        check.violations.push(format!(
            "wallet of {} holds {} but its ledger sums to {}",
            wallet.user_id, wallet.balance_cents, wallet.ledger_cents
        ));
    }
    check
}

/// A checkout's idempotency record: the key and the typed outcome it stored.
#[derive(Debug, sqlx::FromRow)]
struct CheckoutKey {
    user_id: Uuid,
    key: String,
    outcome: String,
}

impl CheckoutKey {
    /// The order the checkout placed: `{"placed": order}` or `{"declined": {order, code}}`.
    fn order(&self) -> Option<Uuid> {
        let outcome: Value = serde_json::from_str(&self.outcome).ok()?;
        let id = outcome
            .pointer("/placed/id")
            .or_else(|| outcome.pointer("/declined/order"))?;
        id.as_str()?.parse().ok()
    }
}

/// Checks the run; the stock of each product and every check.
pub async fn run(
    records: &Records,
    shop: &Shop,
    outcomes: &[Outcome],
) -> anyhow::Result<(Vec<Stock>, Vec<Check>)> {
    let orders = orders(records, shop).await?;
    let stock = stock(records, &shop.products).await?;
    let unpaid = unpaid_orders(records).await?;
    let mut checks = vec![
        acknowledged_orders_stored(&orders, outcomes),
        acknowledged_payments_stored(&orders, outcomes),
        only_requested_orders(&orders, outcomes),
        one_order_per_key(&orders, outcomes),
        no_order_for_a_refusal(&orders, outcomes),
    ];
    checks.extend(stock_checks(&shop.products, &stock));
    checks.push(money(&orders));
    if let Some(unpaid) = unpaid {
        checks.push(unpaid_orders_mirror(&orders, &unpaid));
    }
    if let Some(off) = wallets_off(records).await? {
        checks.push(wallets_add_up(&off));
    }
    Ok((stock, checks))
}

/// The orders of the run's buyers, each with the checkout key that placed it.
async fn orders(records: &Records, shop: &Shop) -> anyhow::Result<Vec<StoredOrder>> {
    let buyers: HashSet<Uuid> = shop.buyers.iter().map(|buyer| buyer.id).collect();
    let mut orders: Vec<StoredOrder> = records
        .rows(
            "SELECT o.id, o.user_id, o.status, o.total_cents,
                 CAST(coalesce((SELECT sum(amount_cents) FROM payments p
                      WHERE p.order_id = o.id AND p.status = 'succeeded'), 0) AS BIGINT)
                     AS succeeded_cents,
                 (SELECT count(*) FROM payments p
                  WHERE p.order_id = o.id AND p.status = 'succeeded') AS succeeded_payments,
                 (SELECT count(*) FROM payments p JOIN payments r ON r.gateway_ref = p.gateway_ref
                  WHERE p.order_id = o.id AND p.status = 'succeeded' AND r.status = 'refunded')
                     AS refunded_charges
             FROM orders o",
        )
        .await?;
    orders.retain(|order| buyers.contains(&order.user_id));
    let keys: Vec<CheckoutKey> = records
        .rows(
            "SELECT user_id, key, CAST(outcome AS TEXT) AS outcome FROM idempotency_keys
             WHERE scope = 'checkout'",
        )
        .await?;
    let mut key_of: HashMap<(Uuid, Uuid), String> = keys
        .into_iter()
        .filter_map(|record| Some(((record.user_id, record.order()?), record.key)))
        .collect();
    for order in &mut orders {
        order.key = key_of.remove(&(order.user_id, order.id));
    }
    Ok(orders)
}

async fn stock(records: &Records, products: &[Product]) -> sqlx::Result<Vec<Stock>> {
    let ids: HashSet<Uuid> = products.iter().map(|product| product.id).collect();
    let mut stock: Vec<Stock> = records
        .rows(
            "SELECT i.product_id, i.on_hand, i.reserved,
                 CAST((SELECT coalesce(sum(delta), 0) FROM inventory_movements m
                       WHERE m.product_id = i.product_id) AS BIGINT) AS ledger,
                 CAST((SELECT coalesce(sum(qty), 0) FROM holds h
                       WHERE h.product_id = i.product_id AND h.state = 'held') AS BIGINT) AS held,
                 CAST((SELECT coalesce(sum(qty), 0) FROM holds h
                       WHERE h.product_id = i.product_id AND h.state = 'committed') AS BIGINT)
                     AS committed,
                 CAST((SELECT coalesce(sum(oi.qty), 0) FROM order_items oi
                       JOIN orders o ON o.id = oi.order_id
                       WHERE oi.product_id = i.product_id AND o.status = 'paid') AS BIGINT)
                     AS paid_units
             FROM inventory i",
        )
        .await?;
    stock.retain(|row| ids.contains(&row.product_id));
    stock.sort_by_key(|row| row.product_id);
    Ok(stock)
}

fn acknowledged_orders_stored(orders: &[StoredOrder], outcomes: &[Outcome]) -> Check {
    let stored: HashSet<Uuid> = orders.iter().map(|order| order.id).collect();
    let mut check = Check::new("no acknowledged order lost");
    for outcome in outcomes {
        if let Some((order, _)) = outcome.acknowledged()
            && !stored.contains(&order)
        {
            check.violations.push(format!(
                "order {order} was acknowledged (key {}) but is not in the database",
                outcome.request.key
            ));
        }
    }
    check
}

fn acknowledged_payments_stored(orders: &[StoredOrder], outcomes: &[Outcome]) -> Check {
    let status: HashMap<Uuid, &str> = orders.iter().map(|o| (o.id, o.status.as_str())).collect();
    let mut check = Check::new("no acknowledged payment lost");
    for outcome in outcomes {
        if let Some((order, true)) = outcome.acknowledged()
            && let Some(stored) = status.get(&order)
            && *stored != "paid"
        {
            check
                .violations
                .push(format!("order {order} was answered paid but is {stored}"));
        }
    }
    check
}

fn only_requested_orders(orders: &[StoredOrder], outcomes: &[Outcome]) -> Check {
    let sent: HashSet<(Uuid, &str)> = outcomes
        .iter()
        .map(|outcome| (outcome.request.buyer, outcome.request.key.as_str()))
        .collect();
    let mut check = Check::new("no order that was never requested");
    for order in orders {
        match &order.key {
            Some(key) if sent.contains(&(order.user_id, key.as_str())) => {}
            Some(key) => check.violations.push(format!(
                "order {} is stored under key {key}, which its buyer never sent",
                order.id
            )),
            None => check.violations.push(format!(
                "order {} of buyer {} belongs to no request",
                order.id, order.user_id
            )),
        }
    }
    check
}

/// Each key is stored once (the primary key sees to that), so a second order for a key shows as
/// a buyer with more orders than keys sent.
fn one_order_per_key(orders: &[StoredOrder], outcomes: &[Outcome]) -> Check {
    let mut keys: HashMap<Uuid, HashSet<&str>> = HashMap::new();
    for outcome in outcomes {
        keys.entry(outcome.request.buyer)
            .or_default()
            .insert(&outcome.request.key);
    }
    let mut per_buyer: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for order in orders {
        per_buyer.entry(order.user_id).or_default().push(order.id);
    }
    let mut check = Check::new("at most one order per idempotency key");
    for (buyer, ids) in per_buyer {
        let sent = keys.get(&buyer).map_or(0, HashSet::len);
        if ids.len() > sent {
            check.violations.push(format!(
                "buyer {buyer} sent {sent} key(s) and has {} orders: {ids:?}",
                ids.len()
            ));
        }
    }
    check
}

fn no_order_for_a_refusal(orders: &[StoredOrder], outcomes: &[Outcome]) -> Check {
    let keyed: HashSet<(Uuid, &str)> = orders
        .iter()
        .filter_map(|order| Some((order.user_id, order.key.as_deref()?)))
        .collect();
    let mut check = Check::new("no order for a request the server refused");
    for outcome in outcomes {
        let answer = &outcome.checkout;
        let refused = answer.is_definite() && answer.order.is_none();
        if refused && keyed.contains(&(outcome.request.buyer, outcome.request.key.as_str())) {
            check.violations.push(format!(
                "key {} was answered {} but an order was stored for it",
                outcome.request.key,
                answer.label()
            ));
        }
    }
    check
}

fn stock_checks(products: &[Product], stock: &[Stock]) -> Vec<Check> {
    let mut oversold =
        Check::new("no product oversold: units sold = units in paid orders <= stock");
    let mut ledger = Check::new("on_hand equals the ledger; reserved equals the open holds");
    for product in products {
        let Some(after) = stock.iter().find(|s| s.product_id == product.id) else {
            oversold
                .violations
                .push(format!("product {} has no inventory row", product.id));
            continue;
        };
        let sold = product.stock - after.on_hand;
        if sold != after.paid_units || sold != after.committed || after.paid_units > product.stock {
            oversold.violations.push(format!(
                "product {}: stock {}, on_hand {} (sold {sold}), committed holds {}, units in paid orders {}",
                product.id, product.stock, after.on_hand, after.committed, after.paid_units
            ));
        }
        if after.on_hand != after.ledger
            || after.reserved != after.held
            || after.reserved > after.on_hand
            || after.on_hand < 0
        {
            ledger.violations.push(format!(
                "product {}: on_hand {}, ledger {}, reserved {}, open holds {}",
                product.id, after.on_hand, after.ledger, after.reserved, after.held
            ));
        }
    }
    vec![oversold, ledger]
}

fn money(orders: &[StoredOrder]) -> Check {
    let mut check = Check::new("money in payments equals paid order totals");
    let paid: i64 = orders
        .iter()
        .filter(|o| o.status == "paid")
        .map(|o| o.total_cents)
        .sum();
    let taken: i64 = orders.iter().map(|o| o.succeeded_cents).sum();
    if paid != taken {
        check.violations.push(format!(
            "payments took {taken} cents; paid orders total {paid} cents"
        ));
    }
    for order in orders {
        let expected = if order.status == "paid" { 1 } else { 0 };
        if order.succeeded_payments != expected {
            check.violations.push(format!(
                "order {} is {} with {} successful payment(s)",
                order.id, order.status, order.succeeded_payments
            ));
        }
        if order.refunded_charges > 0 {
            check.violations.push(format!(
                "order {} is {} but the charge of its payment was refunded",
                order.id, order.status
            ));
        }
    }
    check
}

/// `unpaid_orders` lists exactly the buyers' orders pending payment: a leftover row would refuse
/// a customer's checkouts for good, a missing one would let them past the cap.
fn unpaid_orders_mirror(orders: &[StoredOrder], unpaid: &[UnpaidOrder]) -> Check {
    let mut check = Check::new("unpaid_orders lists exactly the orders pending payment");
    let listed: HashSet<(Uuid, Uuid)> = unpaid
        .iter()
        .map(|row| (row.user_id, row.order_id))
        .collect();
    for order in orders {
        let pending = order.status == "pending_payment";
        if pending != listed.contains(&(order.user_id, order.id)) {
            check.violations.push(format!(
                "order {} is {} and {}listed as unpaid",
                order.id,
                order.status,
                if pending { "not " } else { "" }
            ));
        }
    }
    let known: HashSet<(Uuid, Uuid)> = orders.iter().map(|o| (o.user_id, o.id)).collect();
    let buyers: HashSet<Uuid> = orders.iter().map(|o| o.user_id).collect();
    for (user, order) in &listed {
        if buyers.contains(user) && !known.contains(&(*user, *order)) {
            check
                .violations
                .push(format!("unpaid order {order} of {user} does not exist"));
        }
    }
    check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{Answer, GOOD_CARD, Request};
    use std::time::Instant;

    fn outcome(buyer: Uuid, key: &str, status: u16, order: Option<Uuid>, paid: bool) -> Outcome {
        let now = Instant::now();
        Outcome {
            request: Request {
                buyer,
                token: String::new(),
                key: key.into(),
                lines: vec![],
                pays: crate::order::Pays::Card(GOOD_CARD),
                queue_ticket: None,
            },
            checkout: Answer {
                status: Some(status),
                order,
                order_status: paid.then(|| "paid".into()),
                ..Answer::default()
            },
            payment: None,
            attempts: 1,
            arrived: now,
            sent: now,
            finished: now,
        }
    }

    fn stored(
        id: Uuid,
        buyer: Uuid,
        key: Option<&str>,
        status: &str,
        payments: i64,
    ) -> StoredOrder {
        StoredOrder {
            id,
            user_id: buyer,
            status: status.into(),
            total_cents: 1999,
            key: key.map(str::to_owned),
            succeeded_cents: 1999 * payments,
            succeeded_payments: payments,
            refunded_charges: 0,
        }
    }

    #[test]
    fn a_lost_acknowledged_order_and_a_lost_payment_are_violations() {
        let (buyer, kept, lost) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let outcomes = [
            outcome(buyer, "a", 201, Some(kept), true),
            outcome(buyer, "b", 201, Some(lost), false),
        ];
        let orders = [stored(kept, buyer, Some("a"), "expired", 0)];
        let lost_orders = acknowledged_orders_stored(&orders, &outcomes);
        assert_eq!(lost_orders.violations.len(), 1);
        assert!(lost_orders.violations[0].contains(&lost.to_string()));
        let lost_payments = acknowledged_payments_stored(&orders, &outcomes);
        assert_eq!(
            lost_payments.violations.len(),
            1,
            "answered paid, stored expired"
        );
    }

    #[test]
    fn orders_nobody_asked_for_or_twice_for_one_key_are_violations() {
        let buyer = Uuid::now_v7();
        let outcomes = [outcome(buyer, "a", 201, Some(Uuid::now_v7()), true)];
        let orders = [
            stored(Uuid::now_v7(), buyer, Some("a"), "paid", 1),
            stored(Uuid::now_v7(), buyer, None, "paid", 1),
            stored(Uuid::now_v7(), buyer, Some("never-sent"), "paid", 1),
        ];
        assert_eq!(
            only_requested_orders(&orders, &outcomes).violations.len(),
            2
        );
        assert_eq!(one_order_per_key(&orders, &outcomes).violations.len(), 1);
        assert!(one_order_per_key(&orders[..1], &outcomes).passed());
    }

    #[test]
    fn an_order_for_a_refused_request_is_a_violation() {
        let buyer = Uuid::now_v7();
        let outcomes = [outcome(buyer, "a", 409, None, false)];
        let orders = [stored(
            Uuid::now_v7(),
            buyer,
            Some("a"),
            "pending_payment",
            0,
        )];
        assert_eq!(
            no_order_for_a_refusal(&orders, &outcomes).violations.len(),
            1
        );
        assert!(no_order_for_a_refusal(&[], &outcomes).passed());
    }

    #[test]
    fn overselling_a_drifting_ledger_and_unbalanced_money_are_violations() {
        let product = Product {
            id: Uuid::now_v7(),
            stock: 10,
        };
        let sound = Stock {
            product_id: product.id,
            on_hand: 4,
            reserved: 1,
            ledger: 4,
            held: 1,
            committed: 6,
            paid_units: 6,
        };
        assert!(
            stock_checks(&[product], std::slice::from_ref(&sound))
                .iter()
                .all(Check::passed)
        );
        let oversold = Stock {
            on_hand: -1,
            ledger: -1,
            committed: 11,
            paid_units: 11,
            ..sound
        };
        assert!(!stock_checks(&[product], &[oversold])[0].passed());
        let drifted = Stock { ledger: 5, ..sound };
        assert!(!stock_checks(&[product], &[drifted])[1].passed());

        let buyer = Uuid::now_v7();
        assert!(money(&[stored(Uuid::now_v7(), buyer, None, "paid", 1)]).passed());
        assert!(!money(&[stored(Uuid::now_v7(), buyer, None, "paid", 0)]).passed());
        assert!(!money(&[stored(Uuid::now_v7(), buyer, None, "expired", 1)]).passed());
        let mut refunded = stored(Uuid::now_v7(), buyer, None, "paid", 1);
        refunded.refunded_charges = 1;
        assert!(!money(&[refunded]).passed());
    }

    #[test]
    fn unpaid_orders_must_list_exactly_the_pending_ones() {
        let buyer = Uuid::now_v7();
        let (pending, paid) = (Uuid::now_v7(), Uuid::now_v7());
        let orders = [
            stored(pending, buyer, None, "pending_payment", 0),
            stored(paid, buyer, None, "paid", 1),
        ];
        let row = |order_id| UnpaidOrder {
            user_id: buyer,
            order_id,
        };
        assert!(unpaid_orders_mirror(&orders, &[row(pending)]).passed());
        assert!(!unpaid_orders_mirror(&orders, &[]).passed(), "missing");
        let leftover = unpaid_orders_mirror(&orders, &[row(pending), row(paid)]);
        assert_eq!(leftover.violations.len(), 1, "left behind");
        let ghost = unpaid_orders_mirror(&orders, &[row(pending), row(Uuid::now_v7())]);
        assert_eq!(ghost.violations.len(), 1, "never placed");
    }
}
