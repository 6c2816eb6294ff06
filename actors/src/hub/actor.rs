//! [`Hub`]: the routing table of live sessions, and its events.

use actix::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use uuid::Uuid;

/// How many pushes a session may have queued before it is dropped as too slow.
const SESSION_QUEUE: usize = 1_024;
/// A product's stock goes out at most once per this window, with its latest value: a flash
/// sale's thousands of changes a second become ten messages a second per watcher, so fanning out
/// to thousands of watchers stays cheap.
const STOCK_WINDOW: std::time::Duration = std::time::Duration::from_millis(100);

/// Something that happened, as the hub routes it (and as processes relay it to each other).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A product's public stock changed.
    Stock { product: Uuid, available: i64 },
    /// A product's stock, for its seller.
    Inventory {
        product: Uuid,
        seller: Uuid,
        on_hand: i64,
        reserved: i64,
        available: i64,
    },
    /// A product's stock fell to or below its threshold, for its seller.
    LowStock {
        product: Uuid,
        seller: Uuid,
        available: i64,
        threshold: i64,
    },
    /// An order changed, for its customer, the sellers of its lines and its couriers.
    Order {
        order: Uuid,
        status: String,
        customer: Uuid,
        sellers: Vec<Uuid>,
        /// The couriers carrying its shipments.
        #[serde(default)]
        couriers: Vec<Uuid>,
        /// The shipments a fulfilment step moved, when one did.
        #[serde(default)]
        shipments: Vec<ShipmentStep>,
    },
    /// A product's sale was scheduled, opened or ended, for its watchers.
    Sale {
        product: Uuid,
        /// `upcoming`, `open` or `ended`.
        state: String,
        #[serde(with = "time::serde::rfc3339::option")]
        starts_at: Option<OffsetDateTime>,
        #[serde(with = "time::serde::rfc3339::option")]
        ends_at: Option<OffsetDateTime>,
    },
    /// Where a product's waiting room stands, for its watchers (each queued session works out
    /// its own place from `admitted_through`).
    QueueProgress {
        product: Uuid,
        /// Every place up to this one has been admitted.
        admitted_through: i64,
        /// `open`, `paused` (no stock to admit for now) or `sold_out`.
        state: String,
    },
    /// Buyers got their places in a waiting room (the early arrivals' draw at the start, or
    /// one arrival after it): each user's sessions hear their own.
    QueuePlaces {
        product: Uuid,
        places: Vec<QueuePlace>,
    },
    /// Buyers were admitted from a waiting room: each user's sessions hear it.
    QueueAdmitted {
        product: Uuid,
        users: Vec<Uuid>,
        #[serde(with = "time::serde::rfc3339")]
        until: OffsetDateTime,
    },
    /// A stored notification, for its user.
    Notification {
        id: Uuid,
        user: Uuid,
        kind: String,
        title: String,
        body: String,
        order: Option<Uuid>,
        product: Option<Uuid>,
    },
}

/// A buyer's place in a waiting room, and how many are ahead of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueuePlace {
    pub user: Uuid,
    /// The buyer's place: admitted once the room's `admitted_through` reaches it.
    pub place: i64,
    /// How many places are still ahead of it.
    pub position: i64,
}

/// A shipment that moved: whose, to which status, and who carries it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ShipmentStep {
    pub seller: Uuid,
    pub status: String,
    pub courier: Option<Uuid>,
    pub tracking_number: Option<String>,
}

/// An event on its way to one session, with when it happened.
#[derive(Clone, Debug)]
pub struct Push {
    pub event: Arc<Event>,
    pub at: OffsetDateTime,
    /// The event as its sessions send it, rendered by the first of them and shared by the
    /// rest: one serialization per event, not one per watcher.
    pub rendered: Arc<std::sync::OnceLock<String>>,
}

impl Push {
    pub fn new(event: Event, at: OffsetDateTime) -> Self {
        Self {
            event: Arc::new(event),
            at,
            rendered: Arc::default(),
        }
    }
}

/// A registered session: its id and the queue the hub fills.
pub struct Subscription {
    pub id: Uuid,
    pub pushes: mpsc::Receiver<Push>,
}

struct Session {
    user: Option<Uuid>,
    queue: mpsc::Sender<Push>,
    products: HashSet<Uuid>,
}

