//! `GET /media/{name}`: product images kept in the media directory (`BAZAAR_MEDIA_DIR`), such as
//! the pictures `bazaar seed --demo` draws. Read on each request, so files added while the server
//! runs are served at once.

use super::assets::content_type;
use crate::domain::is_media_file_name;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use std::path::PathBuf;

/// Where media files live.
pub(super) struct MediaDir(pub PathBuf);

/// An image may be kept for a day.
const CACHE_CONTROL: &str = "public, max-age=86400";
/// An image is never a document that runs anything, even an SVG opened on its own.
const MEDIA_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

pub(super) async fn serve(dir: web::Data<MediaDir>, name: web::Path<String>) -> HttpResponse {
    let name = name.into_inner();
    let Some(content_type) = content_type(&name).filter(|kind| kind.starts_with("image/")) else {
        return HttpResponse::NotFound().finish();
    };
    if !is_media_file_name(&name) {
        return HttpResponse::NotFound().finish();
    }
    match tokio::fs::read(dir.0.join(&name)).await {
        Ok(body) => HttpResponse::Ok()
            .content_type(content_type)
            .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
            .insert_header((header::CONTENT_SECURITY_POLICY, MEDIA_POLICY))
            .body(body),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            HttpResponse::NotFound().finish()
        }
        Err(error) => {
            tracing::error!(%error, name, "reading a media file");
            HttpResponse::InternalServerError().finish()
        }
    }
}
