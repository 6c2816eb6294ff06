//! One WebSocket session: a task that selects over the client's frames, the pushes the hub
//! routes to it, a heartbeat and its token's lapse, with a frame cap and clean-up on exit. An
//! authenticated session is closed (4401) when its access token expires or is revoked.

use super::protocol::{ClientMessage, QueueState, ServerMessage, Topic};
use super::token_watch::TokenWatch;
use super::{LiveUpdates, SessionSlot};
use crate::auth::AccessClaims;
use crate::domain::Caller;
use crate::drops::{QueueStanding, Standing};
use crate::error::{Coded, ErrorCode};
use actix_ws::{CloseCode, CloseReason, Message, Session};
use bazaar_actors::hub::{Event, Push, Subscription};
use std::collections::{HashMap, HashSet};
use std::time::Instant;
use time::OffsetDateTime;
use uuid::Uuid;

/// The largest frame a client may send.
pub(crate) const MAX_FRAME: usize = 4 * 1024;
/// The most products one session may watch.
const MAX_TOPICS: usize = 100;
/// The close code of a session whose access token expired or was revoked (HTTP 401's
/// counterpart in the private-use range).
const TOKEN_LAPSED: u16 = 4401;

/// The user's place in a waiting room, as this session last told it.
#[derive(Debug, Default)]
struct Seat {
    place: Option<i64>,
    admitted: bool,
    /// The admission lapsed or was used: the room's progress is no news to this user.
    done: bool,
    told: Option<(QueueState, Option<i64>)>,
}

/// Why a session ends.
enum End {
    Closed,
    Reason(CloseReason),
}

struct Live {
    live: LiveUpdates,
    session: Session,
    subscription: Subscription,
    caller: Option<Caller>,
    products: HashSet<Uuid>,
    /// The waiting rooms the user follows their place in.
    queues: HashMap<Uuid, Seat>,
    /// The places this session holds among its client address's and its user's sessions.
    _address: SessionSlot,
    user_slot: Option<SessionSlot>,
    token: TokenWatch,
}

impl Live {
    async fn send(&mut self, message: &ServerMessage) -> Result<(), End> {
        metrics::counter!("live_messages_sent_total").increment(1);
        self.session
            .text(message.to_json())
            .await
            .map_err(|_| End::Closed)
    }

    /// Tells the client why its token no longer counts and ends the session.
    async fn lapse(&mut self, why: &'static str) -> Result<(), End> {
        self.send(&ServerMessage::error(ErrorCode::Unauthorized, why))
            .await?;
        Err(End::Reason(CloseReason::from((
            CloseCode::Other(TOKEN_LAPSED),
            why,
        ))))
    }

    /// Registers again with the hub as `caller`, keeping the watched products.
    fn become_user(&mut self, caller: Caller, slot: SessionSlot) {
        let hub = &self.live.hub;
        hub.disconnect(self.subscription.id);
        self.subscription = hub.connect(Some(caller.id));
        for product in self.products.iter().chain(self.queues.keys()) {
            hub.watch(self.subscription.id, *product, true);
        }
        self.caller = Some(caller);
        self.user_slot = Some(slot);
    }

    fn verify(&self, token: &str) -> Option<AccessClaims> {
        self.live.authenticator.verify(token).ok()
    }

    async fn on_text(&mut self, text: &str) -> Result<(), End> {
        let message = match serde_json::from_str::<ClientMessage>(text) {
            Ok(message) => message,
            Err(error) => {
                let detail = format!("unreadable message: {error}");
                return self
                    .send(&ServerMessage::error(ErrorCode::MalformedRequest, detail))
                    .await;
            }
        };
        let now = OffsetDateTime::now_utc();
        match message {
            ClientMessage::Auth { token } => {
                if self.caller.is_some() {
                    let error = ServerMessage::error(ErrorCode::Conflict, "already authenticated");
                    return self.send(&error).await;
                }
                let Some(claims) = self.verify(&token) else {
                    let error = ServerMessage::error(
                        ErrorCode::Unauthorized,
                        "invalid, expired or revoked token",
                    );
                    self.send(&error).await?;
                    return Err(End::Reason(CloseReason::from((
                        CloseCode::Policy,
                        "unauthorized",
                    ))));
                };
                let slot = match self.live.admit_user(claims.sub) {
                    Ok(slot) => slot,
                    Err(refused) => {
                        let error = ServerMessage::error(refused.code(), refused.to_string());
                        self.send(&error).await?;
                        return Err(End::Reason(CloseReason::from((
                            CloseCode::Policy,
                            "too many sessions",
                        ))));
                    }
                };
                let caller = Caller {
                    id: claims.sub,
                    role: claims.role,
                };
                self.become_user(caller, slot);
                self.token.watch(claims.clone());
                self.send(&ServerMessage::Authenticated {
                    user_id: claims.sub,
                    at: now,
                })
                .await
            }
            ClientMessage::Subscribe { topic } => self.subscribe(topic, now).await,
            ClientMessage::Unsubscribe { topic } => {
                match Topic::parse(&topic) {
                    Some(Topic::Product(product)) => {
                        self.products.remove(&product);
                    }
                    Some(Topic::Queue(product)) => {
                        self.queues.remove(&product);
                    }
                    None => {}
                }
                if let Some(topic) = Topic::parse(&topic)
                    && !self.follows(topic.product())
                {
                    self.live
                        .hub
                        .watch(self.subscription.id, topic.product(), false);
                }
                self.send(&ServerMessage::Unsubscribed { topic, at: now })
                    .await
            }
        }
    }

