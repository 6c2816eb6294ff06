//! [`InventoryActor`]: one product's stock and open holds.

use super::handle::ExpireHold;
use super::holds::{Hold, OpenHolds};
use super::messages::*;
use crate::hub::{Event, Hub};
use crate::journal::{
    Journal, JournalError, LedgerReason, StockChange, StockOnly, StockSet, ThresholdChange, Unit,
};
use crate::store::{self, Database};
use actix::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use uuid::Uuid;

/// Messages one actor may have queued before senders wait.
const MAILBOX_CAPACITY: usize = 65_536;

/// How often the actor looks for expired holds and for idleness.
const TICK: Duration = Duration::from_millis(200);

/// The stock of one product as the actor knows it.
#[derive(Debug, Default)]
struct Stock {
    seller: Uuid,
    on_hand: i64,
    reserved: i64,
    low_stock_threshold: i64,
    holds: OpenHolds,
}

impl Stock {
    fn available(&self) -> i64 {
        self.on_hand - self.reserved
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            on_hand: self.on_hand,
            reserved: self.reserved,
            available: self.available(),
            low_stock_threshold: self.low_stock_threshold,
        }
    }
}

/// Whether the state could be loaded.
#[derive(Debug)]
enum Loaded {
    Pending,
    Ready(Stock),
    /// The product has no inventory row.
    Missing,
}

/// The single writer of one product's stock.
pub struct InventoryActor {
    product: Uuid,
    db: Database,
    journal: Journal,
    expire: Arc<dyn ExpireHold>,
    slot: Arc<AtomicI64>,
    hub: Hub,
    idle_timeout: Duration,
    state: Loaded,
    /// The stock last published, to publish changes only.
    published: Option<(i64, i64)>,
    last_active: Instant,
    /// Units this actor wrote and is waiting for.
    in_flight: usize,
}

impl InventoryActor {
    pub(crate) fn new(
        product: Uuid,
        db: Database,
        journal: Journal,
        expire: Arc<dyn ExpireHold>,
        slot: Arc<AtomicI64>,
        hub: Hub,
        idle_timeout: Duration,
    ) -> Self {
        Self {
            product,
            db,
            journal,
            expire,
            slot,
            hub,
            idle_timeout,
            state: Loaded::Pending,
            published: None,
            last_active: Instant::now(),
            in_flight: 0,
        }
    }

    fn stock(&mut self) -> Result<&mut Stock, InventoryError> {
        self.last_active = Instant::now();
        match &mut self.state {
            Loaded::Ready(stock) => Ok(stock),
            Loaded::Missing => Err(InventoryError::NotFound),
            Loaded::Pending => Err(InventoryError::Unavailable("inventory not loaded".into())),
        }
    }

    /// Publishes the stock: to the board product pages read, and, when it changed, to the live
    /// hub (fire and forget: emission never slows a reservation).
    fn publish(&mut self) {
        let Loaded::Ready(stock) = &self.state else {
            return;
        };
        let available = stock.available();
        self.slot.store(available, Ordering::Release);
        let now = (stock.on_hand, stock.reserved);
        if self.published == Some(now) {
            return;
        }
        let was_available = self.published.map(|(on_hand, reserved)| on_hand - reserved);
        self.published = Some(now);
        let product = self.product;
        if was_available != Some(available) {
            self.hub.publish(Event::Stock { product, available });
        }
        self.hub.publish(Event::Inventory {
            product,
            seller: stock.seller,
            on_hand: stock.on_hand,
            reserved: stock.reserved,
            available,
        });
        let threshold = stock.low_stock_threshold;
        if available <= threshold && was_available.is_some_and(|before| before > threshold) {
            self.hub.publish(Event::LowStock {
                product,
                seller: stock.seller,
                available,
                threshold,
            });
        }
    }

