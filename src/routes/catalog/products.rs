//! `/api/v1/products` (→ `catalog::products`, `catalog::search`): search, product pages, and
//! sellers' product management.

use crate::auth::{MaybeAuthUser, RateClass, RateKey, RateLimits, SellerUser};
use crate::catalog::{Catalog, Product, SearchParams, SearchQuery, SearchResults};
use crate::domain::{
    AllValid, Caller, Page, PageParams, ProductFields, ProductInput, ProductPatch,
    ProductPatchFields, ProductStatus, optional,
};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// Searches the published products: full text, filters, sorts, pages and facets.
#[utoipa::path(tag = "catalog", params(SearchParams, PageParams),
    responses((status = 200, body = SearchResults),
              (status = 422, description = "a parameter is invalid", body = Problem),
              (status = 429, body = Problem)))]
#[get("")]
pub(crate) async fn search(
    catalog: web::Data<Catalog>,
    limits: web::Data<RateLimits>,
    req: HttpRequest,
    params: web::Query<SearchParams>,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    limits.check(RateClass::Search, RateKey::of_caller(&req))?;
    let query = SearchQuery::parse(&params, &paging)?;
    Ok(HttpResponse::Ok().json(catalog.search(&query).await?))
}

/// One product with its live `available` stock. Drafts and archived products are visible only to
/// their seller and admins.
#[utoipa::path(tag = "catalog", params(("id" = Uuid, Path, description = "product id")),
    responses((status = 200, body = Product), (status = 404, body = Problem)))]
#[get("/{id}")]
pub(crate) async fn get(
    catalog: web::Data<Catalog>,
    caller: MaybeAuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let viewer = caller.0.as_ref().map(Caller::from);
    let page = catalog.product_page(viewer, *id).await?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(page))
}

/// Creates a product owned by the caller, with its initial stock.
#[utoipa::path(tag = "catalog", security(("bearer" = [])), request_body = ProductFields,
    responses((status = 201, body = Product), (status = 403, body = Problem),
              (status = 409, description = "sku already used by this seller", body = Problem),
              (status = 422, body = Problem)))]
#[post("")]
pub(crate) async fn create(
    catalog: web::Data<Catalog>,
    seller: SellerUser,
    Json(body): Json<ProductFields>,
) -> Result<HttpResponse, ApiError> {
    let input = ProductInput::parse(body)?;
    let product = catalog.create_product(seller.0.id, &input).await?;
    Ok(HttpResponse::Created().json(product))
}

/// Changes a product (its seller or an admin).
#[utoipa::path(tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "product id")), request_body = ProductPatchFields,
    responses((status = 200, body = Product), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
#[patch("/{id}")]
pub(crate) async fn update(
    catalog: web::Data<Catalog>,
    seller: SellerUser,
    id: web::Path<Uuid>,
    Json(body): Json<ProductPatchFields>,
) -> Result<HttpResponse, ApiError> {
    let patch = ProductPatch::parse(body)?;
    let product = catalog
        .update_product(Caller::from(&seller.0), *id, &patch)
        .await?;
    Ok(HttpResponse::Ok().json(product))
}

/// Archives a product: it leaves search and the shop, and stays for existing orders.
#[utoipa::path(tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "product id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[delete("/{id}")]
pub(crate) async fn archive(
    catalog: web::Data<Catalog>,
    seller: SellerUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    catalog
        .archive_product(Caller::from(&seller.0), *id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct SellerProductParams {
    /// Only products of this status: `draft`, `published` or `archived`.
    status: Option<String>,
    /// Whose products (admins only; a seller's are their own).
    seller_id: Option<Uuid>,
}

/// A seller's own products, drafts and archived ones included, newest first: what the seller
/// dashboard lists (search shows only published products).
#[utoipa::path(tag = "catalog", security(("bearer" = [])), params(SellerProductParams, PageParams),
    responses((status = 200, description = "`{items: [Product], page, per_page, total}`"),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
#[get("/seller/products")]
pub(crate) async fn seller_products(
    catalog: web::Data<Catalog>,
    caller: SellerUser,
    params: web::Query<SellerProductParams>,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (status, page) = (
        optional("status", params.status.as_deref(), ProductStatus::parse),
        Page::parse(&paging),
    )
        .all_valid()?;
    let products = catalog
        .seller_products(Caller::from(&caller.0), params.seller_id, status, page)
        .await?;
    Ok(HttpResponse::Ok().json(products))
}
