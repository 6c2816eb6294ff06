//! Live updates: the WebSocket sessions, the Server-Sent Events streams, the JSON protocol they
//! speak, and the relay that carries events between server processes.
//!
//! Each connection is one task (`actix-ws`) that selects over the client's frames, the pushes the
//! hub routes to it and a heartbeat. Stock is coalesced by the hub before it fans out: at most one
//! message per product per 100 ms, the latest value.

mod event_stream;
mod protocol;
pub(crate) mod relay;
mod socket;

pub(crate) use socket::MAX_FRAME;

use crate::auth::{Authenticator, TokenRefused};
use actix_web::web::Bytes;
use bazaar_actors::hub::Hub;
use std::time::Duration;
use uuid::Uuid;

/// How live sessions are kept alive.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Heartbeat {
    /// How often a session is pinged.
    pub ping: Duration,
    /// How long a session may stay silent before it is closed.
    pub timeout: Duration,
}

/// Why a live stream cannot start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LiveError {
    #[error("invalid, expired or revoked token")]
    Unauthorized,
    #[error("{0:?} is not a topic you may subscribe to")]
    ForbiddenTopic(String),
    #[error("at most {0} topics")]
    TooManyTopics(usize),
}

impl crate::error::Coded for LiveError {
    fn code(&self) -> crate::error::ErrorCode {
        use crate::error::ErrorCode;
        match self {
            LiveError::Unauthorized => ErrorCode::Unauthorized,
            LiveError::ForbiddenTopic(_) => ErrorCode::Forbidden,
            LiveError::TooManyTopics(_) => ErrorCode::ValidationFailed,
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
    heartbeat: Heartbeat,
}

impl LiveUpdates {
    pub(crate) fn new(hub: Hub, authenticator: Authenticator, heartbeat: Heartbeat) -> Self {
        Self {
            hub,
            authenticator,
            heartbeat,
        }
    }

    /// Serves a WebSocket session until it ends.
    pub(crate) async fn serve_socket(
        self,
        session: actix_ws::Session,
        stream: actix_ws::MessageStream,
        access_token: Option<String>,
    ) {
        socket::run(self, session, stream, access_token).await;
    }

    /// The event stream of `user` (none: anonymous; or authenticated by `access_token`)
    /// following the comma-separated `topics`.
    pub(crate) fn event_stream(
        &self,
        user: Option<Uuid>,
        access_token: Option<&str>,
        topics: Option<&str>,
    ) -> Result<
        impl futures_util::Stream<Item = Result<Bytes, std::convert::Infallible>> + use<>,
        LiveError,
    > {
        let user = match (user, access_token) {
            (Some(user), _) => Some(user),
            (None, Some(token)) => match self.authenticator.verify(token) {
                Ok(claims) => Some(claims.sub),
                Err(TokenRefused::Invalid | TokenRefused::Revoked) => {
                    return Err(LiveError::Unauthorized);
                }
            },
            (None, None) => None,
        };
        let mut products = Vec::new();
        for topic in topics
            .iter()
            .flat_map(|t| t.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let product = protocol::product_topic(topic)
                .ok_or_else(|| LiveError::ForbiddenTopic(topic.to_owned()))?;
            products.push(product);
        }
        if products.len() > MAX_STREAM_TOPICS {
            return Err(LiveError::TooManyTopics(MAX_STREAM_TOPICS));
        }
        let subscription = self.hub.connect(user);
        for product in &products {
            self.hub.watch(subscription.id, *product, true);
        }
        let stream = event_stream::Stream::new(self.hub.clone(), subscription, self.heartbeat.ping);
        Ok(stream.into_body())
    }
}
