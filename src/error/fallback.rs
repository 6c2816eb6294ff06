//! Turns every error produced outside our handlers into problem+json.
//!
//! actix-web answers unknown routes, wrong methods and failed extractors with bare or plain-text
//! responses; the middleware here rewrites any error response that is not already problem+json,
//! so no actix default text ever reaches a client.

use super::{ApiError, ErrorCode};
use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::middleware::Next;

/// Middleware: replaces non-problem error bodies with the problem of their status.
pub(crate) async fn problem_fallback(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let response = next.call(req).await?;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_problem(response.headers()) {
        return Ok(response.map_into_left_body());
    }
    let code = ErrorCode::for_status(status);
    let detail = match code {
        ErrorCode::NotFound => "no resource at this path".to_owned(),
        ErrorCode::MethodNotAllowed => "this resource does not support the method".to_owned(),
        ErrorCode::PayloadTooLarge => "the request body is too large".to_owned(),
        _ => status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_lowercase(),
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let (request, _) = response.into_parts();
    let mut problem = ApiError::new(code, detail).error_response();
    if let Some(allow) = allow {
        problem.headers_mut().insert(header::ALLOW, allow);
    }
    Ok(ServiceResponse::new(request, problem).map_into_right_body())
}

fn is_problem(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/problem+json"))
}

/// Path parameters that do not parse (a malformed id) name nothing that exists: 404.
pub(crate) fn path_error(
    error: actix_web::error::PathError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    tracing::debug!(%error, "unparsable path parameter");
    ApiError::new(ErrorCode::NotFound, "no resource at this path").into()
}
