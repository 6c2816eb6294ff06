//! `/api/v1/categories` (→ `catalog::categories`): the category tree, shaped by admins.

use crate::auth::AdminUser;
use crate::catalog::{Catalog, Category, CategoryNode, CategoryPatch};
use crate::domain::{bounded_text, field, optional};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The whole category tree.
#[utoipa::path(tag = "catalog", responses((status = 200, body = Vec<CategoryNode>)))]
#[get("")]
pub(crate) async fn tree(catalog: web::Data<Catalog>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(catalog.category_tree().await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateCategoryBody {
    name: String,
    parent_id: Option<Uuid>,
}

/// Creates a category (its slug is derived from the name and made unique).
#[utoipa::path(tag = "catalog", security(("bearer" = [])), request_body = CreateCategoryBody,
    responses((status = 201, body = Category), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
#[post("")]
pub(crate) async fn create(
    catalog: web::Data<Catalog>,
    _admin: AdminUser,
    Json(body): Json<CreateCategoryBody>,
) -> Result<HttpResponse, ApiError> {
    let name = field("name", bounded_text(&body.name, 1, 100))?;
    let category = catalog.create_category(&name, body.parent_id).await?;
    Ok(HttpResponse::Created().json(category))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateCategoryBody {
    name: Option<String>,
    /// The new parent; `null` moves the category to the root.
    #[serde(default, deserialize_with = "crate::domain::nullable")]
    #[schema(value_type = Option<Uuid>)]
    parent_id: Option<Option<Uuid>>,
}

/// Renames and/or moves a category; moving it under its own descendant is 409.
#[utoipa::path(tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "category id")), request_body = UpdateCategoryBody,
    responses((status = 200, body = Category), (status = 404, body = Problem),
              (status = 409, description = "the move would make a cycle", body = Problem),
              (status = 422, body = Problem)))]
#[patch("/{id}")]
pub(crate) async fn update(
    catalog: web::Data<Catalog>,
    _admin: AdminUser,
    id: web::Path<Uuid>,
    Json(body): Json<UpdateCategoryBody>,
) -> Result<HttpResponse, ApiError> {
    let patch = CategoryPatch {
        name: optional("name", body.name.as_deref(), |name| {
            bounded_text(name, 1, 100)
        })?,
        parent: body.parent_id,
    };
    Ok(HttpResponse::Ok().json(catalog.update_category(*id, &patch).await?))
}

/// Deletes a category without subcategories or products (409 otherwise).
#[utoipa::path(tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "category id")),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[delete("/{id}")]
pub(crate) async fn delete(
    catalog: web::Data<Catalog>,
    _admin: AdminUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    catalog.delete_category(*id).await?;
    Ok(HttpResponse::NoContent().finish())
}
