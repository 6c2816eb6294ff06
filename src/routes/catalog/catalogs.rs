//! `/api/v1/catalogs` (→ `catalog::catalogs`): sellers' named collections and their products.

use crate::auth::{MaybeAuthUser, SellerUser};
use crate::catalog::{Catalog, CatalogInput, CatalogPatch, CatalogWithProducts, SellerCatalog};
use crate::domain::Caller;
use crate::domain::{
    AllValid, Invalid, Page, PageParams, Parsed, bounded_text, multiline_text, optional,
};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
pub(crate) struct CatalogListParams {
    /// Only catalogs of this seller.
    seller: Option<String>,
}

/// Catalogs, newest first.
#[utoipa::path(tag = "catalog", params(CatalogListParams, PageParams),
    responses((status = 200, description = "`{items: [Catalog], page, per_page, total}`"),
              (status = 422, body = Problem)))]
#[get("")]
pub(crate) async fn list(
    catalog: web::Data<Catalog>,
    params: web::Query<CatalogListParams>,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let uuid = |raw: &str| Uuid::parse_str(raw.trim()).map_err(|_| "must be a UUID".to_owned());
    let (seller, page) = (
        optional("seller", params.seller.as_deref(), uuid),
        Page::parse(&paging),
    )
        .all_valid()?;
    Ok(HttpResponse::Ok().json(catalog.list_catalogs(seller, page).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CatalogBody {
    name: Option<String>,
    description: Option<String>,
}

impl CatalogBody {
    fn patch(&self) -> Parsed<CatalogPatch> {
        let (name, description) = (
            optional("name", self.name.as_deref(), |name| {
                bounded_text(name, 1, 100)
            }),
            optional("description", self.description.as_deref(), |text| {
                multiline_text(text, 0, 2000)
            }),
        )
            .all_valid()?;
        Ok(CatalogPatch { name, description })
    }
}

/// Creates a catalog of the caller's (`name` required, unique among their catalogs).
#[utoipa::path(tag = "catalog", security(("bearer" = [])), request_body = CatalogBody,
    responses((status = 201, body = SellerCatalog), (status = 403, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("")]
pub(crate) async fn create(
    catalog: web::Data<Catalog>,
    seller: SellerUser,
    Json(body): Json<CatalogBody>,
) -> Result<HttpResponse, ApiError> {
    let named = match body.name {
        Some(_) => Ok(()),
        None => Err(Invalid::field("name", "is required")),
    };
    let ((), patch) = (named, body.patch()).all_valid()?;
    let input = CatalogInput {
        name: patch.name.unwrap_or_default(),
        description: patch.description.unwrap_or_default(),
    };
    let created = catalog.create_catalog(seller.0.id, &input).await?;
    Ok(HttpResponse::Created().json(created))
}

/// A catalog with a page of its products.
#[utoipa::path(tag = "catalog",
    params(("id" = Uuid, Path, description = "catalog id"), PageParams),
    responses((status = 200, body = CatalogWithProducts), (status = 404, body = Problem)))]
#[get("/{id}")]
pub(crate) async fn get(
    catalog: web::Data<Catalog>,
    caller: MaybeAuthUser,
    id: web::Path<Uuid>,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::parse(&paging)?;
    let viewer = caller.0.as_ref().map(Caller::from);
    Ok(HttpResponse::Ok().json(catalog.catalog(viewer, *id, page).await?))
}

/// Renames or describes a catalog (its seller or an admin).
#[utoipa::path(tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "catalog id")), request_body = CatalogBody,
    responses((status = 200, body = SellerCatalog), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem)))]
#[patch("/{id}")]
pub(crate) async fn update(
    catalog: web::Data<Catalog>,
    seller: SellerUser,
    id: web::Path<Uuid>,
    Json(body): Json<CatalogBody>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.patch()?;
    let viewer = Caller::from(&seller.0);
    Ok(HttpResponse::Ok().json(catalog.update_catalog(viewer, *id, &patch).await?))
}

/// Deletes a catalog (its products stay).
#[utoipa::path(tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "catalog id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[delete("/{id}")]
pub(crate) async fn delete(
    catalog: web::Data<Catalog>,
    seller: SellerUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    catalog.delete_catalog(Caller::from(&seller.0), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds one of the seller's products to the catalog.
#[utoipa::path(tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "catalog id"),
           ("product_id" = Uuid, Path, description = "product id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[put("/{id}/products/{product_id}")]
pub(crate) async fn add_product(
    catalog: web::Data<Catalog>,
    seller: SellerUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, product) = *path;
    catalog
        .add_to_catalog(Caller::from(&seller.0), id, product)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes a product from the catalog (the product itself stays).
#[utoipa::path(tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "catalog id"),
           ("product_id" = Uuid, Path, description = "product id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[delete("/{id}/products/{product_id}")]
pub(crate) async fn remove_product(
    catalog: web::Data<Catalog>,
    seller: SellerUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, product) = *path;
    catalog
        .remove_from_catalog(Caller::from(&seller.0), id, product)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
