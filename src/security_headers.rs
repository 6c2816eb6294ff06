//! Headers every answer carries to keep browsers from being turned against the server's users:
//! `X-Content-Type-Options: nosniff` (a body is only ever what its content type says, so an
//! uploaded text cannot be run as a script), and a `Content-Security-Policy` that lets a page
//! load scripts, styles, fonts and connections from the server's own origin only (images also
//! as `data:` URLs, which Swagger UI draws its icons with, and from any `https:` host, where
//! sellers keep product pictures), and never be framed. An answer that
//! set a stricter policy of its own (a media file: `web_client::media`) keeps it.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// The policy of every page the server serves.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data: https:; \
     object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Middleware: adds the headers to every answer, errors included.
pub(crate) async fn add(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    Ok(response)
}