    /// Whether anything of `product` is followed.
    fn follows(&self, product: Uuid) -> bool {
        self.products.contains(&product) || self.queues.contains_key(&product)
    }

    async fn subscribe(&mut self, topic: String, now: OffsetDateTime) -> Result<(), End> {
        let parsed = Topic::parse(&topic);
        let followed = match parsed {
            Some(Topic::Queue(product)) => self.queue_seat(product).await,
            _ => self
                .live
                .followable(self.caller, &topic)
                .await
                .map(|product| (product, None))
                .map_err(|refused| (refused.code(), crate::error::ApiError::from(refused))),
        };
        let (product, standing) = match followed {
            Ok(followed) => followed,
            Err((code, refused)) => {
                // The public answer of the refusal: a database failure's cause stays in the log.
                if matches!(code, ErrorCode::Internal | ErrorCode::ServiceUnavailable) {
                    tracing::warn!(error = %refused, %topic, "a topic could not be checked");
                }
                let detail = format!("{topic:?}: {}", refused.problem().detail);
                return self.send(&ServerMessage::error(code, detail)).await;
            }
        };
        if !self.follows(product) && self.products.len() + self.queues.len() >= MAX_TOPICS {
            let detail = format!("at most {MAX_TOPICS} topics per session");
            return self
                .send(&ServerMessage::error(ErrorCode::Conflict, detail))
                .await;
        }
        self.live.hub.watch(self.subscription.id, product, true);
        self.send(&ServerMessage::Subscribed { topic, at: now })
            .await?;
        match standing {
            None => {
                self.products.insert(product);
                Ok(())
            }
            Some(standing) => {
                let mut seat = Seat {
                    place: standing.place,
                    admitted: standing.state == Standing::Admitted,
                    done: matches!(standing.state, Standing::Expired | Standing::CheckedOut),
                    told: None,
                };
                let message = queue_message(&standing, now);
                if let ServerMessage::Queue {
                    state, position, ..
                } = &message
                {
                    seat.told = Some((*state, *position));
                }
                self.queues.insert(product, seat);
                self.send(&message).await
            }
        }
    }

    /// The caller's standing in `product`'s waiting room, to follow it.
    async fn queue_seat(
        &self,
        product: Uuid,
    ) -> Result<(Uuid, Option<QueueStanding>), (ErrorCode, crate::error::ApiError)> {
        let Some(caller) = self.caller else {
            let refused = crate::error::ApiError::from(super::LiveError::ForbiddenTopic(format!(
                "queue:{product}"
            )));
            return Err((ErrorCode::Forbidden, refused));
        };
        match self.live.rooms.standing(caller, product).await {
            Ok(standing) => Ok((product, Some(standing))),
            Err(refused) => Err((refused.code(), crate::error::ApiError::from(refused))),
        }
    }

    /// A room's progress, worded for this user's place: sent when it changes what they see.
    async fn on_progress(
        &mut self,
        product: Uuid,
        admitted_through: i64,
        sold_out: bool,
        at: OffsetDateTime,
    ) -> Result<(), End> {
        let Some(seat) = self.queues.get_mut(&product).filter(|seat| !seat.done) else {
            return Ok(());
        };
        let admitted = seat.admitted || seat.place.is_some_and(|place| place <= admitted_through);
        let told = if sold_out {
            (QueueState::SoldOut, None)
        } else if admitted {
            (QueueState::Admitted, Some(0))
        } else {
            (
                QueueState::Waiting,
                seat.place.map(|place| place - admitted_through),
            )
        };
        if seat.told == Some(told) {
            return Ok(());
        }
        seat.told = Some(told);
        self.send(&ServerMessage::Queue {
            product_id: product,
            position: told.1,
            state: told.0,
            admitted_until: None,
            at,
        })
        .await
    }

