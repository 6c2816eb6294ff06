//! [`Waitlists`]: customers subscribe to a sold-out product; a restock tells them, in the order
//! they subscribed, live and by mail, and may first hold a unit for each of the first few (an
//! order pending payment for its usual time or the one configured).
//!
//! A restock takes its subscribers off the list in one transaction (so two restocks racing
//! tell each once), places their holds one after the other (each an ordinary checkout of one
//! unit to their default address; one that cannot be placed, for want of an address or of
//! stock, is told without a hold), then stores their notifications and mail in one
//! transaction. A crash in between leaves them off the list untold (and holds placed stay
//! orders of theirs, which expire unpaid).

use super::DropError;
use super::store::DropStore;
use crate::accounts::AddressBook;
use crate::catalog::Catalog;
use crate::domain::{Caller, ProductStatus};
use crate::notifications::New;
use crate::orders::{
    CheckoutLine, CheckoutOrigin, CheckoutOutcome, CheckoutRequest, LineSource, Orders, Shipping,
};
use crate::outbox::letters;
use bazaar_actors::hub::Hub;
use bazaar_actors::inventory::Inventory;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;
use uuid::Uuid;

/// The most units one restock may hold for subscribers.
pub(crate) const MAX_WAITLIST_HOLDS: i64 = 1_000;

/// A subscription.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WaitlistStanding {
    pub product_id: Uuid,
    /// 1 for the first to be told.
    pub position: i64,
}

/// How many wait for a product (its seller's view).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WaitlistCount {
    pub product_id: Uuid,
    pub waiting: i64,
}

/// Back-in-stock waitlists.
#[derive(Clone)]
pub(crate) struct Waitlists {
    store: DropStore,
    catalog: Catalog,
    inventory: Inventory,
    orders: Orders,
    address_book: AddressBook,
    hub: Hub,
    /// How long a unit held for a subscriber waits for their payment.
    hold_for: time::Duration,
}

impl Waitlists {
    pub(crate) fn new(
        store: DropStore,
        catalog: Catalog,
        inventory: Inventory,
        orders: Orders,
        address_book: AddressBook,
        hub: Hub,
        hold_for: time::Duration,
    ) -> Self {
        Self {
            store,
            catalog,
            inventory,
            orders,
            address_book,
            hub,
            hold_for,
        }
    }

    /// Subscribes `caller` to `product`, which must be on sale and sold out.
    pub(crate) async fn subscribe(
        &self,
        caller: Caller,
        product: Uuid,
    ) -> Result<WaitlistStanding, DropError> {
        let cached = self.catalog.product(Some(caller), product).await?;
        if cached.product.status != ProductStatus::Published {
            return Err(DropError::NotForSale);
        }
        let available = self.inventory.snapshot(product).await?.available;
        if available > 0 {
            return Err(DropError::InStock { available });
        }
        let ahead = self.store.subscribe(product, caller.id).await?;
        Ok(WaitlistStanding {
            product_id: product,
            position: ahead + 1,
        })
    }

    pub(crate) async fn unsubscribe(&self, caller: Caller, product: Uuid) -> Result<(), DropError> {
        if self.store.unsubscribe(product, caller.id).await? {
            Ok(())
        } else {
            Err(DropError::NotSubscribed)
        }
    }

    /// How many wait for a product `viewer` manages.
    pub(crate) async fn count(
        &self,
        viewer: Caller,
        product: Uuid,
    ) -> Result<WaitlistCount, DropError> {
        self.catalog.ensure_manages(viewer, product).await?;
        Ok(WaitlistCount {
            product_id: product,
            waiting: self.store.waiting(product).await?,
        })
    }

    /// `product` has stock again: holds a unit for each of the first `holds` subscribers, then
    /// tells every subscriber, in order.
    pub(crate) async fn restocked(&self, product: Uuid, holds: i64) -> Result<(), DropError> {
        let subscribers = self.store.take_subscribers(product).await?;
        if subscribers.is_empty() {
            return Ok(());
        }
        let name = self
            .catalog
            .product(None, product)
            .await?
            .product
            .name
            .clone();
        let mut batch = Vec::with_capacity(subscribers.len());
        let mut mail = Vec::with_capacity(subscribers.len());
        let mut holds_left = holds;
        for &user in &subscribers {
            let held = if holds_left > 0 {
                self.hold_for(user, product).await
            } else {
                None
            };
            if held.is_some() {
                holds_left -= 1;
            }
            let letter = match &held {
                Some((order, due)) => letters::back_in_stock_held(&name, *order, due),
                None => letters::back_in_stock(&name, product),
            };
            batch.push(New {
                id: Uuid::now_v7(),
                user,
                kind: "back_in_stock",
                title: letter.subject.clone(),
                body: letter.text.trim_end().to_owned(),
                order: held.map(|(order, _)| order),
                product: Some(product),
            });
            mail.push((user, letter));
        }
        self.store.notify(&batch, &mail).await?;
        for n in batch {
            self.hub.publish(n.into_event());
        }
        Ok(())
    }

    /// Places an order of one unit of `product` for `user`, held for them: its id and when its
    /// hold ends; none if it cannot be placed.
    async fn hold_for(&self, user: Uuid, product: Uuid) -> Option<(Uuid, String)> {
        let address = match self.address_book.default_address(user).await {
            Ok(Some(address)) => address,
            Ok(None) => return None,
            Err(error) => {
                tracing::warn!(%error, %user, "a subscriber's address could not be read");
                return None;
            }
        };
        let request = CheckoutRequest {
            customer: user,
            lines: LineSource::Items(vec![CheckoutLine { product, qty: 1 }]),
            shipping: Shipping::Saved(address.id),
            shipping_method: None,
            payment: None,
            coupon: None,
            idempotency: None,
            origin: CheckoutOrigin::Waitlist {
                hold_for: self.hold_for,
            },
        };
        match self.orders.checkout(request).await {
            Ok(CheckoutOutcome::Placed(order)) => Some((
                order.id,
                order.payment_due_at.format(&Rfc3339).unwrap_or_default(),
            )),
            Ok(CheckoutOutcome::Declined(_)) => None,
            Err(refused) => {
                tracing::info!(%refused, %user, %product, "no unit held for a subscriber");
                None
            }
        }
    }
}
