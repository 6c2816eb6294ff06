//! Checkout: every line reserved in its product's actor (in product-id order, all or nothing),
//! then one journal unit for the order, its lines, holds and idempotency record; the client is
//! answered only after that unit committed. With a payment, it is charged only once every unit
//! is durably held.

use super::holds::{refused_checkout, release_all, reserve_all};
use super::idempotency::{IdempotencyKey, recorded};
use super::lines::{CheckoutLine, ForSale, for_sale, merge_lines, single_currency};
use super::model::{Order, OrderEvent, OrderItem};
use super::outcome::{CheckoutOutcome, Declined};
use super::pay::{Charged, PaymentMeans};
use super::pricing::{Discount, LineToPrice, TaxRate, price};
use super::shipping::{Shipping, ShippingMethod, address_snapshot};
use super::unanswered::stored_after_all;
use super::units::{AfterCommit, CheckoutWork, RecordFor};
use super::{OrderError, Orders, announce};
use crate::clock;
use crate::coupons::{Coupon, CouponLine};
use crate::domain::OrderStatus;
use crate::drops::{Claim, DropError, QueueRefusal};
use crate::error::Coded;
use bazaar_actors::journal::JournalError;
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use tracing::Instrument;
use uuid::Uuid;

/// Which lines to check out.
#[derive(Debug)]
pub(crate) enum LineSource {
    /// The lines of the request.
    Items(Vec<CheckoutLine>),
    /// The customer's cart, which is emptied once the order exists.
    Cart,
}

/// Who asks for a checkout.
#[derive(Debug)]
pub(crate) enum CheckoutOrigin {
    /// The customer, from `address`, with their waiting-room ticket if they have one.
    Customer {
        address: String,
        queue_ticket: Option<String>,
    },
    /// A restock holding a unit for a back-in-stock subscriber, for `hold_for` (no waiting
    /// room: the seller chose them).
    Waitlist { hold_for: time::Duration },
}

/// A parsed checkout.
#[derive(Debug)]
pub(crate) struct CheckoutRequest {
    pub customer: Uuid,
    pub lines: LineSource,
    pub shipping: Shipping,
    /// The id of the shipping method; none: the first that serves the address.
    pub shipping_method: Option<String>,
    pub payment: Option<PaymentMeans>,
    /// A coupon code; without one, a cart's checkout uses the cart's coupon.
    pub coupon: Option<String>,
    pub idempotency: Option<IdempotencyKey>,
    pub origin: CheckoutOrigin,
}

impl Orders {
    /// Places an order; the outcome a retry with the same key replays. It runs to its end even
    /// if the caller stops waiting: once stock is reserved, a client that hangs up must not leave
    /// the checkout half done.
    #[tracing::instrument(skip_all, fields(customer = %request.customer))]
    pub(crate) async fn checkout(
        &self,
        request: CheckoutRequest,
    ) -> Result<CheckoutOutcome, OrderError> {
        let orders = self.clone();
        let started = std::time::Instant::now();
        let placing = async move { orders.place(request).await };
        let outcome = tokio::task::spawn_local(placing.in_current_span())
            .await
            .map_err(|error| OrderError::Internal(error.into()))?;
        // The pace of orders placed: a refusal's quick answer says nothing of the hot path.
        if matches!(outcome, Ok(CheckoutOutcome::Placed(_))) {
            self.checkout_pace.record(started.elapsed());
        }
        // Checkouts by outcome: what a load tester reads to understand a run.
        let label = match &outcome {
            Ok(CheckoutOutcome::Placed(_)) => "created",
            Ok(CheckoutOutcome::Declined(_)) => "payment_declined",
            Err(error) => error.code().as_str(),
        };
        metrics::counter!("checkouts_total", "outcome" => label).increment(1);
        outcome
    }

