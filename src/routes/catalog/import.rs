//! `/api/v1/catalogs/{id}/import` (→ `catalog::import`): bulk import of products.

use crate::auth::SellerUser;
use crate::catalog::{Catalog, IMPORT_LIMIT_BYTES, ImportFormat, ImportReport};
use crate::domain::Caller;
use crate::error::{ApiError, ErrorCode, Problem};
use crate::extract::sendable_body;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use uuid::Uuid;

/// Imports products into the catalog from CSV (`text/csv`, header row) or NDJSON
/// (`application/x-ndjson`), up to 50 MB, upserting by `sku`. A line is at most 64 KiB and a
/// CSV cell at most 40,000 bytes; the report lists the first 1,000 failed rows and counts them
/// all. A seller runs one import at a time (409 `import_in_progress`).
#[utoipa::path(tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "catalog id")),
    request_body(content = String, content_type = "text/csv",
        description = "CSV with a header row, or NDJSON with `Content-Type: application/x-ndjson`"),
    responses((status = 200, body = ImportReport), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 413, body = Problem),
              (status = 415, body = Problem), (status = 422, body = Problem)))]
#[post("/{id}/import")]
pub(crate) async fn import(
    catalog: web::Data<Catalog>,
    seller: SellerUser,
    id: web::Path<Uuid>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let format = import_format(&req)?;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > IMPORT_LIMIT_BYTES) {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("an import is at most {IMPORT_LIMIT_BYTES} bytes"),
        ));
    }
    let (pump, body) = sendable_body(payload);
    let viewer = Caller::from(&seller.0);
    let import = catalog.import_products(viewer, *id, format, body);
    let ((), report) = tokio::join!(pump, import);
    Ok(HttpResponse::Ok().json(report?))
}

fn import_format(req: &HttpRequest) -> Result<ImportFormat, ApiError> {
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase());
    match mime.as_deref() {
        Some("text/csv") => Ok(ImportFormat::Csv),
        Some("application/x-ndjson" | "application/ndjson" | "application/jsonl") => {
            Ok(ImportFormat::Ndjson)
        }
        _ => Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send text/csv or application/x-ndjson",
        )),
    }
}
