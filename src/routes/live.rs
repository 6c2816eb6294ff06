//! `/api/v1/ws` and `/api/v1/events` (→ [`crate::live`]): live updates over a WebSocket or as
//! Server-Sent Events.

use crate::auth::bearer_token;
use crate::client_address::ClientAddress;
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
/// each with `at`. Pinged every 15 s, closed after 45 s of silence. A subscription to a product
/// the session may not see is refused with an `error` frame (`not_found`). A client address, and
/// a user, hold a capped number of live sessions: past it the upgrade is 429, and an `auth` past
/// the user's cap is an `error` frame and a close (1008).
#[utoipa::path(tag = "live", params(WsParams),
    responses((status = 101, description = "switching to the WebSocket protocol"),
              (status = 429, body = Problem)))]
#[get("/ws")]
pub(crate) async fn websocket(
    live: web::Data<LiveUpdates>,
    req: HttpRequest,
    body: web::Payload,
    params: web::Query<WsParams>,
) -> actix_web::Result<HttpResponse> {
    let address = live
        .admit(ClientAddress::of(&req))
        .map_err(ApiError::from)?;
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    let stream = stream.max_frame_size(MAX_FRAME);
    let live = live.get_ref().clone();
    let access_token = params.into_inner().access_token;
    actix_web::rt::spawn(live.serve_socket(address, session, stream, access_token));
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
/// A topic whose product the caller may not see is 404; past the cap on live sessions per client
/// address or per user, 429.
#[utoipa::path(tag = "live", params(EventParams),
    responses((status = 200, content_type = "text/event-stream", description = "the live messages"),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem),
              (status = 429, body = Problem)))]
#[get("/events")]
pub(crate) async fn events(
    live: web::Data<LiveUpdates>,
    req: HttpRequest,
    params: web::Query<EventParams>,
) -> Result<HttpResponse, ApiError> {
    let access_token = bearer_token(&req).or(params.access_token.as_deref());
    let stream = live
        .event_stream(
            ClientAddress::of(&req),
            access_token,
            params.topics.as_deref(),
        )
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .streaming(stream))
}