/// The hub actor.
#[derive(Default)]
pub struct HubActor {
    sessions: HashMap<Uuid, Session>,
    watchers: HashMap<Uuid, HashSet<Uuid>>,
    users: HashMap<Uuid, HashSet<Uuid>>,
    /// Where events that happened in this process go to reach the other processes.
    relay: Option<mpsc::UnboundedSender<Push>>,
    /// The latest stock of each product changed since the last window.
    pending_stock: HashMap<Uuid, Push>,
}

impl Actor for HubActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(65_536);
        ctx.run_interval(STOCK_WINDOW, |hub, _| hub.flush_stock());
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Connect {
    id: Uuid,
    user: Option<Uuid>,
    queue: mpsc::Sender<Push>,
}

#[derive(Message)]
#[rtype(result = "()")]
struct Disconnect {
    id: Uuid,
}

#[derive(Message)]
#[rtype(result = "()")]
struct Watch {
    id: Uuid,
    product: Uuid,
    watch: bool,
}

/// An event to route; `local` ones are also relayed to the other processes.
#[derive(Message)]
#[rtype(result = "()")]
struct Publish {
    push: Push,
    local: bool,
}

/// How many sessions are connected.
#[derive(Message)]
#[rtype(result = "usize")]
struct CountSessions;

impl HubActor {
    /// Stops sending `product`'s stock to session `id`; a product nobody watches any more leaves
    /// the table, so watching and unwatching many products leaves nothing behind.
    fn unwatch(&mut self, product: Uuid, id: Uuid) {
        if let Some(watchers) = self.watchers.get_mut(&product) {
            watchers.remove(&id);
            if watchers.is_empty() {
                self.watchers.remove(&product);
            }
        }
    }

    fn remove(&mut self, id: Uuid) {
        if let Some(session) = self.sessions.remove(&id) {
            for product in session.products {
                self.unwatch(product, id);
            }
            if let Some(user) = session.user
                && let Some(sessions) = self.users.get_mut(&user)
            {
                sessions.remove(&id);
                if sessions.is_empty() {
                    self.users.remove(&user);
                }
            }
        }
        metrics::gauge!("live_sessions").set(self.sessions.len() as f64);
    }

    fn deliver(&mut self, targets: Vec<Uuid>, push: &Push) {
        let mut too_slow = Vec::new();
        for id in targets {
            if let Some(session) = self.sessions.get(&id) {
                match session.queue.try_send(push.clone()) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(_)) => too_slow.push(id),
                    Err(mpsc::error::TrySendError::Closed(_)) => too_slow.push(id),
                }
            }
        }
        for id in too_slow {
            metrics::counter!("live_slow_session_drops_total").increment(1);
            self.remove(id);
        }
    }

    /// Sends each product's latest stock to its watchers.
    fn flush_stock(&mut self) {
        let pending: Vec<(Uuid, Push)> = self.pending_stock.drain().collect();
        for (product, push) in pending {
            let watchers: Vec<Uuid> = self
                .watchers
                .get(&product)
                .into_iter()
                .flatten()
                .copied()
                .collect();
            self.deliver(watchers, &push);
        }
    }

    fn user_sessions(&self, user: &Uuid) -> impl Iterator<Item = Uuid> + '_ {
        self.users.get(user).into_iter().flatten().copied()
    }
}

impl Handler<Connect> for HubActor {
    type Result = ();

    fn handle(&mut self, msg: Connect, _: &mut Context<Self>) {
        if let Some(user) = msg.user {
            self.users.entry(user).or_default().insert(msg.id);
        }
        self.sessions.insert(
            msg.id,
            Session {
                user: msg.user,
                queue: msg.queue,
                products: HashSet::new(),
            },
        );
        metrics::gauge!("live_sessions").set(self.sessions.len() as f64);
    }
}

impl Handler<Disconnect> for HubActor {
    type Result = ();

    fn handle(&mut self, msg: Disconnect, _: &mut Context<Self>) {
        self.remove(msg.id);
    }
}

impl Handler<Watch> for HubActor {
    type Result = ();

