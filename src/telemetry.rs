//! Tracing set-up: structured logs filtered by `RUST_LOG`, and the span every request runs in,
//! which carries its request id (so every log line of the request shows it) and its route.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; later calls are ignored (tests start many apps).
pub fn init(default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

/// The route pattern (`/api/v1/products/{id}`) a request matched, found once per request: each
/// lookup walks the routes again, with a regex per dynamic segment.
#[derive(Clone, Debug)]
pub struct MatchedRoute(pub String);

/// Opens each request's span: method, route, path, request id, and later the status.
///
/// Leaner than `tracing-actix-web`'s default, which also parses connection info and formats
/// several fields on every request whether or not anything is logged.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        let request_id = request.extensions().get::<RequestId>().copied();
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            route = %route,
            path = %request.path(),
            request_id = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        if let Some(id) = request_id {
            span.record("request_id", tracing::field::display(id));
        }
        request.extensions_mut().insert(MatchedRoute(route));
        span
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let (status, error) = match outcome {
            Ok(response) => (response.status(), response.response().error()),
            Err(error) => (error.as_response_error().status_code(), Some(error)),
        };
        span.record("status", status.as_u16());
        // A client's mistake (a sold-out product, a bad field) is the client's to see, not an
        // operator's: it is logged at debug, so a flash sale's thousands of 409s stay quiet.
        if let Some(error) = error {
            let _entered = span.enter();
            if status.is_server_error() {
                tracing::error!(error = %error.as_response_error(), "request failed");
            } else {
                tracing::debug!(error = %error.as_response_error(), "request refused");
            }
        }
    }
}