    /// Loads the durable state, keeping the provisional holds (they are not in the database yet).
    fn load(&mut self, ctx: &mut Context<Self>) {
        let (db, product) = (self.db.clone(), self.product);
        ctx.wait(
            async move { load_stock(&db, product).await }
                .into_actor(self)
                .map(|loaded, actor, ctx| match loaded {
                    Ok(Some(mut stock)) => {
                        if let Loaded::Ready(previous) = &actor.state {
                            // A provisional hold whose unit committed since is loaded already.
                            for (id, hold) in previous.holds.provisional() {
                                if stock.holds.insert(*id, *hold) {
                                    stock.reserved += hold.qty;
                                }
                            }
                        }
                        actor.state = Loaded::Ready(stock);
                        actor.publish();
                    }
                    Ok(None) => actor.state = Loaded::Missing,
                    Err(error) => {
                        tracing::warn!(product = %actor.product, %error, "cannot load inventory");
                        ctx.stop();
                    }
                }),
        );
    }

    /// Starts expiry units for the durable holds whose time has come.
    fn expire_due(&mut self, ctx: &mut Context<Self>) {
        let now = OffsetDateTime::now_utc();
        let product = self.product;
        let Loaded::Ready(stock) = &mut self.state else {
            return;
        };
        let due: Vec<HoldTicket> = stock
            .holds
            .start_expiring(now)
            .into_iter()
            .map(|(hold, open)| HoldTicket {
                hold,
                product,
                order: open.order,
                qty: open.qty,
                expires_at: open.expires_at,
            })
            .collect();
        for ticket in due {
            self.in_flight += 1;
            let write = self.journal.write(self.expire.unit(&ticket));
            ctx.spawn(write.into_actor(self).map(move |outcome, actor, _| {
                actor.in_flight -= 1;
                actor.expiry_done(ticket.hold, outcome);
            }));
        }
    }

    fn stop_if_idle(&mut self, ctx: &mut Context<Self>) {
        let quiet = self.last_active.elapsed() >= self.idle_timeout && self.in_flight == 0;
        let no_holds = match &self.state {
            Loaded::Ready(stock) => stock.holds.is_empty(),
            _ => true,
        };
        if quiet && no_holds {
            ctx.stop();
        }
    }
}

async fn load_stock(db: &Database, product: Uuid) -> sqlx::Result<Option<Stock>> {
    let Some(stored) = store::load_stock(db, product).await? else {
        return Ok(None);
    };
    Ok(Some(Stock {
        seller: stored.seller,
        on_hand: stored.on_hand,
        reserved: stored.reserved,
        low_stock_threshold: stored.low_stock_threshold,
        holds: stored
            .holds
            .into_iter()
            .map(|(id, order, qty, expires_at)| {
                let hold = Hold {
                    order,
                    qty,
                    expires_at,
                    durable: true,
                    expiring: false,
                };
                (id, hold)
            })
            .collect(),
    }))
}

impl Actor for InventoryActor {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Context<Self>) {
        metrics::gauge!("inventory_actors_active").decrement(1.0);
    }

    fn started(&mut self, ctx: &mut Context<Self>) {
        metrics::gauge!("inventory_actors_active").increment(1.0);
        // A flash sale queues thousands of messages for one product; the default mailbox of 16
        // would make every sender wait. Beyond this, senders wait: back-pressure, not memory.
        ctx.set_mailbox_capacity(MAILBOX_CAPACITY);
        self.load(ctx);
        ctx.run_interval(TICK, |actor, ctx| {
            actor.expire_due(ctx);
            actor.stop_if_idle(ctx);
        });
    }
}

impl Handler<Reserve> for InventoryActor {
    type Result = Result<HoldTicket, InventoryError>;

    fn handle(&mut self, msg: Reserve, _: &mut Context<Self>) -> Self::Result {
        let product = self.product;
        let stock = self.stock()?;
        let available = stock.available();
        if msg.qty <= 0 || available < msg.qty {
            return Err(InventoryError::OutOfStock { available });
        }
        let hold = Uuid::now_v7();
        stock.reserved += msg.qty;
        stock.holds.insert(
            hold,
            Hold {
                order: msg.order,
                qty: msg.qty,
                expires_at: msg.expires_at,
                durable: false,
                expiring: false,
            },
        );
        self.publish();
        Ok(HoldTicket {
            hold,
            product,
            order: msg.order,
            qty: msg.qty,
            expires_at: msg.expires_at,
        })
    }
}

