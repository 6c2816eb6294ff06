//! `GET /api/v1/events`: the same live messages as Server-Sent Events, for clients that cannot
//! use WebSockets.

use super::protocol::{ServerMessage, product_topic};
use crate::auth::MaybeAuthUser;
use crate::error::{ApiError, ErrorCode, Problem};
use crate::state::AppState;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use bazaar_actors::hub::{Hub, Push, Subscription};
use serde::Deserialize;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
pub struct EventParams {
    /// Comma-separated public topics: `product:<id>,product:<id>`.
    topics: Option<String>,
    /// Authenticates the stream (or send `Authorization: Bearer`).
    access_token: Option<String>,
}

/// Streams live messages (`data: {json}` per event; stock at most once per product per 100 ms).
#[utoipa::path(get, path = "/api/v1/events", tag = "live", params(EventParams),
    responses((status = 200, content_type = "text/event-stream", description = "the live messages"),
              (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn events(
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    params: web::Query<EventParams>,
) -> Result<HttpResponse, ApiError> {
    let user = match (&caller.0, &params.access_token) {
        (Some(user), _) => Some(user.id),
        (None, Some(token)) => {
            let claims = state
                .jwt
                .verify(token)
                .filter(|claims| !state.revocations.is_revoked(claims))
                .ok_or_else(|| {
                    ApiError::new(ErrorCode::Unauthorized, "invalid, expired or revoked token")
                })?;
            Some(claims.sub)
        }
        (None, None) => None,
    };
    let mut products = Vec::new();
    for topic in params
        .topics
        .iter()
        .flat_map(|t| t.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let product = product_topic(topic).ok_or_else(|| {
            ApiError::new(
                ErrorCode::Forbidden,
                format!("{topic:?} is not a topic you may subscribe to"),
            )
        })?;
        products.push(product);
    }
    if products.len() > 100 {
        return Err(ApiError::invalid_field("topics", "at most 100 topics"));
    }
    let hub = state.hub.clone();
    let subscription = hub.connect(user);
    for product in &products {
        hub.watch(subscription.id, *product, true);
    }
    let stream = Stream::new(hub, subscription, state.settings.ws_ping_interval);
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .streaming(stream.into_body()))
}

/// One client's event stream; leaving the hub when dropped (the client went away).
struct Stream {
    hub: Hub,
    subscription: Subscription,
    ready: VecDeque<Bytes>,
    keep_alive: tokio::time::Interval,
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.hub.disconnect(self.subscription.id);
    }
}

impl Stream {
    fn new(hub: Hub, subscription: Subscription, keep_alive: Duration) -> Self {
        Self {
            hub,
            subscription,
            ready: VecDeque::new(),
            keep_alive: tokio::time::interval(keep_alive),
        }
    }

    fn queue(&mut self, push: &Push) {
        let message = ServerMessage::rendered(push);
        self.ready
            .push_back(Bytes::from(format!("data: {message}\n\n")));
    }

    fn into_body(self) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
        futures_util::stream::unfold(self, |mut stream| async move {
            loop {
                if let Some(chunk) = stream.ready.pop_front() {
                    return Some((Ok(chunk), stream));
                }
                tokio::select! {
                    push = stream.subscription.pushes.recv() => stream.queue(&push?),
                    _ = stream.keep_alive.tick() => {
                        stream.ready.push_back(Bytes::from_static(b": keep-alive\n\n"));
                    }
                }
            }
        })
    }
}
