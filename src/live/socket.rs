//! One WebSocket session: a task that selects over the client's frames, the pushes the hub
//! routes to it, a heartbeat and its token's lapse, with a frame cap and clean-up on exit. An
//! authenticated session is closed (4401) when its access token expires or is revoked.

use super::protocol::{ClientMessage, ServerMessage, product_topic};
use super::token_watch::TokenWatch;
use super::{LiveUpdates, SessionSlot};
use crate::auth::AccessClaims;
use crate::domain::Caller;
use crate::error::{Coded, ErrorCode};
use actix_ws::{CloseCode, CloseReason, Message, Session};
use bazaar_actors::hub::{Event, Push, Subscription};
use std::collections::HashSet;
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
        for product in &self.products {
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
            ClientMessage::Subscribe { topic } => {
                let product = match self.live.followable(self.caller, &topic).await {
                    Ok(product) => product,
                    Err(refused) => {
                        // The public answer of the refusal: a database failure's cause stays in
                        // the log.
                        let code = refused.code();
                        if matches!(code, ErrorCode::Internal | ErrorCode::ServiceUnavailable) {
                            tracing::warn!(error = %refused, %topic, "a topic could not be checked");
                        }
                        let public = crate::error::ApiError::from(refused).problem().detail;
                        let detail = format!("{topic:?}: {public}");
                        return self.send(&ServerMessage::error(code, detail)).await;
                    }
                };
                if !self.products.contains(&product) && self.products.len() >= MAX_TOPICS {
                    let detail = format!("at most {MAX_TOPICS} topics per session");
                    return self
                        .send(&ServerMessage::error(ErrorCode::Conflict, detail))
                        .await;
                }
                self.products.insert(product);
                self.live.hub.watch(self.subscription.id, product, true);
                self.send(&ServerMessage::Subscribed { topic, at: now })
                    .await
            }
            ClientMessage::Unsubscribe { topic } => {
                if let Some(product) = product_topic(&topic) {
                    self.products.remove(&product);
                    self.live.hub.watch(self.subscription.id, product, false);
                }
                self.send(&ServerMessage::Unsubscribed { topic, at: now })
                    .await
            }
        }
    }

    async fn on_push(&mut self, push: Push) -> Result<(), End> {
        // Stock was coalesced by the hub already (one per product per 100 ms); a product this
        // session stopped watching meanwhile is skipped.
        if let Event::Stock { product, .. } = &*push.event
            && !self.products.contains(product)
        {
            return Ok(());
        }
        metrics::counter!("live_messages_sent_total").increment(1);
        let text = ServerMessage::rendered(&push).to_owned();
        self.session.text(text).await.map_err(|_| End::Closed)
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