    fn handle(&mut self, msg: Watch, _: &mut Context<Self>) {
        let Some(session) = self.sessions.get_mut(&msg.id) else {
            return;
        };
        if msg.watch {
            session.products.insert(msg.product);
            self.watchers.entry(msg.product).or_default().insert(msg.id);
        } else {
            session.products.remove(&msg.product);
            self.unwatch(msg.product, msg.id);
        }
    }
}

impl Handler<Publish> for HubActor {
    type Result = ();

    fn handle(&mut self, Publish { push, local }: Publish, _: &mut Context<Self>) {
        if local
            && let Some(relay) = &self.relay
            && relay.send(push.clone()).is_err()
        {
            self.relay = None;
        }
        let targets: Vec<Uuid> = match &*push.event {
            Event::Stock { product, .. } => {
                // Coalesced: the window's tick sends the latest value.
                if self.pending_stock.insert(*product, push).is_some() {
                    metrics::counter!("live_stock_coalesced_total").increment(1);
                }
                return;
            }
            Event::Sale { product, .. } | Event::QueueProgress { product, .. } => self
                .watchers
                .get(product)
                .into_iter()
                .flatten()
                .copied()
                .collect(),
            Event::QueuePlaces { product, places } => {
                for &place in places {
                    let targets: Vec<Uuid> = self.user_sessions(&place.user).collect();
                    let one = Event::QueuePlaces {
                        product: *product,
                        places: vec![place],
                    };
                    self.deliver(targets, &Push::new(one, push.at));
                }
                return;
            }
            Event::QueueAdmitted {
                product,
                users,
                until,
            } => {
                for &user in users {
                    let targets: Vec<Uuid> = self.user_sessions(&user).collect();
                    let one = Event::QueueAdmitted {
                        product: *product,
                        users: vec![user],
                        until: *until,
                    };
                    self.deliver(targets, &Push::new(one, push.at));
                }
                return;
            }
            Event::Inventory { seller, .. } | Event::LowStock { seller, .. } => {
                self.user_sessions(seller).collect()
            }
            Event::Notification { user, .. } => self.user_sessions(user).collect(),
            Event::Order {
                customer,
                sellers,
                couriers,
                ..
            } => {
                let mut targets: HashSet<Uuid> = self.user_sessions(customer).collect();
                for user in sellers.iter().chain(couriers) {
                    targets.extend(self.user_sessions(user));
                }
                targets.into_iter().collect()
            }
        };
        self.deliver(targets, &push);
    }
}

/// What the hub's tables hold, to show they do not grow.
#[cfg(test)]
#[derive(Message)]
#[rtype(result = "Footprint")]
struct MeasureFootprint;

#[cfg(test)]
#[derive(Debug, PartialEq, Eq)]
struct Footprint {
    watched_products: usize,
    watcher_slots: usize,
    users: usize,
}

#[cfg(test)]
impl Handler<MeasureFootprint> for HubActor {
    type Result = actix::MessageResult<MeasureFootprint>;

    fn handle(&mut self, _: MeasureFootprint, _: &mut Context<Self>) -> Self::Result {
        actix::MessageResult(Footprint {
            watched_products: self.watchers.len(),
            watcher_slots: self.watchers.capacity(),
            users: self.users.len(),
        })
    }
}

impl Handler<CountSessions> for HubActor {
    type Result = usize;

    fn handle(&mut self, _: CountSessions, _: &mut Context<Self>) -> usize {
        self.sessions.len()
    }
}

/// A cloneable handle to the hub.
#[derive(Clone)]
pub struct Hub {
    addr: Addr<HubActor>,
}

impl Hub {
    /// Starts the hub on `arbiter`.
    pub fn start(arbiter: &ArbiterHandle) -> Self {
        Self {
            addr: HubActor::start_in_arbiter(arbiter, |_| HubActor::default()),
        }
    }

    /// Starts the hub on `arbiter`; the events published in this process also go to `relay`,
    /// for the other processes.
    pub fn with_relay(arbiter: &ArbiterHandle, relay: mpsc::UnboundedSender<Push>) -> Self {
        Self {
            addr: HubActor::start_in_arbiter(arbiter, |_| HubActor {
                relay: Some(relay),
                ..HubActor::default()
            }),
        }
    }