    async fn place(&self, request: CheckoutRequest) -> Result<CheckoutOutcome, OrderError> {
        // Held to the end: a retry meanwhile waits for this attempt's outcome and replays it.
        let key_lock = request.idempotency.as_ref().map(|key| {
            self.key_locks
                .lock_for((key.user, key.scope.clone(), key.key.clone()))
        });
        let _key_guard = match &key_lock {
            Some(lock) => Some(lock.lock().await),
            None => None,
        };
        if let Some(key) = &request.idempotency
            && let Some(outcome) = key.replay(&self.store).await?
        {
            return Ok(outcome);
        }
        let customer = request.customer;
        let from_cart = matches!(request.lines, LineSource::Cart);
        let asked = match request.lines {
            LineSource::Items(lines) => lines,
            LineSource::Cart => self
                .carts
                .lines(customer)
                .await
                .map_err(|error| OrderError::Unavailable(error.to_string()))?
                .into_iter()
                .map(|(product, qty)| CheckoutLine { product, qty })
                .collect(),
        };
        let lines = merge_lines(&asked)?;
        let address = self.shipping_address(customer, &request.shipping).await?;
        let products = for_sale(&self.catalog, &lines, clock::now()).await?;
        let claim = self.admission(customer, &products, &request.origin).await?;
        // The order this checkout committed, if it got that far: the admission is used then,
        // whatever happens after (a refused payment included).
        let committed = Cell::new(None);
        let placed = async {
            let currency = single_currency(&products)?;
            let country = address["country"].as_str().unwrap_or_default();
            let method = self
                .shipping_methods
                .choose(request.shipping_method.as_deref(), country, &currency)
                .map_err(|message| OrderError::invalid("shipping_method", message))?;
            let tax_rate = self.tax_rates.of(country);
            let coupon = self
                .checkout_coupon(customer, request.coupon.as_deref(), from_cart)
                .await?;
            let discount = match coupon {
                Some(coupon) => {
                    let coupon_lines: Vec<CouponLine> = lines
                        .iter()
                        .map(|(id, qty)| CouponLine {
                            seller: products[id].seller_id,
                            total: products[id].price_cents * qty,
                        })
                        .collect();
                    let discount = coupon.discount_for(&coupon_lines, &currency)?;
                    Some((coupon, discount))
                }
                None => None,
            };

            // Per-customer limits are checked and taken under one lock per customer, so one
            // customer's parallel checkouts cannot both slip under a limit.
            let limited = lines
                .keys()
                .any(|id| products[id].max_per_customer.is_some());
            let lock = limited.then(|| self.customer_locks.lock_for(customer));
            let guard = match &lock {
                Some(lock) => Some(lock.lock().await),
                None => None,
            };
            if limited {
                self.check_limits(customer, &lines, &products).await?;
            }

            let order = new_order(
                customer,
                &lines,
                &products,
                currency,
                Destination {
                    address,
                    method,
                    tax_rate,
                },
                discount
                    .as_ref()
                    .map(|(coupon, discount)| (coupon, *discount)),
                match request.origin {
                    CheckoutOrigin::Waitlist { hold_for } => hold_for,
                    CheckoutOrigin::Customer { .. } => self.hold_ttl,
                },
            );
            let tickets = reserve_all(&self.inventory, order.id, &lines, order.payment_due_at).await?;
            let placed = CheckoutOutcome::Placed(Box::new(order.clone()));
            let idempotency = match &request.idempotency {
                Some(key) => Some((key.clone(), recorded(&placed)?)),
                None => None,
            };
            let work = CheckoutWork {
                order: order.clone(),
                client_address: match &request.origin {
                    CheckoutOrigin::Customer { address, .. } => Some(address.clone()),
                    CheckoutOrigin::Waitlist { .. } => None,
                },
                holds: tickets.clone(),
                idempotency,
                max_unpaid_orders: self.rules.max_unpaid_orders,
                refusal: AfterCommit::default(),
            };
            let refusal = work.refusal.clone();
            let mut written = self.journal.write(work).await;
            if let Err(JournalError::Unavailable(_)) = &written {
                // The commit went unanswered: ask the database whether the order landed.
                match stored_after_all(order.id, |id| self.store.order_exists(id)).await {
                    Some(true) => written = Ok(true),
                    Some(false) => {}
                    // Unknown: memory may now disagree with the database; read the stock again.
                    None => {
                        release_all(&self.inventory, &tickets).await;
                        for ticket in &tickets {
                            self.inventory.reload(ticket.product).await;
                        }
                        return Err(OrderError::Unavailable(
                            "the database did not say whether the order was stored; retry with the \
                             same Idempotency-Key"
                                .into(),
                        ));
                    }
                }
            }
            match written {
                Ok(true) => {
                    committed.set(Some(order.id));
                    for ticket in &tickets {
                        self.inventory.confirm(ticket).await;
                    }
                    announce(&self.hub, &order);
                }
                Ok(false) => {
                    release_all(&self.inventory, &tickets).await;
                    if let Some(broken) = refusal.get().flatten() {
                        return Err(OrderError::from(broken));
                    }
                    // Otherwise refused for a concurrent request with the same key: answer what it
                    // did.
                    let key = request
                        .idempotency
                        .as_ref()
                        .ok_or_else(|| anyhow::anyhow!("checkout refused without a key"))?;
                    return key.replay(&self.store).await?.ok_or(OrderError::InFlight);
                }
                Err(error) => {
                    release_all(&self.inventory, &tickets).await;
                    return Err(refused_checkout(&self.inventory, &lines, error).await);
                }
            }
            drop(guard);

            if from_cart {
                if let Err(error) = self.carts.clear(customer).await {
                    tracing::warn!(%error, order = %order.id, "order placed but the cart could not be emptied");
                }
                if let Err(error) = self.coupons.put_in_cart(customer, None).await {
                    tracing::warn!(%error, order = %order.id, "order placed but the cart kept its coupon");
                }
            }
            let Some(means) = request.payment else {
                return Ok(placed);
            };
            let record_for = request.idempotency.clone().map(RecordFor::Checkout);
            match self
                .charge_and_commit(&order, customer, &means, record_for)
                .await?
            {
                // The payment's transaction recorded this outcome for the key.
                Charged::Paid(paid) => Ok(CheckoutOutcome::Placed(paid)),
                Charged::Declined(code) => {
                    let declined = CheckoutOutcome::Declined(Declined {
                        order: order.id,
                        code,
                    });
                    if let Some(key) = &request.idempotency {
                        self.store
                            .replace_outcome(key, &recorded(&declined)?)
                            .await?;
                    }
                    Ok(declined)
                }
            }
        }
        .await;
        if let Some(claim) = claim {
            self.waiting_rooms.settle(claim, committed.get()).await;
        }
        placed
    }