impl Handler<Confirm> for InventoryActor {
    type Result = ();

    fn handle(&mut self, msg: Confirm, _: &mut Context<Self>) {
        if let Ok(stock) = self.stock()
            && let Some(hold) = stock.holds.get_mut(&msg.hold)
        {
            hold.durable = true;
        }
    }
}

impl Handler<Release> for InventoryActor {
    type Result = ();

    fn handle(&mut self, msg: Release, _: &mut Context<Self>) {
        if let Ok(stock) = self.stock()
            && let Some(hold) = stock.holds.remove(&msg.hold)
        {
            stock.reserved -= hold.qty;
            self.publish();
        }
    }
}

impl Handler<Commit> for InventoryActor {
    type Result = ();

    fn handle(&mut self, msg: Commit, _: &mut Context<Self>) {
        if let Ok(stock) = self.stock()
            && let Some(hold) = stock.holds.remove(&msg.hold)
        {
            stock.reserved -= hold.qty;
            stock.on_hand -= hold.qty;
            self.publish();
        }
    }
}

impl Handler<Returned> for InventoryActor {
    type Result = ();

    fn handle(&mut self, msg: Returned, _: &mut Context<Self>) {
        if let Ok(stock) = self.stock() {
            stock.on_hand += msg.delta;
            self.publish();
        }
    }
}

impl Handler<GetSnapshot> for InventoryActor {
    type Result = Result<Snapshot, InventoryError>;

    fn handle(&mut self, _: GetSnapshot, _: &mut Context<Self>) -> Self::Result {
        Ok(self.stock()?.snapshot())
    }
}

impl Handler<Reload> for InventoryActor {
    type Result = ();

    fn handle(&mut self, _: Reload, ctx: &mut Context<Self>) {
        self.load(ctx);
    }
}

impl Handler<Adjust> for InventoryActor {
    type Result = ResponseActFuture<Self, Result<Snapshot, InventoryError>>;

    fn handle(&mut self, msg: Adjust, _: &mut Context<Self>) -> Self::Result {
        self.change_on_hand(msg.delta, msg.reason)
    }
}

impl Handler<SetStock> for InventoryActor {
    type Result = AtomicResponse<Self, Result<Snapshot, InventoryError>>;

    /// Atomic: the actor takes no other message until the new stock is durable, so two settings
    /// of one product never share a batch (each computes its change from the row it locks).
    /// Until then reservations count the old stock; the database's CHECK refuses any that the new
    /// stock cannot cover.
    fn handle(&mut self, msg: SetStock, _: &mut Context<Self>) -> Self::Result {
        let stock = match self.stock() {
            Ok(stock) => stock,
            Err(error) => return AtomicResponse::new(Box::pin(fut::ready(Err(error)))),
        };
        if msg.on_hand < stock.reserved {
            let reserved = stock.reserved;
            let refused = Err(InventoryError::BelowReserved { reserved });
            return AtomicResponse::new(Box::pin(fut::ready(refused)));
        }
        let change = std::sync::Arc::default();
        let unit = StockSet {
            product: self.product,
            target: msg.on_hand,
            reason: msg.reason,
            change: std::sync::Arc::clone(&change),
        };
        self.in_flight += 1;
        let write = self.journal.write(unit);
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |outcome, actor, ctx| {
                actor.in_flight -= 1;
                let result = match outcome {
                    Ok(true) => {
                        let delta = change
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .unwrap_or(0);
                        if let Loaded::Ready(stock) = &mut actor.state {
                            stock.on_hand += delta;
                        }
                        actor.stock().map(|stock| stock.snapshot())
                    }
                    // Below what the database holds reserved: it knows more than this actor.
                    Ok(false) => {
                        actor.load(ctx);
                        let reserved = actor.stock().map_or(0, |stock| stock.reserved);
                        Err(InventoryError::BelowReserved { reserved })
                    }
                    Err(error) => {
                        if matches!(error, JournalError::Refused(_)) {
                            actor.load(ctx);
                        }
                        Err(InventoryError::Unavailable(error.to_string()))
                    }
                };
                actor.publish();
                result
            },
        )))
    }
}