    /// Registers a session of `user` (none: anonymous).
    pub fn connect(&self, user: Option<Uuid>) -> Subscription {
        let (queue, pushes) = mpsc::channel(SESSION_QUEUE);
        let id = Uuid::now_v7();
        self.addr.do_send(Connect { id, user, queue });
        Subscription { id, pushes }
    }

    pub fn disconnect(&self, session: Uuid) {
        self.addr.do_send(Disconnect { id: session });
    }

    /// Starts or stops sending `product`'s stock events to `session`.
    pub fn watch(&self, session: Uuid, product: Uuid, watch: bool) {
        self.addr.do_send(Watch {
            id: session,
            product,
            watch,
        });
    }

    /// Routes `event`, without waiting: emission never slows its source.
    pub fn publish(&self, event: Event) {
        let push = Push::new(event, OffsetDateTime::now_utc());
        self.addr.do_send(Publish { push, local: true });
    }

    /// Routes `event` to this process's sessions only: for what every process announces itself
    /// (a sale opening by each one's clock).
    pub fn publish_here(&self, event: Event) {
        let push = Push::new(event, OffsetDateTime::now_utc());
        self.addr.do_send(Publish { push, local: false });
    }

    /// Routes an event another process published (not relayed again).
    pub fn publish_relayed(&self, push: Push) {
        self.addr.do_send(Publish { push, local: false });
    }

    /// How many sessions are connected.
    pub async fn sessions(&self) -> usize {
        self.addr.send(CountSessions).await.unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order_for(customer: Uuid) -> Event {
        Event::Order {
            order: Uuid::now_v7(),
            status: "paid".into(),
            customer,
            sellers: vec![],
            couriers: vec![],
            shipments: vec![],
        }
    }

    #[actix::test]
    async fn a_session_that_cannot_keep_up_is_dropped_not_buffered() {
        let hub = Hub::start(&actix::Arbiter::current());
        let (slow_user, other_user) = (Uuid::now_v7(), Uuid::now_v7());
        let mut slow = hub.connect(Some(slow_user));
        let mut other = hub.connect(Some(other_user));
        for _ in 0..SESSION_QUEUE + 100 {
            hub.publish(order_for(slow_user));
        }
        hub.publish(order_for(other_user));
        assert_eq!(hub.sessions().await, 1, "the slow session was dropped");
        let mut queued = 0;
        while slow.pushes.recv().await.is_some() {
            queued += 1;
        }
        assert_eq!(
            queued, SESSION_QUEUE,
            "what was queued is bounded, then the queue closes"
        );
        assert!(
            other.pushes.recv().await.is_some(),
            "the other session is unaffected"
        );
    }

    #[actix::test]
    async fn watching_and_unwatching_leaves_nothing_behind() {
        let hub = Hub::start(&actix::Arbiter::current());
        let user = Uuid::now_v7();
        let session = hub.connect(Some(user));
        for _ in 0..100_000 {
            let product = Uuid::now_v7();
            hub.watch(session.id, product, true);
            hub.watch(session.id, product, false);
        }
        let footprint = hub.addr.send(MeasureFootprint).await.unwrap();
        assert_eq!(
            footprint.watched_products, 0,
            "no empty watcher sets are kept"
        );
        assert!(
            footprint.watcher_slots < 64,
            "the table never held more than one product: {footprint:?}"
        );
        hub.disconnect(session.id);
        let footprint = hub.addr.send(MeasureFootprint).await.unwrap();
        assert_eq!(footprint.users, 0, "a user without sessions is forgotten");
    }

    #[actix::test]
    async fn stock_goes_out_once_per_window_with_the_latest_value() {
        let hub = Hub::start(&actix::Arbiter::current());
        let product = Uuid::now_v7();
        let mut watcher = hub.connect(None);
        hub.watch(watcher.id, product, true);
        for available in (0..50).rev() {
            hub.publish(Event::Stock { product, available });
        }
        let first = watcher.pushes.recv().await.unwrap();
        assert_eq!(
            *first.event,
            Event::Stock {
                product,
                available: 0
            }
        );
        let more = tokio::time::timeout(STOCK_WINDOW * 3, watcher.pushes.recv()).await;
        assert!(more.is_err(), "nothing changed since: nothing more is sent");
    }
}
