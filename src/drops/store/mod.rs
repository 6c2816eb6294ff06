//! The tables of drops: the sale schedule (columns of `products`), waiting rooms and their
//! queue entries, back-in-stock waitlists, and what the bot report reads.

mod postgres;
mod sqlite;

use crate::db::Database;
use crate::notifications::New;
use crate::outbox::Letter;
use bazaar_actors::by_backend;
use time::OffsetDateTime;
use uuid::Uuid;

/// A product whose sale opens or ends at a set moment.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct Scheduled {
    pub id: Uuid,
    pub sale_starts_at: Option<OffsetDateTime>,
    pub sale_ends_at: Option<OffsetDateTime>,
}

/// A waiting room as stored: how many places it handed out and how far it admitted.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub(crate) struct Room {
    /// The early arrivals were drawn: every entry has a place.
    pub opened: bool,
    pub places: i64,
    pub admitted_through: i64,
    /// Admissions per second, as last set by its gatekeeper.
    pub admit_rate: f64,
}

/// A buyer's entry in a waiting room.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub(crate) struct Entry {
    /// None until the early arrivals' draw.
    pub place: Option<i64>,
    pub joined_at: OffsetDateTime,
    pub admitted_until: Option<OffsetDateTime>,
    pub order_id: Option<Uuid>,
}

impl Entry {
    /// Whether its admission lapsed unused, or was used: the buyer may queue again.
    pub(crate) fn spent(&self, now: OffsetDateTime) -> bool {
        self.order_id.is_some() || self.admitted_until.is_some_and(|until| until <= now)
    }
}

/// Where an arrival sits, as both backends' `join` decide it under the room's lock.
pub(crate) enum Seat {
    /// In the room already, with an admission not spent: nothing changes.
    Kept(Entry),
    /// A new entry (at the next place once the room is open), replacing a spent one or not.
    New { entry: Entry, replaces: bool },
}

impl Seat {
    pub(crate) fn entry(&self) -> Entry {
        match self {
            Seat::Kept(entry) | Seat::New { entry, .. } => *entry,
        }
    }
}

impl Room {
    /// Whether an arrival at `at` comes after the start: the room must be open for it (its
    /// early arrivals drawn) first.
    pub(crate) fn must_open_for(
        &self,
        at: OffsetDateTime,
        opens_at: Option<OffsetDateTime>,
    ) -> bool {
        !self.opened && opens_at.is_none_or(|opens| at >= opens)
    }

    /// Records a draw of `drawn` early arrivals.
    pub(crate) fn opened_with(&mut self, drawn: usize) {
        self.opened = true;
        self.places += i64::try_from(drawn).unwrap_or(i64::MAX);
    }

    /// Where `arrival` sits, given the entry it `kept`: the same one, or the next place.
    pub(crate) fn seat(&mut self, kept: Option<Entry>, arrival: &Arrival) -> Seat {
        match kept {
            Some(entry) if !entry.spent(arrival.at) => Seat::Kept(entry),
            spent => {
                let place = self.opened.then_some(self.places + 1);
                if place.is_some() {
                    self.places += 1;
                }
                Seat::New {
                    entry: Entry {
                        place,
                        joined_at: arrival.at,
                        admitted_until: None,
                        order_id: None,
                    },
                    replaces: spent.is_some(),
                }
            }
        }
    }
}

/// A new entry that replaces a spent one of the same user (a new place, nothing admitted).
const REPLACE_ENTRY: &str = "UPDATE queue_entries SET place = $3, joined_at = $4, \
     client_address = $5, admitted_at = NULL, admitted_until = NULL, checkout_started_at = NULL, \
     order_id = NULL WHERE product_id = $1 AND user_id = $2";
/// A first entry.
const INSERT_ENTRY: &str = "INSERT INTO queue_entries \
     (product_id, user_id, place, joined_at, client_address) VALUES ($1, $2, $3, $4, $5)";

/// A buyer arriving at a waiting room.
#[derive(Clone, Debug)]
pub(crate) struct Arrival {
    pub user: Uuid,
    pub address: String,
    pub at: OffsetDateTime,
}

/// What a batch of arrivals got: each one's entry (new or kept, in the arrivals' order), the
/// room after them, and the places drawn if the batch opened the room.
#[derive(Debug)]
pub(crate) struct Joined {
    pub entries: Vec<Entry>,
    pub room: Room,
    pub drawn: Vec<(Uuid, i64)>,
}

/// A waiting room the gatekeeper looks after, with its product's sale.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub(crate) struct RoomToRun {
    pub product_id: Uuid,
    pub opened: bool,
    pub places: i64,
    pub admitted_through: i64,
    pub lease_owner: Option<Uuid>,
    pub lease_until: Option<OffsetDateTime>,
    pub sale_starts_at: Option<OffsetDateTime>,
    pub max_per_order: Option<i32>,
}

/// What the gatekeeper weighs before admitting.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub(crate) struct Admissible {
    pub on_hand: i64,
    pub reserved: i64,
    /// Admitted buyers who have not checked out and may still.
    pub outstanding: i64,
}

/// One account's activity around a drop, as the bot report reads it.
#[derive(Debug, Default, sqlx::FromRow)]
pub(crate) struct Participant {
    pub user_id: Uuid,
    pub email: String,
    pub created_at: Option<OffsetDateTime>,
    /// When they joined the waiting room, if they did.
    pub joined_at: Option<OffsetDateTime>,
    pub admitted_at: Option<OffsetDateTime>,
    /// Their first checkout of the product.
    pub first_checkout_at: Option<OffsetDateTime>,
    pub checkouts: i64,
    pub failed_payments: i64,
}

/// (address, user) pairs of a drop's queue entries and checkouts.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AddressUse {
    pub client_address: String,
    pub user_id: Uuid,
}

