//! Orders: checkout (reservations through the inventory actors, one journal unit for the order),
//! payment, cancellation, hold expiry, fulfilment by sellers and couriers, idempotent retries, and
//! reading orders back as each reader may see them.
//!
//! [`Orders`] is the service the routes call, holding the services it uses. Checkout and payment
//! answer typed outcomes ([`CheckoutOutcome`], [`PaymentOutcome`]) that the idempotency records
//! store; the routes alone turn them into HTTP answers.

mod announce;
mod cancel;
mod checkout;
mod courier_view;
mod error;
mod expiry;
mod fulfilment;
mod gateway_events;
mod holds;
mod idempotency;
mod keyed_locks;
mod lines;
mod model;
mod outcome;
mod pay;
pub(crate) mod pricing;
mod reading;
mod refunds;
mod returns;
mod seller_view;
mod shipping;
mod store;
mod unanswered;
mod units;
mod views;

pub(crate) use checkout::{CheckoutOrigin, CheckoutRequest, LineSource};
pub(crate) use courier_view::Delivery;
pub(crate) use error::OrderError;
pub(crate) use idempotency::{Fingerprints, IdempotencyKey};
pub(crate) use lines::CheckoutLine;
pub(crate) use model::{Order, OrderFilter, RefundRecord, Return};
pub(crate) use outcome::{CheckoutOutcome, Declined, PaymentOutcome};
pub(crate) use pay::{PaymentMeans, PaymentRequest};
pub(crate) use refunds::RefundRequest;
pub(crate) use returns::{Decision, ReturnRequest};
pub(crate) use shipping::Shipping;
pub use shipping::{ShippingMethod, ShippingMethods, TaxRates};
pub(crate) use units::{Handover, Step};
pub(crate) use views::OrderView;

pub(crate) use announce::{announce, announce_moved};
pub(crate) use expiry::{HoldExpiry, resume_holds};
pub(crate) use store::OrderStore;

use crate::accounts::AddressBook;
use crate::catalog::Catalog;
use crate::coupons::Coupons;
use crate::drops::{CheckoutPace, WaitingRooms};
use crate::payments::PaymentGateway;
use bazaar_actors::cart::Carts;
use bazaar_actors::hub::Hub;
use bazaar_actors::inventory::Inventory;
use bazaar_actors::journal::Journal;
pub(crate) use keyed_locks::KeyedLocks;
use std::sync::Arc;
use uuid::Uuid;

/// Placing, paying, cancelling and reading orders.
#[derive(Clone)]
pub(crate) struct Orders {
    store: OrderStore,
    journal: Journal,
    inventory: Inventory,
    carts: Carts,
    catalog: Catalog,
    address_book: AddressBook,
    gateway: Arc<dyn PaymentGateway>,
    hub: Hub,
    /// How long an unpaid order holds its stock.
    hold_ttl: time::Duration,
    rules: OrderRules,
    shipping_methods: ShippingMethods,
    tax_rates: TaxRates,
    coupons: Coupons,
    /// The currency wallets hold: orders in it may be paid from the wallet.
    wallet_currency: String,
    fingerprints: Fingerprints,
    waiting_rooms: WaitingRooms,
    /// The latency of checkouts, which the waiting rooms' adaptive pace follows.
    checkout_pace: Arc<CheckoutPace>,
    customer_locks: Arc<KeyedLocks<Uuid>>,
    /// By user, scope and idempotency key.
    key_locks: Arc<KeyedLocks<(Uuid, String, String)>>,
    /// By order: one payment attempt of an order at a time, so its count of declines is exact.
    payment_locks: Arc<KeyedLocks<Uuid>>,
}

/// What [`Orders`] works with.
pub(crate) struct OrderServices {
    pub store: OrderStore,
    pub journal: Journal,
    pub inventory: Inventory,
    pub carts: Carts,
    pub catalog: Catalog,
    pub address_book: AddressBook,
    pub gateway: Arc<dyn PaymentGateway>,
    pub hub: Hub,
    pub hold_ttl: time::Duration,
    pub rules: OrderRules,
    pub shipping_methods: ShippingMethods,
    pub tax_rates: TaxRates,
    pub coupons: Coupons,
    pub wallet_currency: String,
    pub fingerprints: Fingerprints,
    pub waiting_rooms: WaitingRooms,
    pub checkout_pace: Arc<CheckoutPace>,
}

/// The shop's rules against hoarding stock and testing stolen cards. They are business rules,
/// not rate limits: `BAZAAR_RATE_LIMIT=off` does not lift them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OrderRules {
    /// The most orders pending payment one customer may have.
    pub max_unpaid_orders: i64,
    /// After this many declined payments an order refuses further attempts.
    pub max_payment_declines: i64,
    /// How long after its delivery a customer may return a parcel.
    pub return_window: time::Duration,
}

impl Orders {
    /// How request bodies are fingerprinted for their idempotency records.
    pub(crate) fn fingerprints(&self) -> &Fingerprints {
        &self.fingerprints
    }

    /// The shop's shipping methods.
    pub(crate) fn shipping_methods(&self) -> &[ShippingMethod] {
        self.shipping_methods.all()
    }

    pub(crate) fn new(services: OrderServices) -> Self {
        Self {
            store: services.store,
            journal: services.journal,
            inventory: services.inventory,
            carts: services.carts,
            catalog: services.catalog,
            address_book: services.address_book,
            gateway: services.gateway,
            hub: services.hub,
            hold_ttl: services.hold_ttl,
            rules: services.rules,
            shipping_methods: services.shipping_methods,
            tax_rates: services.tax_rates,
            coupons: services.coupons,
            wallet_currency: services.wallet_currency,
            fingerprints: services.fingerprints,
            waiting_rooms: services.waiting_rooms,
            checkout_pace: services.checkout_pace,
            customer_locks: Arc::default(),
            key_locks: Arc::default(),
            payment_locks: Arc::default(),
        }
    }
}
