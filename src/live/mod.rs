//! Live updates: the WebSocket sessions, the Server-Sent Events streams, the JSON protocol they
//! speak, and the relay that carries events between server processes.
//!
//! Each connection is one task (`actix-ws`) that selects over the client's frames, the pushes the
//! hub routes to it and a heartbeat. Stock is coalesced by the hub before it fans out: at most one
//! message per product per 100 ms, the latest value.

mod event_stream;
mod limits;
mod protocol;
pub(crate) mod relay;
mod socket;
mod token_watch;

pub(crate) use limits::{SessionLimits, SessionSlot};
pub(crate) use socket::MAX_FRAME;

use crate::auth::{Authenticator, TokenRefused};
use crate::catalog::{Catalog, CatalogError};
use crate::client_address::ClientAddress;
use crate::domain::Caller;
use crate::drops::WaitingRooms;
use actix_web::web::Bytes;
use bazaar_actors::hub::Hub;
use limits::{Holder, SessionCaps};
use std::sync::Arc;
use std::time::Duration;
use token_watch::TokenWatch;
use uuid::Uuid;

/// How live sessions are kept alive.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Heartbeat {
    /// How often a session is pinged.
    pub ping: Duration,
    /// How long a session may stay silent before it is closed.
    pub timeout: Duration,
}

/// Why a live stream cannot start, or a topic cannot be followed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LiveError {
    #[error("invalid, expired or revoked token")]
    Unauthorized,
    #[error("{0:?} is not a topic you may subscribe to")]
    ForbiddenTopic(String),
    #[error("at most {0} topics")]
    TooManyTopics(usize),
    #[error("{}", too_many_sessions(.0, *.1))]
    TooManySessions(Holder, usize),
    /// The topic's product cannot be read (none that this caller may see, or the database).
    #[error(transparent)]
    Product(#[from] CatalogError),
}

fn too_many_sessions(holder: &Holder, limit: usize) -> String {
    match holder {
        Holder::User(_) => format!("at most {limit} live sessions per user; close one first"),
        Holder::Address(address) => {
            format!("at most {limit} live sessions from {address}; close one first")
        }
    }
}

impl crate::error::Coded for LiveError {
    fn code(&self) -> crate::error::ErrorCode {
        use crate::error::ErrorCode;
        match self {
            LiveError::Unauthorized => ErrorCode::Unauthorized,
            LiveError::ForbiddenTopic(_) => ErrorCode::Forbidden,
            LiveError::TooManyTopics(_) => ErrorCode::ValidationFailed,
            LiveError::TooManySessions(..) => ErrorCode::RateLimited,
            LiveError::Product(error) => error.code(),
        }
    }

    fn fields(&self) -> Vec<crate::domain::FieldError> {
        match self {
            LiveError::TooManyTopics(_) => {
                vec![crate::domain::FieldError::new("topics", self.to_string())]
            }
            _ => Vec::new(),
        }
    }
}

/// The most topics one event stream may follow.
const MAX_STREAM_TOPICS: usize = 100;

/// Live sessions: WebSocket and Server-Sent Events.
#[derive(Clone)]
pub(crate) struct LiveUpdates {
    hub: Hub,
    authenticator: Authenticator,
    catalog: Catalog,
    rooms: WaitingRooms,
    heartbeat: Heartbeat,
    caps: Arc<SessionCaps>,
}

impl LiveUpdates {
    pub(crate) fn new(
        hub: Hub,
        authenticator: Authenticator,
        catalog: Catalog,
        rooms: WaitingRooms,
        heartbeat: Heartbeat,
        limits: SessionLimits,
    ) -> Self {
        Self {
            hub,
            authenticator,
            catalog,
            rooms,
            heartbeat,
            caps: SessionCaps::new(limits),
        }
    }

    /// A place for one more session from `address`, held until the session ends.
    pub(crate) fn admit(&self, address: ClientAddress) -> Result<SessionSlot, LiveError> {
        self.caps.admit(Holder::Address(address))
    }

    /// A place for one more session of `user`, held until the session ends.
    fn admit_user(&self, user: Uuid) -> Result<SessionSlot, LiveError> {
        self.caps.admit(Holder::User(user))
    }

    /// The product of `topic` if `viewer` may follow it: a product they can see.
    async fn followable(&self, viewer: Option<Caller>, topic: &str) -> Result<Uuid, LiveError> {
        let product = protocol::product_topic(topic)
            .ok_or_else(|| LiveError::ForbiddenTopic(topic.to_owned()))?;
        self.catalog.product(viewer, product).await?;
        Ok(product)
    }

    /// Serves a WebSocket session, holding the place of its client `address`, until it ends.
    pub(crate) async fn serve_socket(
        self,
        address: SessionSlot,
        session: actix_ws::Session,
        stream: actix_ws::MessageStream,
        access_token: Option<String>,
    ) {
        socket::run(self, address, session, stream, access_token).await;
    }

    /// The event stream from `address` of the holder of `access_token` (none: anonymous),
    /// following the comma-separated `topics`; it ends when the token expires or is revoked.
    pub(crate) async fn event_stream(
        &self,
        address: ClientAddress,
        access_token: Option<&str>,
        topics: Option<&str>,
    ) -> Result<
        impl futures_util::Stream<Item = Result<Bytes, std::convert::Infallible>> + use<>,
        LiveError,
    > {
        let mut token = TokenWatch::new(self.authenticator.clone());
        let claims = match access_token {
            Some(token) => match self.authenticator.verify(token) {
                Ok(claims) => Some(claims),
                Err(TokenRefused::Invalid | TokenRefused::Revoked) => {
                    return Err(LiveError::Unauthorized);
                }
            },
            None => None,
        };
        let caller = claims.as_ref().map(|claims| Caller {
            id: claims.sub,
            role: claims.role,
        });
        let topics: Vec<&str> = topics
            .iter()
            .flat_map(|t| t.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        if topics.len() > MAX_STREAM_TOPICS {
            return Err(LiveError::TooManyTopics(MAX_STREAM_TOPICS));
        }
        let mut products = Vec::with_capacity(topics.len());
        for topic in topics {
            products.push(self.followable(caller, topic).await?);
        }
        let mut slots = vec![self.admit(address)?];
        if let Some(claims) = claims {
            slots.push(self.admit_user(claims.sub)?);
            token.watch(claims);
        }
        let subscription = self.hub.connect(caller.map(|caller| caller.id));
        for product in &products {
            self.hub.watch(subscription.id, *product, true);
        }
        let stream = event_stream::Stream::new(
            self.hub.clone(),
            subscription,
            slots,
            token,
            self.heartbeat.ping,
        );
        Ok(stream.into_body())
    }
}
