//! `/api/v1/catalogs`: sellers' named collections, their products and bulk import.

use crate::auth::{MaybeAuthUser, SellerUser};
use crate::catalog::{
    self, Catalog, CatalogInput, CatalogPatch, CatalogWithProducts, IMPORT_LIMIT_BYTES,
    ImportFormat, ImportReport, Viewer,
};
use crate::domain::{FieldErrors, Page, PageParams, bounded_text};
use crate::error::{ApiError, ErrorCode, Problem};
use crate::extract::{Json, sendable_body};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
pub struct CatalogListParams {
    /// Only catalogs of this seller.
    seller: Option<String>,
}

/// Catalogs, newest first.
#[utoipa::path(get, path = "/api/v1/catalogs", tag = "catalog",
    params(CatalogListParams, PageParams),
    responses((status = 200, description = "`{items: [Catalog], page, per_page, total}`"),
              (status = 422, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    params: web::Query<CatalogListParams>,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let seller = params.seller.as_deref().and_then(|raw| {
        errors.check(
            "seller",
            Uuid::parse_str(raw.trim()).map_err(|_| "must be a UUID".into()),
        )
    });
    let page = Page::parse_into(&paging, &mut errors);
    errors.finish()?;
    let page = page.ok_or_else(|| ApiError::internal("page parsed but missing"))?;
    Ok(HttpResponse::Ok().json(catalog::list_catalogs(&state.pool, seller, page).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogBody {
    name: Option<String>,
    description: Option<String>,
}

fn parse_body(body: &CatalogBody, errors: &mut FieldErrors) -> CatalogPatch {
    CatalogPatch {
        name: body
            .name
            .as_deref()
            .and_then(|name| errors.check("name", bounded_text(name, 1, 100))),
        description: body
            .description
            .as_deref()
            .and_then(|text| errors.check("description", bounded_text(text, 0, 2000))),
    }
}

/// Creates a catalog of the caller's (`name` required, unique among their catalogs).
#[utoipa::path(post, path = "/api/v1/catalogs", tag = "catalog", security(("bearer" = [])),
    request_body = CatalogBody,
    responses((status = 201, body = Catalog), (status = 403, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    seller: SellerUser,
    Json(body): Json<CatalogBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    if body.name.is_none() {
        errors.add("name", "is required");
    }
    let parsed = parse_body(&body, &mut errors);
    errors.finish()?;
    let input = CatalogInput {
        name: parsed.name.unwrap_or_default(),
        description: parsed.description.unwrap_or_default(),
    };
    let created = catalog::create_catalog(&state.pool, seller.0.id, &input).await?;
    Ok(HttpResponse::Created().json(created))
}

/// A catalog with a page of its products.
#[utoipa::path(get, path = "/api/v1/catalogs/{id}", tag = "catalog",
    params(("id" = Uuid, Path, description = "catalog id"), PageParams),
    responses((status = 200, body = CatalogWithProducts), (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    id: web::Path<Uuid>,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::parse(&paging)?;
    let viewer = caller.0.as_ref().map(Viewer::from);
    Ok(HttpResponse::Ok().json(catalog::get_catalog(&state.pool, viewer, *id, page).await?))
}

/// Renames or describes a catalog (its seller or an admin).
#[utoipa::path(patch, path = "/api/v1/catalogs/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "catalog id")), request_body = CatalogBody,
    responses((status = 200, body = Catalog), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    seller: SellerUser,
    id: web::Path<Uuid>,
    Json(body): Json<CatalogBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let patch = parse_body(&body, &mut errors);
    errors.finish()?;
    let viewer = Viewer::from(&seller.0);
    Ok(HttpResponse::Ok().json(catalog::update_catalog(&state.pool, viewer, *id, &patch).await?))
}

/// Deletes a catalog (its products stay).
#[utoipa::path(delete, path = "/api/v1/catalogs/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "catalog id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete(
    state: web::Data<AppState>,
    seller: SellerUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    catalog::delete_catalog(&state.pool, Viewer::from(&seller.0), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds one of the seller's products to the catalog.
#[utoipa::path(put, path = "/api/v1/catalogs/{id}/products/{product_id}", tag = "catalog",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "catalog id"),
           ("product_id" = Uuid, Path, description = "product id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn add_product(
    state: web::Data<AppState>,
    seller: SellerUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, product) = *path;
    catalog::add_to_catalog(&state.pool, Viewer::from(&seller.0), id, product).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes a product from the catalog (the product itself stays).
#[utoipa::path(delete, path = "/api/v1/catalogs/{id}/products/{product_id}", tag = "catalog",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "catalog id"),
           ("product_id" = Uuid, Path, description = "product id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_product(
    state: web::Data<AppState>,
    seller: SellerUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, product) = *path;
    catalog::remove_from_catalog(&state.pool, Viewer::from(&seller.0), id, product).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Imports products into the catalog from CSV (`text/csv`, header row) or NDJSON
/// (`application/x-ndjson`), up to 50 MB, upserting by `sku`.
#[utoipa::path(post, path = "/api/v1/catalogs/{id}/import", tag = "catalog",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "catalog id")),
    request_body(content = String, content_type = "text/csv",
        description = "CSV with a header row, or NDJSON with `Content-Type: application/x-ndjson`"),
    responses((status = 200, body = ImportReport), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 413, body = Problem),
              (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn import(
    state: web::Data<AppState>,
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
    let viewer = Viewer::from(&seller.0);
    let import = catalog::import_products(&state.pool, &state.products, viewer, *id, format, body);
    let ((), report) = tokio::join!(pump, import);
    let report = report?;
    for product in &report.restocked {
        state.inventory.reload_if_running(*product).await;
    }
    Ok(HttpResponse::Ok().json(report))
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
