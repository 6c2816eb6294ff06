//! [`WaitingRooms`]: buyers queue for a product that has a waiting room, get a signed ticket,
//! and check out only once admitted (the [`super::gatekeeper`] admits them).
//!
//! Arrivals before the sale's start have no place until the start, when the first arrival or
//! the gatekeeper draws their places at random; later arrivals get the next place. Arrivals are
//! placed by one task per process, in batches of what queued while the previous transaction
//! ran: every arrival takes the room's row lock, so one commit for many keeps a crowd at the
//! start from queueing on it. A checkout
//! carries the ticket: it is checked (signature, user, product) and the admission claimed in
//! one conditional update, so one admission places one order, and a claim that ends without an
//! order (refused, out of stock) gives the admission back.

use super::DropError;
use super::store::{Arrival, DropStore, Entry, Room};
use super::tickets::{Ticket, TicketSigner};
use crate::catalog::Catalog;
use crate::clock;
use crate::domain::{Caller, SalePhase};
use bazaar_actors::hub::{Event, Hub, QueuePlace};
use bazaar_actors::inventory::Inventory;
use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};
use utoipa::ToSchema;
use uuid::Uuid;

/// Where a buyer stands in a waiting room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Standing {
    /// Queued: `position` places are ahead (unknown before the start's draw).
    Waiting,
    /// May check out with the ticket until `admitted_until`.
    Admitted,
    /// Nothing is left to sell, and nothing held may come back.
    SoldOut,
    /// Admitted, but did not check out in time: join again to queue anew.
    Expired,
    /// Checked out with this admission.
    CheckedOut,
}

/// A buyer's ticket and place.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QueueStanding {
    /// Carry it in the checkout's `queue_ticket` once admitted.
    pub ticket: String,
    pub product_id: Uuid,
    pub state: Standing,
    /// Places ahead; null before the draw at the start, and when no longer waiting.
    pub position: Option<i64>,
    /// Seconds until admission at the current pace (until the start, before the draw).
    pub estimated_wait_secs: Option<u64>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub admitted_until: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sale_starts_at: Option<OffsetDateTime>,
    /// The buyer's place in the room (null before the draw).
    #[serde(skip)]
    pub place: Option<i64>,
}

/// Why a checkout of a waiting-room product was refused (`409 queue_required`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QueueRefusal {
    Missing,
    /// Not a ticket this deployment signed.
    Invalid,
    NotYours,
    OtherProduct,
    /// Still queued: `position` places ahead.
    NotAdmitted {
        position: Option<i64>,
    },
    Expired,
    Used,
    /// The user has joined again since: only the newest ticket counts.
    Superseded,
    /// Another checkout with this admission is under way.
    InUse,
    /// More than one product of the order has a waiting room.
    SeveralRooms,
}

impl QueueRefusal {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            QueueRefusal::Missing => "missing",
            QueueRefusal::Invalid => "invalid",
            QueueRefusal::NotYours => "not_yours",
            QueueRefusal::OtherProduct => "other_product",
            QueueRefusal::NotAdmitted { .. } => "not_admitted",
            QueueRefusal::Expired => "expired",
            QueueRefusal::Used => "used",
            QueueRefusal::Superseded => "superseded",
            QueueRefusal::InUse => "in_use",
            QueueRefusal::SeveralRooms => "several_rooms",
        }
    }

    pub(crate) fn detail(self) -> String {
        match self {
            QueueRefusal::Missing => {
                "this product sells through its waiting room: join it and check out with the \
                 admitted ticket as queue_ticket"
                    .into()
            }
            QueueRefusal::Invalid => "the queue ticket is not valid".into(),
            QueueRefusal::NotYours => "the queue ticket belongs to another account".into(),
            QueueRefusal::OtherProduct => "the queue ticket is for another product".into(),
            QueueRefusal::NotAdmitted {
                position: Some(position),
            } => format!("not admitted yet: {position} ahead"),
            QueueRefusal::NotAdmitted { position: None } => {
                "not admitted yet: places are drawn when the sale starts".into()
            }
            QueueRefusal::Expired => {
                "the admission ran out before checkout: join the queue again".into()
            }
            QueueRefusal::Used => "this admission already placed an order".into(),
            QueueRefusal::Superseded => "you joined the queue again: use the newest ticket".into(),
            QueueRefusal::InUse => "a checkout with this admission is under way".into(),
            QueueRefusal::SeveralRooms => "check out one waiting-room product per order".into(),
        }
    }
}