    /// Claims the customer's admission to the order's waiting-room product, if it has one.
    async fn admission(
        &self,
        customer: Uuid,
        products: &HashMap<Uuid, ForSale>,
        origin: &CheckoutOrigin,
    ) -> Result<Option<Claim>, OrderError> {
        let CheckoutOrigin::Customer { queue_ticket, .. } = origin else {
            return Ok(None);
        };
        let mut rooms = products
            .iter()
            .filter(|(_, product)| product.sale.waiting_room)
            .map(|(id, _)| *id);
        let Some(product) = rooms.next() else {
            return Ok(None);
        };
        if rooms.next().is_some() {
            return Err(OrderError::QueueRequired {
                product,
                refusal: QueueRefusal::SeveralRooms,
            });
        }
        match self
            .waiting_rooms
            .claim(customer, product, queue_ticket.as_deref())
            .await
        {
            Ok(claim) => Ok(Some(claim)),
            Err(DropError::Refused(refusal)) => Err(OrderError::QueueRequired { product, refusal }),
            Err(DropError::Database(error)) => Err(error.into()),
            Err(other) => Err(OrderError::Internal(other.into())),
        }
    }

    /// The coupon to price the order with: `code`, or the cart's when the cart is checked out;
    /// refused if `customer` may not redeem it now.
    async fn checkout_coupon(
        &self,
        customer: Uuid,
        code: Option<&str>,
        from_cart: bool,
    ) -> Result<Option<Coupon>, OrderError> {
        let coupon = match code {
            Some(code) => self.coupons.usable(code, customer).await?,
            None if from_cart => match self.coupons.in_cart(customer).await? {
                Some(coupon) => {
                    self.coupons.check(&coupon, customer).await?;
                    coupon
                }
                None => return Ok(None),
            },
            None => return Ok(None),
        };
        Ok(Some(coupon))
    }

