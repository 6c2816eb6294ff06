//! The web client, served by the server itself: `web-client/` (`BAZAAR_WEB_DIR`) is read once at
//! start-up, and product images from the media directory (`BAZAAR_MEDIA_DIR`) on each request.
//!
//! - Every page path (`/`, `/products/<id>`, `/seller/orders`, ...) answers the app's
//!   `index.html`, so deep links and reloads work; it is revalidated on every visit.
//! - The app's files live under `/assets/<version>/`, where the version is a hash of all of them:
//!   a deploy changes every URL, so browsers may keep each file for a year without asking.
//! - Text files are sent compressed (brotli or gzip, as the browser accepts), each compressed once
//!   on first demand.
//! - The server-wide `Content-Security-Policy` (`security_headers`) allows only the server's own
//!   scripts, styles and connections, which is all the app uses.

mod assets;
mod encoding;
mod media;

pub(crate) use assets::WebClient;

use crate::routes::MethodNotAllowed;
use actix_web::{HttpRequest, HttpResponse, guard, web};
use std::path::PathBuf;

/// Registers the app's files and the media files.
pub(crate) fn configure(
    client: web::Data<WebClient>,
    media_dir: PathBuf,
) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(client)
            .app_data(web::Data::new(media::MediaDir(media_dir)))
            .service(
                web::resource("/assets/{version}/{path:.*}")
                    .guard(read_guard())
                    .to(assets::serve),
            )
            .service(
                web::resource("/media/{name}")
                    .guard(read_guard())
                    .to(media::serve),
            );
    }
}

/// GET and HEAD.
fn read_guard() -> impl guard::Guard {
    guard::Any(guard::Get()).or(guard::Head())
}

/// The default service: a page of the app for a GET of a page path, else what
/// [`MethodNotAllowed`] answers (404 or 405 as problem+json).
pub(crate) async fn page_or_not_found(
    req: HttpRequest,
    client: web::Data<WebClient>,
    known: web::Data<MethodNotAllowed>,
) -> HttpResponse {
    let reads = req.method() == actix_web::http::Method::GET
        || req.method() == actix_web::http::Method::HEAD;
    if reads
        && is_page_path(req.path())
        && let Some(page) = client.index(&req)
    {
        return page;
    }
    MethodNotAllowed::answer(req, known).await
}

/// Whether `path` names a page of the app rather than an API route or a file: nothing under the
/// API's own prefixes, and no file extension in the last segment.
fn is_page_path(path: &str) -> bool {
    const NOT_PAGES: [&str; 6] = [
        "/api/",
        "/docs",
        "/assets/",
        "/media/",
        "/.well-known/",
        "/metrics",
    ];
    let last_segment = path.rsplit('/').next().unwrap_or_default();
    path != "/api"
        && !NOT_PAGES.iter().any(|prefix| path.starts_with(prefix))
        && !last_segment.contains('.')
        && !matches!(path, "/healthz" | "/readyz")
}

#[cfg(test)]
mod tests {
    use super::is_page_path;

    #[test]
    fn pages_are_app_paths_without_a_file_extension() {
        for page in [
            "/",
            "/products/0190c0de-1111-7000-8000-000000000000",
            "/seller/orders",
            "/search",
        ] {
            assert!(is_page_path(page), "{page}");
        }
        for other in [
            "/api",
            "/api/v1/nothing",
            "/docs/",
            "/assets/x/app.js",
            "/media/a.svg",
            "/favicon.ico",
            "/healthz",
            "/.well-known/jwks.json",
        ] {
            assert!(!is_page_path(other), "{other}");
        }
    }
}