#[derive(Clone)]
pub(crate) struct DropStore {
    db: Database,
}

impl DropStore {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    /// The products with a sale moment after `since`.
    pub(crate) async fn schedule(&self, since: OffsetDateTime) -> sqlx::Result<Vec<Scheduled>> {
        by_backend!(pool &self.db => schedule(since))
    }

    /// Puts each of `arrivals` in `product`'s waiting room (making the room on its first
    /// arrival), in order, under one lock of the room, unless they are in it already with an
    /// admission not spent. The first batch at or after `opens_at` draws the early arrivals'
    /// places.
    pub(crate) async fn join(
        &self,
        product: Uuid,
        arrivals: &[Arrival],
        opens_at: Option<OffsetDateTime>,
    ) -> sqlx::Result<Joined> {
        by_backend!(pool &self.db => join(product, arrivals, opens_at))
    }

    /// `user`'s entry in `product`'s waiting room, with the room.
    pub(crate) async fn entry(
        &self,
        product: Uuid,
        user: Uuid,
    ) -> sqlx::Result<Option<(Entry, Room)>> {
        by_backend!(pool &self.db => entry(product, user))
    }

    /// Starts a checkout with `user`'s admission (the entry joined at `joined_at`): whether it
    /// was admitted, not lapsed, not used and no other checkout holds it.
    pub(crate) async fn claim(
        &self,
        product: Uuid,
        user: Uuid,
        joined_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> sqlx::Result<bool> {
        let abandoned_before = now - time::Duration::minutes(1);
        by_backend!(pool &self.db => claim(product, user, joined_at, now, abandoned_before))
    }

    /// Ends a claimed checkout of the entry joined at `joined_at`: with the order it placed
    /// (the admission is used), or none (it may be tried again).
    pub(crate) async fn settle(
        &self,
        product: Uuid,
        user: Uuid,
        joined_at: OffsetDateTime,
        order: Option<Uuid>,
    ) -> sqlx::Result<()> {
        by_backend!(pool &self.db => settle(product, user, joined_at, order))
    }

    /// The waiting rooms of products still selling with their room on.
    pub(crate) async fn rooms_to_run(&self, now: OffsetDateTime) -> sqlx::Result<Vec<RoomToRun>> {
        by_backend!(pool &self.db => rooms_to_run(now))
    }

    /// Takes or renews the lease on `product`'s room for `owner` until `until`, recording its
    /// admission rate; whether `owner` holds it.
    pub(crate) async fn lease(
        &self,
        product: Uuid,
        owner: Uuid,
        now: OffsetDateTime,
        until: OffsetDateTime,
        admit_rate: f64,
    ) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => lease(product, owner, now, until, admit_rate))
    }

    /// Draws the places of the early arrivals of `product`'s room, if not drawn yet.
    pub(crate) async fn open(&self, product: Uuid) -> sqlx::Result<Vec<(Uuid, i64)>> {
        by_backend!(pool &self.db => open(product))
    }

    /// The units of `product` on hand, as stored.
    pub(crate) async fn on_hand(&self, product: Uuid) -> sqlx::Result<Option<i64>> {
        by_backend!(pool &self.db => on_hand(product))
    }

    /// `product`'s stock and its admitted buyers who have not checked out and may still, read
    /// in one statement (one snapshot): a buyer whose order commits meanwhile is counted in
    /// its holds or among the admitted, never in neither.
    pub(crate) async fn admissible(
        &self,
        product: Uuid,
        now: OffsetDateTime,
    ) -> sqlx::Result<Admissible> {
        by_backend!(pool &self.db => admissible(product, now))
    }

    /// Admits the next `count` places of `product`'s room until `until`, if `owner` still holds
    /// its lease: the users admitted, and how far the room has admitted now.
    pub(crate) async fn admit(
        &self,
        product: Uuid,
        owner: Uuid,
        count: i64,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> sqlx::Result<(Vec<Uuid>, i64)> {
        by_backend!(pool &self.db => admit(product, owner, count, now, until))
    }

    /// Subscribes `user` to `product`'s waitlist (kept if subscribed already): how many are
    /// ahead.
    pub(crate) async fn subscribe(&self, product: Uuid, user: Uuid) -> sqlx::Result<i64> {
        by_backend!(pool &self.db => subscribe(product, user))
    }

    /// Whether `user` was on `product`'s waitlist.
    pub(crate) async fn unsubscribe(&self, product: Uuid, user: Uuid) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => unsubscribe(product, user))
    }

    /// How many wait for `product`.
    pub(crate) async fn waiting(&self, product: Uuid) -> sqlx::Result<i64> {
        by_backend!(pool &self.db => waiting(product))
    }

    /// Takes every subscriber off `product`'s waitlist, in one transaction: them, in the order
    /// they subscribed. Two restocks racing tell each subscriber once.
    pub(crate) async fn take_subscribers(&self, product: Uuid) -> sqlx::Result<Vec<Uuid>> {
        by_backend!(pool &self.db => take_subscribers(product))
    }

    /// Stores notifications and their mail, in one transaction.
    pub(crate) async fn notify(&self, batch: &[New], mail: &[(Uuid, Letter)]) -> sqlx::Result<()> {
        by_backend!(pool &self.db => notify(batch, mail))
    }

    /// The accounts that queued for or checked out `product`, with what they did.
    pub(crate) async fn participants(&self, product: Uuid) -> sqlx::Result<Vec<Participant>> {
        by_backend!(pool &self.db => participants(product))
    }

    /// The client addresses `product`'s queue entries and checkouts came from, by account.
    pub(crate) async fn addresses(&self, product: Uuid) -> sqlx::Result<Vec<AddressUse>> {
        by_backend!(pool &self.db => addresses(product))
    }
}