    async fn on_push(&mut self, push: Push) -> Result<(), End> {
        match &*push.event {
            // Stock was coalesced by the hub already (one per product per 100 ms); a product
            // this session stopped watching meanwhile is skipped.
            Event::Stock { product, .. } if !self.products.contains(product) => return Ok(()),
            Event::Sale { product, .. } if !self.follows(*product) => return Ok(()),
            Event::QueueProgress {
                product,
                admitted_through,
                state,
            } => {
                let sold_out = state == "sold_out";
                return self
                    .on_progress(*product, *admitted_through, sold_out, push.at)
                    .await;
            }
            Event::QueuePlaces { product, places } => {
                if let (Some(seat), Some(place)) = (self.queues.get_mut(product), places.first()) {
                    // A new place: drawn, or the user joined again.
                    *seat = Seat {
                        place: Some(place.place),
                        told: Some((QueueState::Waiting, Some(place.position))),
                        ..Seat::default()
                    };
                }
            }
            Event::QueueAdmitted { product, .. } => {
                if let Some(seat) = self.queues.get_mut(product) {
                    seat.admitted = true;
                    seat.told = Some((QueueState::Admitted, Some(0)));
                }
            }
            _ => {}
        }
        let Some(text) = ServerMessage::rendered(&push) else {
            return Ok(());
        };
        metrics::counter!("live_messages_sent_total").increment(1);
        let text = text.to_owned();
        self.session.text(text).await.map_err(|_| End::Closed)
    }
}

/// The first message of a queue subscription: where the user stands now.
fn queue_message(standing: &QueueStanding, at: OffsetDateTime) -> ServerMessage {
    let state = match standing.state {
        Standing::Waiting => QueueState::Waiting,
        Standing::Admitted => QueueState::Admitted,
        Standing::CheckedOut => QueueState::CheckedOut,
        Standing::SoldOut => QueueState::SoldOut,
        Standing::Expired => QueueState::Expired,
    };
    ServerMessage::Queue {
        product_id: standing.product_id,
        position: standing.position,
        state,
        admitted_until: standing.admitted_until,
        at,
    }
}

/// Serves one session, holding its `address` place, until it ends; `access_token`
/// authenticates it from the start.
pub(crate) async fn run(
    updates: LiveUpdates,
    address: SessionSlot,
    session: Session,
    mut stream: actix_ws::MessageStream,
    access_token: Option<String>,
) {
    let subscription = updates.hub.connect(None);
    let hub = updates.hub.clone();
    let token = TokenWatch::new(updates.authenticator.clone());
    let mut live = Live {
        live: updates,
        session,
        subscription,
        caller: None,
        products: HashSet::new(),
        queues: HashMap::new(),
        _address: address,
        user_slot: None,
        token,
    };
    let ended = serve(&mut live, &mut stream, access_token).await;
    hub.disconnect(live.subscription.id);
    let reason = match ended {
        End::Reason(reason) => Some(reason),
        End::Closed => None,
    };
    let _ = live.session.close(reason).await;
}

async fn serve(
    live: &mut Live,
    stream: &mut actix_ws::MessageStream,
    access_token: Option<String>,
) -> End {
    if let Some(token) = access_token {
        let auth = serde_json::json!({"type": "auth", "token": token}).to_string();
        if let Err(end) = live.on_text(&auth).await {
            return end;
        }
    }
    let (ping_every, silence_limit) = (live.live.heartbeat.ping, live.live.heartbeat.timeout);
    let mut heartbeat = tokio::time::interval(ping_every);
    let mut last_heard = Instant::now();
    loop {
        let step = tokio::select! {
            frame = futures_util::StreamExt::next(stream) => match frame {
                Some(Ok(Message::Text(text))) => {
                    last_heard = Instant::now();
                    live.on_text(&text).await
                }
                Some(Ok(Message::Ping(bytes))) => {
                    last_heard = Instant::now();
                    live.session.pong(&bytes).await.map_err(|_| End::Closed)
                }
                Some(Ok(Message::Pong(_))) => {
                    last_heard = Instant::now();
                    Ok(())
                }
                Some(Ok(Message::Binary(_))) => {
                    last_heard = Instant::now();
                    live.send(&ServerMessage::error(ErrorCode::UnsupportedMediaType, "send JSON text frames")).await
                }
                Some(Ok(Message::Close(_))) | None => Err(End::Closed),
                Some(Ok(_)) => Ok(()),
                Some(Err(error)) => Err(End::Reason(CloseReason::from((
                    CloseCode::Protocol,
                    format!("bad frame: {error}"),
                )))),
            },
            why = live.token.lapsed() => live.lapse(why).await,
            push = live.subscription.pushes.recv() => match push {
                Some(push) => live.on_push(push).await,
                // The hub dropped this session: it could not keep up.
                None => Err(End::Reason(CloseReason::from((CloseCode::Again, "too slow; reconnect")))),
            },
            _ = heartbeat.tick() => {
                if last_heard.elapsed() >= silence_limit {
                    Err(End::Reason(CloseReason::from((CloseCode::Normal, "no sign of life"))))
                } else {
                    live.session.ping(b"").await.map_err(|_| End::Closed)
                }
            }
        };
        if let Err(end) = step {
            return end;
        }
    }
}