impl Handler<SetThreshold> for InventoryActor {
    type Result = ResponseActFuture<Self, Result<Snapshot, InventoryError>>;

    fn handle(&mut self, msg: SetThreshold, _: &mut Context<Self>) -> Self::Result {
        if let Err(error) = self.stock() {
            return Box::pin(fut::ready(Err(error)));
        }
        let unit = ThresholdChange {
            product: self.product,
            threshold: msg.threshold,
        };
        self.write_then(Unit::from(unit), move |actor, written| {
            if written && let Loaded::Ready(stock) = &mut actor.state {
                stock.low_stock_threshold = msg.threshold;
            }
        })
    }
}

impl InventoryActor {
    /// Changes `on_hand` by `delta`, durably; never below what is reserved. A decrease counts
    /// at once, an increase only once it is durable.
    fn change_on_hand(
        &mut self,
        delta: i64,
        reason: LedgerReason,
    ) -> ResponseActFuture<Self, Result<Snapshot, InventoryError>> {
        let product = self.product;
        let stock = match self.stock() {
            Ok(stock) => stock,
            Err(error) => return Box::pin(fut::ready(Err(error))),
        };
        if stock.on_hand + delta < stock.reserved {
            let reserved = stock.reserved;
            return Box::pin(fut::ready(Err(InventoryError::BelowReserved { reserved })));
        }
        if delta == 0 {
            return Box::pin(fut::ready(Ok(stock.snapshot())));
        }
        if delta < 0 {
            stock.on_hand += delta;
            self.publish();
        }
        let change = StockChange {
            product,
            reserved: 0,
            on_hand: delta,
            reason,
            order: None,
        };
        self.write_then(
            Unit::from(StockOnly(vec![change])),
            move |actor, written| {
                if let Loaded::Ready(stock) = &mut actor.state {
                    match (written, delta > 0) {
                        (true, true) => stock.on_hand += delta,
                        (false, false) => stock.on_hand -= delta,
                        _ => {}
                    }
                }
            },
        )
    }

    /// Writes `unit` through the journal, then applies `done` (told whether it was written) and
    /// answers the new stock. A unit the database refused makes the actor reload: the database
    /// knows something this actor does not.
    fn write_then(
        &mut self,
        unit: Unit,
        done: impl FnOnce(&mut Self, bool) + 'static,
    ) -> ResponseActFuture<Self, Result<Snapshot, InventoryError>> {
        self.in_flight += 1;
        let write = self.journal.write(unit);
        Box::pin(write.into_actor(self).map(move |outcome, actor, ctx| {
            actor.in_flight -= 1;
            done(actor, matches!(outcome, Ok(true)));
            let result = match outcome {
                Ok(_) => actor.stock().map(|stock| stock.snapshot()),
                Err(error) => {
                    if matches!(error, JournalError::Refused(_)) {
                        actor.load(ctx);
                    }
                    Err(InventoryError::Unavailable(error.to_string()))
                }
            };
            actor.publish();
            result
        }))
    }
}

impl InventoryActor {
    /// Applies the outcome of an expiry unit.
    fn expiry_done(&mut self, hold: Uuid, released: Result<bool, JournalError>) {
        let product = self.product;
        let Loaded::Ready(stock) = &mut self.state else {
            return;
        };
        match released {
            Ok(true) => {
                if let Some(hold) = stock.holds.remove(&hold) {
                    stock.reserved -= hold.qty;
                }
                self.publish();
            }
            // Paid or cancelled meanwhile: the payment or the cancellation tells this actor.
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(%product, %hold, %error, "hold expiry failed; retrying");
                if let Some(hold) = stock.holds.get_mut(&hold) {
                    hold.expiring = false;
                }
            }
        }
    }
}
