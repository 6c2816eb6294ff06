//! [`Inventory`]: the registry of inventory actors and the typed way to reach them.

use super::actor::InventoryActor;
use super::board::StockBoard;
use super::messages::*;
use crate::hub::Hub;
use crate::journal::{Journal, LedgerReason, Unit};
use crate::registry::Registry;
use crate::store::Database;
use actix::{Actor, Addr, ArbiterHandle, MailboxError, Message};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// Builds the unit that expires a hold: releases it if it is still held and expires its order.
/// Orders are the server's business, so the server provides it.
pub trait ExpireHold: Send + Sync + 'static {
    fn unit(&self, hold: &HoldTicket) -> Unit;
}

/// How inventory actors live.
#[derive(Clone, Copy, Debug)]
pub struct InventoryConfig {
    /// How long an actor without open holds stays after its last message.
    pub idle_timeout: Duration,
}

/// Every product's inventory actor, started on first use.
#[derive(Clone)]
pub struct Inventory {
    inner: Arc<Inner>,
}

struct Inner {
    actors: Mutex<Registry<Uuid, InventoryActor>>,
    arbiter: ArbiterHandle,
    db: Database,
    journal: Journal,
    expire: Arc<dyn ExpireHold>,
    board: Arc<StockBoard>,
    hub: Hub,
    config: InventoryConfig,
}

impl Inventory {
    /// Inventory actors running on `arbiter`, writing through `journal`, publishing to `hub`.
    pub fn new(
        arbiter: ArbiterHandle,
        db: Database,
        journal: Journal,
        expire: Arc<dyn ExpireHold>,
        hub: Hub,
        config: InventoryConfig,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                actors: Mutex::default(),
                arbiter,
                db,
                journal,
                expire,
                board: Arc::default(),
                hub,
                config,
            }),
        }
    }

    /// Live `available` per product, published by the actors.
    pub fn board(&self) -> &StockBoard {
        &self.inner.board
    }

    /// How many inventory actors are running.
    pub fn running(&self) -> usize {
        let mut actors = self
            .inner
            .actors
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        actors.prune();
        actors.running()
    }

    fn actor(&self, product: Uuid) -> Addr<InventoryActor> {
        let inner = &self.inner;
        let mut actors = inner.actors.lock().unwrap_or_else(PoisonError::into_inner);
        actors.get_or_start(product, || {
            metrics::counter!("inventory_actors_started_total").increment(1);
            let (db, journal, expire) = (
                inner.db.clone(),
                inner.journal.clone(),
                inner.expire.clone(),
            );
            let (slot, hub) = (inner.board.slot(product), inner.hub.clone());
            let idle_timeout = inner.config.idle_timeout;
            InventoryActor::start_in_arbiter(&inner.arbiter, move |_| {
                InventoryActor::new(product, db, journal, expire, slot, hub, idle_timeout)
            })
        })
    }

    /// Sends `message` to `product`'s actor; if that actor stopped in the meantime (idle), the
    /// message was not handled, so it goes to a fresh actor once.
    async fn send<M>(&self, product: Uuid, message: M) -> Result<M::Result, InventoryError>
    where
        M: Message + Send + Clone + 'static,
        M::Result: Send,
        InventoryActor: actix::Handler<M>,
    {
        // Messages sent and not yet answered: the depth of the inventory mailboxes.
        let waiting = metrics::gauge!("inventory_messages_waiting");
        waiting.increment(1.0);
        let sent = self.actor(product).send(message.clone()).await;
        waiting.decrement(1.0);
        match sent {
            Ok(result) => Ok(result),
            Err(MailboxError::Closed) => self
                .actor(product)
                .send(message)
                .await
                .map_err(|error| InventoryError::Unavailable(error.to_string())),
            Err(error) => Err(InventoryError::Unavailable(error.to_string())),
        }
    }

    /// Starts the actors of `products` (those with open holds after a restart), so their holds
    /// expire on time even if nobody asks for those products.
    pub fn wake(&self, products: &[Uuid]) {
        for product in products {
            self.actor(*product);
        }
    }

    /// Holds `qty` units of `product` for `order` (provisionally) until `expires_at`.
    pub async fn reserve(
        &self,
        product: Uuid,
        order: Uuid,
        qty: i64,
        expires_at: OffsetDateTime,
    ) -> Result<HoldTicket, InventoryError> {
        self.send(
            product,
            Reserve {
                order,
                qty,
                expires_at,
            },
        )
        .await?
    }

    /// The hold's checkout committed.
    pub async fn confirm(&self, ticket: &HoldTicket) {
        self.tell(ticket.product, Confirm { hold: ticket.hold })
            .await;
    }

    /// The hold's units go back on sale (failed checkout, committed release).
    pub async fn release(&self, ticket: &HoldTicket) {
        self.tell(ticket.product, Release { hold: ticket.hold })
            .await;
    }

    /// The hold's units were sold (committed payment).
    pub async fn commit(&self, product: Uuid, hold: Uuid) {
        self.tell(product, Commit { hold }).await;
    }

    /// The released hold of a durable release (cancellation).
    pub async fn release_hold(&self, product: Uuid, hold: Uuid) {
        self.tell(product, Release { hold }).await;
    }

    /// `delta` units came back through a committed unit (cancelled paid order).
    pub async fn returned(&self, product: Uuid, delta: i64) {
        self.tell(product, Returned { delta }).await;
    }

    /// The database refused a change for `product`: its actor reloads.
    pub async fn reload(&self, product: Uuid) {
        self.tell(product, Reload).await;
    }

    /// Changes `on_hand` durably and answers the new stock.
    pub async fn adjust(
        &self,
        product: Uuid,
        delta: i64,
        reason: LedgerReason,
    ) -> Result<Snapshot, InventoryError> {
        self.send(product, Adjust { delta, reason }).await?
    }

    /// Sets `on_hand` durably (an import), recording the difference in the ledger with
    /// `reason`, and answers the new stock.
    pub async fn set_stock(
        &self,
        product: Uuid,
        on_hand: i64,
        reason: LedgerReason,
    ) -> Result<Snapshot, InventoryError> {
        self.send(product, SetStock { on_hand, reason }).await?
    }

    /// Sets the low-stock threshold durably; the next alert uses it.
    pub async fn set_threshold(
        &self,
        product: Uuid,
        threshold: i64,
    ) -> Result<Snapshot, InventoryError> {
        self.send(product, SetThreshold { threshold }).await?
    }

    /// The current stock of `product`.
    pub async fn snapshot(&self, product: Uuid) -> Result<Snapshot, InventoryError> {
        self.send(product, GetSnapshot).await?
    }

    /// A notification that must not be lost when the actor is replaced; a running actor always
    /// takes it, a stopped one reloads the truth from the database anyway.
    async fn tell<M>(&self, product: Uuid, message: M)
    where
        M: Message<Result = ()> + Send + Clone + 'static,
        InventoryActor: actix::Handler<M>,
    {
        if let Err(error) = self.send(product, message).await {
            tracing::warn!(%product, %error, "inventory actor unreachable");
        }
    }
}