    /// The address to ship to, as snapshotted into the order.
    async fn shipping_address(
        &self,
        customer: Uuid,
        shipping: &Shipping,
    ) -> Result<serde_json::Value, OrderError> {
        match shipping {
            Shipping::Inline(address) => Ok(address_snapshot(address)),
            Shipping::Saved(id) => {
                let saved = self
                    .address_book
                    .find(customer, *id)
                    .await
                    .map_err(OrderError::from)?
                    .ok_or_else(|| {
                        OrderError::invalid(
                            "shipping_address_id",
                            "no such address in your address book",
                        )
                    })?;
                Ok(saved.snapshot())
            }
        }
    }

    async fn check_limits(
        &self,
        customer: Uuid,
        lines: &BTreeMap<Uuid, i64>,
        products: &HashMap<Uuid, ForSale>,
    ) -> Result<(), OrderError> {
        for (id, qty) in lines {
            let Some(limit) = products[id].max_per_customer.map(i64::from) else {
                continue;
            };
            let bought = self.store.units_toward_limit(customer, *id).await?;
            if bought + qty > limit {
                return Err(OrderError::LimitExceeded {
                    product: *id,
                    limit,
                });
            }
        }
        Ok(())
    }
}

/// Where an order goes, how, and the tax rate there.
struct Destination<'a> {
    address: serde_json::Value,
    method: &'a ShippingMethod,
    tax_rate: TaxRate,
}

/// The order a checkout places, priced (see [`super::pricing`]), pending payment until
/// `hold_ttl` from now.
fn new_order(
    customer: Uuid,
    lines: &BTreeMap<Uuid, i64>,
    products: &HashMap<Uuid, ForSale>,
    currency: String,
    destination: Destination<'_>,
    coupon: Option<(&Coupon, Discount)>,
    hold_ttl: time::Duration,
) -> Order {
    let created_at = clock::now();
    let to_price: Vec<LineToPrice> = lines
        .iter()
        .map(|(id, qty)| LineToPrice {
            total: products[id].price_cents * qty,
            discounted: coupon.is_some_and(|(coupon, _)| coupon.covers(products[id].seller_id)),
        })
        .collect();
    let (charges, totals) = price(
        &to_price,
        coupon.map(|(_, discount)| discount),
        destination.method.price_cents,
        destination.tax_rate,
    );
    let items: Vec<OrderItem> = lines
        .iter()
        .zip(charges)
        .map(|((id, qty), charges)| {
            let product = &products[id];
            OrderItem {
                product_id: *id,
                seller_id: product.seller_id,
                sku: product.sku.clone(),
                name: product.name.clone(),
                unit_price_cents: product.price_cents,
                qty: *qty,
                line_total_cents: product.price_cents * qty,
                discount_cents: charges.discount,
                tax_cents: charges.tax,
            }
        })
        .collect();
    Order {
        id: Uuid::now_v7(),
        user_id: customer,
        status: OrderStatus::PendingPayment,
        currency,
        subtotal_cents: totals.subtotal,
        discount_cents: totals.discount,
        shipping_cents: totals.shipping,
        tax_cents: totals.tax,
        total_cents: totals.total,
        shipping_address: destination.address,
        shipping_method: destination.method.id.clone(),
        coupon_id: coupon.map(|(coupon, _)| coupon.id),
        coupon_code: coupon.map(|(coupon, _)| coupon.code.clone()),
        payment_due_at: created_at + hold_ttl,
        created_at,
        updated_at: created_at,
        items,
        events: vec![OrderEvent {
            status: OrderStatus::PendingPayment,
            by: Some(customer),
            note: None,
            at: created_at,
        }],
        payments: vec![],
        refunds: vec![],
        shipments: Vec::new(),
    }
}
