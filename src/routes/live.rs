//! `/api/v1/ws` and `/api/v1/events` (→ [`crate::live`]): live updates over a WebSocket or as
//! Server-Sent Events.

use crate::auth::MaybeAuthUser;
use crate::error::{ApiError, Problem};
use crate::live::{LiveUpdates, MAX_FRAME};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
pub(crate) struct WsParams {
    /// Authenticates the session from the start (or send `{"type":"auth","token":...}`).
    access_token: Option<String>,
}

/// Opens a live session (WebSocket). Client messages: `auth`, `subscribe` / `unsubscribe` to
/// `product:<id>`. Server messages: `stock` (coalesced, at most one per product per 100 ms),
/// `order`, `inventory`, `low_stock`, `authenticated`, `subscribed`, `unsubscribed`, `error`,
/// each with `at`. Pinged every 15 s, closed after 45 s of silence.
#[utoipa::path(tag = "live", params(WsParams),
    responses((status = 101, description = "switching to the WebSocket protocol")))]
#[get("/ws")]
pub(crate) async fn websocket(
    live: web::Data<LiveUpdates>,
    req: HttpRequest,
    body: web::Payload,
    params: web::Query<WsParams>,
) -> actix_web::Result<HttpResponse> {
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    let stream = stream.max_frame_size(MAX_FRAME);
    let live = live.get_ref().clone();
    actix_web::rt::spawn(live.serve_socket(session, stream, params.into_inner().access_token));
    Ok(response)
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct EventParams {
    /// Comma-separated public topics: `product:<id>,product:<id>`.
    topics: Option<String>,
    /// Authenticates the stream (or send `Authorization: Bearer`).
    access_token: Option<String>,
}

/// Streams live messages (`data: {json}` per event; stock at most once per product per 100 ms).
#[utoipa::path(tag = "live", params(EventParams),
    responses((status = 200, content_type = "text/event-stream", description = "the live messages"),
              (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/events")]
pub(crate) async fn events(
    live: web::Data<LiveUpdates>,
    caller: MaybeAuthUser,
    params: web::Query<EventParams>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.0.map(|user| user.id);
    let stream = live.event_stream(
        user,
        params.access_token.as_deref(),
        params.topics.as_deref(),
    )?;
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .streaming(stream))
}
