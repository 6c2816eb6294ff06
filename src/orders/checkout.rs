//! Checkout: every line reserved in its product's actor (in product-id order, all or nothing),
//! then one journal unit for the order, its lines, holds and idempotency record; the client is
//! answered only after that unit committed. With a payment, it is charged only once every unit is
//! durably held.

use super::idempotency::IdempotencyKey;
use super::model::{Order, OrderItem};
use super::pay::{AnswerTo, charge_and_commit};
use super::units::CheckoutWork;
use super::{OrderError, Stored, now};
use crate::catalog::{CatalogError, get_product};
use crate::db::{codes, violates};
use crate::domain::AddressInput;
use crate::payments::Card;
use crate::state::AppState;
use bazaar_actors::inventory::{HoldTicket, InventoryError};
use bazaar_actors::journal::JournalError;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use uuid::Uuid;

/// One line asked for.
#[derive(Clone, Copy, Debug)]
pub struct CheckoutLine {
    pub product: Uuid,
    pub qty: i64,
}

/// Where the order goes.
#[derive(Clone, Debug)]
pub enum Shipping {
    /// An address from the customer's address book.
    Saved(Uuid),
    /// An address given with the checkout.
    Inline(AddressInput),
}

/// How the order travels: `standard` is free, `express` costs a flat fee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShippingMethod {
    Standard,
    Express,
}

impl ShippingMethod {
    /// The express fee in minor units of the order's currency.
    pub const EXPRESS_FEE_CENTS: i64 = 1_500;

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "standard" => Ok(ShippingMethod::Standard),
            "express" => Ok(ShippingMethod::Express),
            _ => Err("must be standard or express".into()),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ShippingMethod::Standard => "standard",
            ShippingMethod::Express => "express",
        }
    }

    fn fee(self) -> i64 {
        match self {
            ShippingMethod::Standard => 0,
            ShippingMethod::Express => Self::EXPRESS_FEE_CENTS,
        }
    }
}

/// A parsed checkout.
#[derive(Debug)]
pub struct CheckoutRequest {
    pub customer: Uuid,
    pub lines: Vec<CheckoutLine>,
    /// The lines are the customer's cart, which is emptied once the order exists.
    pub from_cart: bool,
    pub shipping: Shipping,
    pub shipping_method: ShippingMethod,
    pub payment: Option<Card>,
    pub idempotency: Option<IdempotencyKey>,
}

/// Whether an order is stored.
const ORDER_EXISTS: &str = "SELECT EXISTS (SELECT 1 FROM orders WHERE id = $1)";
/// The most units of one product in one order.
const MAX_QTY: i64 = 1_000;
/// The most lines in one order.
const MAX_LINES: usize = 100;
/// Order statuses that count towards a per-customer limit.
const LIVE_STATUSES: [&str; 6] = [
    "pending_payment",
    "paid",
    "processing",
    "shipped",
    "out_for_delivery",
    "delivered",
];