/// An admission held by a checkout under way.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Claim {
    product: Uuid,
    user: Uuid,
    /// The entry it claimed (a new entry of the same user is another).
    joined_at: OffsetDateTime,
}

/// The most arrivals one transaction places.
const MAX_ARRIVALS: usize = 512;

/// An arrival waiting for its batch, and where to answer.
struct Pending {
    product: Uuid,
    opens_at: Option<OffsetDateTime>,
    arrival: Arrival,
    answer: oneshot::Sender<Result<(Entry, Room), DropError>>,
}

/// The waiting rooms.
#[derive(Clone)]
pub(crate) struct WaitingRooms {
    store: DropStore,
    signer: TicketSigner,
    catalog: Catalog,
    inventory: Inventory,
    /// Where arrivals queue for the next batch.
    arrivals: mpsc::Sender<Pending>,
}

impl WaitingRooms {
    /// The waiting rooms, with this process's desk that places arrivals in batches.
    pub(crate) fn new(
        store: DropStore,
        signer: TicketSigner,
        catalog: Catalog,
        inventory: Inventory,
        hub: Hub,
    ) -> Self {
        let (arrivals, queued) = mpsc::channel(65_536);
        actix_web::rt::spawn(place_arrivals(store.clone(), hub, queued));
        Self {
            store,
            signer,
            catalog,
            inventory,
            arrivals,
        }
    }

    /// Puts `caller` in `product`'s waiting room from `address` (kept in place if already in it
    /// with an admission not spent).
    pub(crate) async fn join(
        &self,
        caller: Caller,
        product: Uuid,
        address: &str,
    ) -> Result<QueueStanding, DropError> {
        let cached = self.catalog.product(Some(caller), product).await?;
        let terms = cached.product.sale_terms();
        if !terms.waiting_room {
            return Err(DropError::NoWaitingRoom);
        }
        let now = clock::now();
        if terms.phase(now) == SalePhase::Ended {
            return Err(DropError::SaleEnded);
        }
        let (answer, answered) = oneshot::channel();
        let pending = Pending {
            product,
            opens_at: terms.starts_at,
            arrival: Arrival {
                user: caller.id,
                address: address.to_owned(),
                at: now,
            },
            answer,
        };
        let stopping = || DropError::Unavailable("the waiting rooms are stopping".into());
        self.arrivals.send(pending).await.map_err(|_| stopping())?;
        let (entry, room) = answered.await.map_err(|_| stopping())??;
        Ok(self
            .standing_of(product, caller.id, &entry, &room, terms.starts_at, now)
            .await)
    }

    /// Where `caller` stands in `product`'s waiting room.
    pub(crate) async fn standing(
        &self,
        caller: Caller,
        product: Uuid,
    ) -> Result<QueueStanding, DropError> {
        let cached = self.catalog.product(Some(caller), product).await?;
        let (entry, room) = self
            .store
            .entry(product, caller.id)
            .await?
            .ok_or(DropError::NotInQueue)?;
        let starts_at = cached.product.sale_starts_at;
        Ok(self
            .standing_of(product, caller.id, &entry, &room, starts_at, clock::now())
            .await)
    }

