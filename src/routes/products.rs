//! `/api/v1/products`: search, product pages, and sellers' product management.

use crate::auth::{MaybeAuthUser, SellerUser};
use crate::catalog::{self, Product, SearchParams, SearchQuery, SearchResults, Viewer};
use crate::domain::{
    FieldErrors, PageParams, ProductFields, ProductInput, ProductPatch, ProductPatchFields,
};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::state::AppState;
use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, web};
use uuid::Uuid;

/// Searches the published products: full text, filters, sorts, pages and facets.
#[utoipa::path(get, path = "/api/v1/products", tag = "catalog",
    params(SearchParams, PageParams),
    responses((status = 200, body = SearchResults),
              (status = 422, description = "a parameter is invalid", body = Problem)))]
pub async fn search(
    state: web::Data<AppState>,
    params: web::Query<SearchParams>,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let query = SearchQuery::parse(&params, &paging)?;
    Ok(HttpResponse::Ok().json(catalog::search(&state.pool, &query).await?))
}

/// One product with its live `available` stock. Drafts and archived products are visible only to
/// their seller and admins.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "catalog",
    params(("id" = Uuid, Path, description = "product id")),
    responses((status = 200, body = Product), (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let viewer = caller.0.as_ref().map(Viewer::from);
    let cached = catalog::get_product(&state.pool, &state.products, viewer, *id).await?;
    // Live stock from the product's actor when one runs here, else as last read.
    let available = state
        .inventory
        .board()
        .available(*id)
        .unwrap_or(cached.product.available);
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(cached.to_json(available)))
}

/// Creates a product owned by the caller, with its initial stock.
#[utoipa::path(post, path = "/api/v1/products", tag = "catalog", security(("bearer" = [])),
    request_body = ProductFields,
    responses((status = 201, body = Product), (status = 403, body = Problem),
              (status = 409, description = "sku already used by this seller", body = Problem),
              (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    seller: SellerUser,
    Json(body): Json<ProductFields>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let input = ProductInput::parse(body, &mut errors);
    errors.finish()?;
    let input = input.ok_or_else(|| ApiError::internal("product parsed but missing"))?;
    let product = catalog::create_product(&state.pool, seller.0.id, &input).await?;
    Ok(HttpResponse::Created().json(product))
}

/// Changes a product (its seller or an admin).
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "product id")), request_body = ProductPatchFields,
    responses((status = 200, body = Product), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    seller: SellerUser,
    id: web::Path<Uuid>,
    Json(body): Json<ProductPatchFields>,
) -> Result<HttpResponse, ApiError> {
    let patch = ProductPatch::parse(body)?;
    let viewer = Viewer::from(&seller.0);
    let product =
        catalog::update_product(&state.pool, &state.products, viewer, *id, &patch).await?;
    Ok(HttpResponse::Ok().json(product))
}

/// Archives a product: it leaves search and the shop, and stays for existing orders.
#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "product id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn archive(
    state: web::Data<AppState>,
    seller: SellerUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let viewer = Viewer::from(&seller.0);
    catalog::archive_product(&state.pool, &state.products, viewer, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