/// Places an order; answers what the client gets (and what a retry with the same key replays).
#[tracing::instrument(skip_all, fields(customer = %request.customer))]
pub async fn checkout(state: &AppState, request: CheckoutRequest) -> Result<Stored, OrderError> {
    if let Some(key) = &request.idempotency
        && let Some(stored) = key.replay(&state.pool).await?
    {
        return Ok(stored);
    }
    let lines = merge_lines(&request.lines)?;
    let address = shipping_address(state, request.customer, &request.shipping).await?;
    let products = load_products(state, &lines).await?;
    let currency = single_currency(&products)?;

    // Per-customer limits are checked and taken under one lock per customer, so one customer's
    // parallel checkouts cannot both slip under a limit.
    let limited = lines
        .keys()
        .any(|id| products[id].max_per_customer.is_some());
    let lock = limited.then(|| state.checkout_locks.lock_for(request.customer));
    let _guard = match &lock {
        Some(lock) => Some(lock.lock().await),
        None => None,
    };
    if limited {
        check_limits(state, request.customer, &lines, &products).await?;
    }

    let order_id = Uuid::now_v7();
    let created_at = now();
    let due = created_at
        + time::Duration::try_from(state.settings.hold_ttl).unwrap_or(time::Duration::MINUTE * 15);
    let tickets = reserve_all(state, order_id, &lines, due).await?;

    let items: Vec<OrderItem> = lines
        .iter()
        .map(|(id, qty)| {
            let product = &products[id];
            OrderItem {
                product_id: *id,
                seller_id: product.seller_id,
                sku: product.sku.clone(),
                name: product.name.clone(),
                unit_price_cents: product.price_cents,
                qty: *qty,
                line_total_cents: product.price_cents * qty,
            }
        })
        .collect();
    let subtotal: i64 = items.iter().map(|item| item.line_total_cents).sum();
    let shipping_cents = request.shipping_method.fee();
    let order = Order {
        id: order_id,
        user_id: request.customer,
        status: "pending_payment".into(),
        currency: currency.clone(),
        subtotal_cents: subtotal,
        discount_cents: 0,
        shipping_cents,
        total_cents: subtotal + shipping_cents,
        shipping_address: sqlx::types::Json(address),
        shipping_method: request.shipping_method.as_str().into(),
        payment_due_at: due,
        created_at,
        updated_at: created_at,
        items,
        events: vec![super::model::OrderEvent {
            status: "pending_payment".into(),
            by: Some(request.customer),
            note: None,
            at: created_at,
        }],
        payments: vec![],
        refunds: vec![],
        shipment: None,
    };
    let answer = Stored {
        status: 201,
        body: json!({ "order": order }),
    };
    let work = CheckoutWork {
        order: order.clone(),
        holds: tickets.clone(),
        idempotency: request.idempotency.clone().map(|key| (key, answer.clone())),
    };
    let mut written = state.journal.write(work).await;
    if let Err(JournalError::Unavailable(_)) = &written {
        // The commit went unanswered: ask the database whether the order landed.
        match super::landed(&state.pool, ORDER_EXISTS, order_id).await {
            Some(true) => written = Ok(true),
            Some(false) => {}
            // Unknown: memory may now disagree with the database; read the stock again.
            None => {
                release_all(state, &tickets).await;
                for ticket in &tickets {
                    state.inventory.reload(ticket.product).await;
                }
                return Err(OrderError::Unavailable(
                    "the database did not say whether the order was stored; retry with the same Idempotency-Key".into(),
                ));
            }
        }
    }
    match written {
        Ok(true) => {
            for ticket in &tickets {
                state.inventory.confirm(ticket).await;
            }
            super::announce(state, &order);
        }
        Ok(false) => {
            release_all(state, &tickets).await;
            // Refused only for a concurrent request with the same key: answer what it answered.
            let key = request
                .idempotency
                .as_ref()
                .ok_or_else(|| anyhow::anyhow!("checkout refused without a key"))?;
            return key.replay(&state.pool).await?.ok_or(OrderError::InFlight);
        }
        Err(error) => {
            release_all(state, &tickets).await;
            return Err(refused_checkout(state, &lines, error).await);
        }
    }
    drop(_guard);

    if request.from_cart
        && let Err(error) = state.carts.clear(request.customer).await
    {
        tracing::warn!(%error, order = %order_id, "order placed but the cart could not be emptied");
    }
    let Some(card) = request.payment else {
        return Ok(answer);
    };
    let answer_to = request.idempotency.clone().map(AnswerTo::Checkout);
    match charge_and_commit(state, &order, request.customer, &card, answer_to).await {
        // The payment's transaction stored this answer for the key.
        Ok(order) => Ok(Stored {
            status: 201,
            body: json!({ "order": order }),
        }),
        Err(OrderError::PaymentDeclined { order, code }) => {
            let error = crate::error::ApiError::from(OrderError::PaymentDeclined { order, code });
            let answer = Stored {
                status: 402,
                body: problem_body(&error),
            };
            if let Some(key) = &request.idempotency {
                key.replace(&mut *state.pool.acquire().await?, &answer)
                    .await?;
            }
            Ok(answer)
        }
        Err(error) => Err(error),
    }
}