    async fn standing_of(
        &self,
        product: Uuid,
        user: Uuid,
        entry: &Entry,
        room: &Room,
        sale_starts_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> QueueStanding {
        // The board answers from memory while units are available; only when none are is the
        // stock row read, to tell held (the room waits) from gone. The product's actor, busy
        // selling, is never asked.
        let available = self.inventory.board().available(product);
        let sold_out = available.is_none_or(|available| available <= 0)
            && self
                .store
                .on_hand(product)
                .await
                .is_ok_and(|on_hand| on_hand.is_some_and(|units| units <= 0));
        let state = match entry.admitted_until {
            _ if entry.order_id.is_some() => Standing::CheckedOut,
            Some(until) if until > now => Standing::Admitted,
            Some(_) => Standing::Expired,
            None if sold_out => Standing::SoldOut,
            None => Standing::Waiting,
        };
        let position = match state {
            Standing::Waiting => entry
                .place
                .map(|place| (place - room.admitted_through).max(0)),
            Standing::Admitted => Some(0),
            _ => None,
        };
        let estimated_wait_secs = match (state, position) {
            (Standing::Waiting, Some(position)) => {
                Some((position as f64 / room.admit_rate.max(1.0)).ceil() as u64)
            }
            (Standing::Waiting, None) => {
                sale_starts_at.map(|starts| (starts - now).whole_seconds().max(0).unsigned_abs())
            }
            _ => None,
        };
        QueueStanding {
            ticket: self.signer.sign(&Ticket {
                product,
                user,
                joined_at: entry.joined_at,
            }),
            product_id: product,
            state,
            position,
            estimated_wait_secs,
            admitted_until: entry.admitted_until.filter(|_| state == Standing::Admitted),
            sale_starts_at,
            place: entry.place,
        }
    }

    /// Claims `customer`'s admission to `product` for a checkout, from the checkout's `ticket`.
    pub(crate) async fn claim(
        &self,
        customer: Uuid,
        product: Uuid,
        ticket: Option<&str>,
    ) -> Result<Claim, DropError> {
        let raw = ticket.ok_or(DropError::Refused(QueueRefusal::Missing))?;
        let ticket = self
            .signer
            .verify(raw)
            .ok_or(DropError::Refused(QueueRefusal::Invalid))?;
        if ticket.user != customer {
            return Err(DropError::Refused(QueueRefusal::NotYours));
        }
        if ticket.product != product {
            return Err(DropError::Refused(QueueRefusal::OtherProduct));
        }
        let now = clock::now();
        if self
            .store
            .claim(product, customer, ticket.joined_at, now)
            .await?
        {
            return Ok(Claim {
                product,
                user: customer,
                joined_at: ticket.joined_at,
            });
        }
        let refusal = match self.store.entry(product, customer).await? {
            None => QueueRefusal::Invalid,
            Some((entry, _)) if entry.joined_at != ticket.joined_at => QueueRefusal::Superseded,
            Some((entry, _)) if entry.order_id.is_some() => QueueRefusal::Used,
            Some((entry, room)) => match entry.admitted_until {
                None => QueueRefusal::NotAdmitted {
                    position: entry.place.map(|place| place - room.admitted_through),
                },
                Some(until) if until <= now => QueueRefusal::Expired,
                Some(_) => QueueRefusal::InUse,
            },
        };
        Err(DropError::Refused(refusal))
    }

    /// Ends `claim`'s checkout: the admission is used by `order`, or given back without one.
    pub(crate) async fn settle(&self, claim: Claim, order: Option<Uuid>) {
        let settled = self
            .store
            .settle(claim.product, claim.user, claim.joined_at, order)
            .await;
        if let Err(error) = settled {
            // Unsettled, the claim counts as abandoned after a minute.
            tracing::warn!(%error, product = %claim.product, "a queue admission was not settled");
        }
    }
}

/// Places arrivals, each batch of what queued meanwhile in one transaction per room (the room's
/// row is the lock every arrival takes: one commit for many of them), and tells the buyers who
/// got a place.
async fn place_arrivals(store: DropStore, hub: Hub, mut queued: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_ARRIVALS);
    while queued.recv_many(&mut batch, MAX_ARRIVALS).await > 0 {
        let mut rooms: Vec<(Uuid, Vec<Pending>)> = Vec::new();
        for pending in batch.drain(..) {
            match rooms
                .iter_mut()
                .find(|(product, _)| *product == pending.product)
            {
                Some((_, arrivals)) => arrivals.push(pending),
                None => rooms.push((pending.product, vec![pending])),
            }
        }
        for (product, pendings) in rooms {
            let arrivals: Vec<Arrival> = pendings.iter().map(|p| p.arrival.clone()).collect();
            let joined = match store.join(product, &arrivals, pendings[0].opens_at).await {
                Ok(joined) => joined,
                Err(error) => {
                    tracing::warn!(%error, %product, "arrivals at a waiting room were not placed");
                    for pending in pendings {
                        let refused = DropError::Unavailable(error.to_string());
                        let _ = pending.answer.send(Err(refused));
                    }
                    continue;
                }
            };
            let through = joined.room.admitted_through;
            let place = |user, place| QueuePlace {
                user,
                place,
                position: place - through,
            };
            let mut places: Vec<QueuePlace> = joined
                .drawn
                .iter()
                .map(|&(user, at)| place(user, at))
                .collect();
            for (pending, entry) in pendings.into_iter().zip(joined.entries) {
                if let Some(at) = entry.place
                    && entry.joined_at == pending.arrival.at
                {
                    places.push(place(pending.arrival.user, at));
                }
                let _ = pending.answer.send(Ok((entry, joined.room)));
            }
            if !places.is_empty() {
                hub.publish(Event::QueuePlaces { product, places });
            }
        }
    }
}