/// The JSON of an error's problem body, for storing it.
pub(super) fn problem_body(error: &crate::error::ApiError) -> serde_json::Value {
    use actix_web::ResponseError;
    let response = error.error_response();
    let body = actix_web::body::to_bytes_limited(response.into_body(), 64 * 1024);
    futures_util::FutureExt::now_or_never(body)
        .and_then(|bytes| bytes.ok()?.ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_else(|| json!({ "code": error.code().as_str() }))
}

/// One line per product, in product-id order (the order reservations are taken in).
fn merge_lines(lines: &[CheckoutLine]) -> Result<BTreeMap<Uuid, i64>, OrderError> {
    if lines.is_empty() {
        return Err(OrderError::invalid(
            "items",
            "there is nothing to check out",
        ));
    }
    let mut merged = BTreeMap::new();
    for (index, line) in lines.iter().enumerate() {
        if !(1..=MAX_QTY).contains(&line.qty) {
            return Err(OrderError::invalid(
                format!("items[{index}].qty"),
                format!("must be 1 to {MAX_QTY}"),
            ));
        }
        let qty = merged.entry(line.product).or_insert(0);
        *qty += line.qty;
        if *qty > MAX_QTY {
            return Err(OrderError::invalid(
                format!("items[{index}].qty"),
                format!("at most {MAX_QTY} of one product"),
            ));
        }
    }
    if merged.len() > MAX_LINES {
        return Err(OrderError::invalid(
            "items",
            format!("at most {MAX_LINES} products per order"),
        ));
    }
    Ok(merged)
}

async fn shipping_address(
    state: &AppState,
    customer: Uuid,
    shipping: &Shipping,
) -> Result<serde_json::Value, OrderError> {
    let address = match shipping {
        Shipping::Inline(address) => address.clone(),
        Shipping::Saved(id) => {
            let saved: Option<SavedAddress> = sqlx::query_as(
                "SELECT label, name, line1, line2, city, region, postal_code, country, phone
                 FROM addresses WHERE id = $1 AND user_id = $2",
            )
            .bind(id)
            .bind(customer)
            .fetch_optional(&state.pool)
            .await?;
            let saved = saved.ok_or_else(|| {
                OrderError::invalid(
                    "shipping_address_id",
                    "no such address in your address book",
                )
            })?;
            return Ok(json!(saved));
        }
    };
    Ok(json!({
        "label": address.label, "name": address.name, "line1": address.line1,
        "line2": address.line2, "city": address.city, "region": address.region,
        "postal_code": address.postal_code, "country": address.country.as_str(),
        "phone": address.phone.as_ref().map(|p| p.as_str()),
    }))
}

/// An address-book entry, as snapshotted into an order.
#[derive(serde::Serialize, sqlx::FromRow)]
struct SavedAddress {
    label: Option<String>,
    name: String,
    line1: String,
    line2: Option<String>,
    city: String,
    region: Option<String>,
    postal_code: String,
    country: String,
    phone: Option<String>,
}

/// What an order line needs to know of its product.
struct ForSale {
    seller_id: Uuid,
    sku: String,
    name: String,
    price_cents: i64,
    currency: String,
    max_per_customer: Option<i32>,
}

/// The products of the lines, from the product cache: a flash sale's checkouts do not query
/// PostgreSQL for the product they all buy. Only published products are for sale.
async fn load_products(
    state: &AppState,
    lines: &BTreeMap<Uuid, i64>,
) -> Result<HashMap<Uuid, ForSale>, OrderError> {
    let mut found = HashMap::with_capacity(lines.len());
    for (index, id) in lines.keys().enumerate() {
        let cached = match get_product(&state.pool, &state.products, None, *id).await {
            Ok(cached) => cached,
            Err(CatalogError::NotFound(_)) => {
                return Err(OrderError::invalid(
                    format!("items[{index}].product_id"),
                    format!("product {id} is not for sale"),
                ));
            }
            Err(CatalogError::Database(error)) => return Err(error.into()),
            Err(other) => return Err(OrderError::Unavailable(other.to_string())),
        };
        let product = &cached.product;
        found.insert(
            *id,
            ForSale {
                seller_id: product.seller_id,
                sku: product.sku.clone(),
                name: product.name.clone(),
                price_cents: product.price_cents,
                currency: product.currency.clone(),
                max_per_customer: product.max_per_customer,
            },
        );
    }
    Ok(found)
}

fn single_currency(products: &HashMap<Uuid, ForSale>) -> Result<String, OrderError> {
    let mut currencies = products.values().map(|p| p.currency.as_str());
    let first = currencies.next().unwrap_or("EUR").to_owned();
    if currencies.any(|currency| currency != first) {
        return Err(OrderError::invalid(
            "items",
            "all products of an order must share one currency",
        ));
    }
    Ok(first)
}

async fn check_limits(
    state: &AppState,
    customer: Uuid,
    lines: &BTreeMap<Uuid, i64>,
    products: &HashMap<Uuid, ForSale>,
) -> Result<(), OrderError> {
    for (id, qty) in lines {
        let Some(limit) = products[id].max_per_customer.map(i64::from) else {
            continue;
        };
        let bought: i64 = sqlx::query_scalar(
            "SELECT coalesce(sum(oi.qty), 0)::bigint FROM order_items oi
             JOIN orders o ON o.id = oi.order_id
             WHERE o.user_id = $1 AND oi.product_id = $2 AND o.status = ANY($3)",
        )
        .bind(customer)
        .bind(id)
        .bind(&LIVE_STATUSES[..])
        .fetch_one(&state.pool)
        .await?;
        if bought + qty > limit {
            return Err(OrderError::LimitExceeded {
                product: *id,
                limit,
            });
        }
    }
    Ok(())
}

/// Reserves every line, in product-id order; on the first refusal, gives back what it took.
async fn reserve_all(
    state: &AppState,
    order: Uuid,
    lines: &BTreeMap<Uuid, i64>,
    due: time::OffsetDateTime,
) -> Result<Vec<HoldTicket>, OrderError> {
    let mut tickets = Vec::with_capacity(lines.len());
    for (product, qty) in lines {
        match state.inventory.reserve(*product, order, *qty, due).await {
            Ok(ticket) => tickets.push(ticket),
            Err(error) => {
                release_all(state, &tickets).await;
                return Err(match error {
                    InventoryError::OutOfStock { available } => OrderError::OutOfStock {
                        product: *product,
                        available,
                    },
                    InventoryError::NotFound => OrderError::OutOfStock {
                        product: *product,
                        available: 0,
                    },
                    other => other.into(),
                });
            }
        }
    }
    Ok(tickets)
}

async fn release_all(state: &AppState, tickets: &[HoldTicket]) {
    for ticket in tickets {
        state.inventory.release(ticket).await;
    }
}

/// Why a checkout's unit did not land, for the client. A stock `CHECK` the database refused means
/// another process sold the same units: the actors reload and the client hears "out of stock".
async fn refused_checkout(
    state: &AppState,
    lines: &BTreeMap<Uuid, i64>,
    error: JournalError,
) -> OrderError {
    match &error {
        JournalError::Refused(db) if violates(db, codes::CHECK_VIOLATION) => {
            for product in lines.keys() {
                state.inventory.reload(*product).await;
            }
            let product = lines.keys().next().copied().unwrap_or_default();
            OrderError::OutOfStock {
                product,
                available: 0,
            }
        }
        _ => {
            tracing::error!(%error, "checkout unit failed");
            OrderError::Unavailable(error.to_string())
        }
    }
}

/// One lock per customer, dropped when nobody holds it.
#[derive(Default)]
pub struct CustomerLocks {
    locks: Mutex<HashMap<Uuid, Weak<tokio::sync::Mutex<()>>>>,
}

impl CustomerLocks {
    pub fn lock_for(&self, customer: Uuid) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(lock) = locks.get(&customer).and_then(Weak::upgrade) {
            return lock;
        }
        if locks.len() > 1_024 {
            locks.retain(|_, lock| lock.strong_count() > 0);
        }
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        locks.insert(customer, Arc::downgrade(&lock));
        lock
    }
}
