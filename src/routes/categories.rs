//! `/api/v1/categories`: the category tree, shaped by admins.

use crate::auth::AdminUser;
use crate::catalog::{self, Category, CategoryNode, CategoryPatch};
use crate::domain::{FieldErrors, bounded_text};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The whole category tree.
#[utoipa::path(get, path = "/api/v1/categories", tag = "catalog",
    responses((status = 200, body = Vec<CategoryNode>)))]
pub async fn tree(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(catalog::category_tree(&state.pool).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryBody {
    name: String,
    parent_id: Option<Uuid>,
}

/// Creates a category (its slug is derived from the name and made unique).
#[utoipa::path(post, path = "/api/v1/categories", tag = "catalog", security(("bearer" = [])),
    request_body = CreateCategoryBody,
    responses((status = 201, body = Category), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    _admin: AdminUser,
    Json(body): Json<CreateCategoryBody>,
) -> Result<HttpResponse, ApiError> {
    let name = bounded_text(&body.name, 1, 100).map_err(|m| ApiError::invalid_field("name", m))?;
    let category = catalog::create_category(&state.pool, &name, body.parent_id).await?;
    Ok(HttpResponse::Created().json(category))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryBody {
    name: Option<String>,
    /// The new parent; `null` moves the category to the root.
    #[serde(default, deserialize_with = "crate::domain::nullable")]
    #[schema(value_type = Option<Uuid>)]
    parent_id: Option<Option<Uuid>>,
}

/// Renames and/or moves a category; moving it under its own descendant is 409.
#[utoipa::path(patch, path = "/api/v1/categories/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "category id")), request_body = UpdateCategoryBody,
    responses((status = 200, body = Category), (status = 404, body = Problem),
              (status = 409, description = "the move would make a cycle", body = Problem),
              (status = 422, body = Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: web::Path<Uuid>,
    Json(body): Json<UpdateCategoryBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let patch = CategoryPatch {
        name: body
            .name
            .as_deref()
            .and_then(|name| errors.check("name", bounded_text(name, 1, 100))),
        parent: body.parent_id,
    };
    errors.finish()?;
    let category = catalog::update_category(&state.pool, *id, &patch).await?;
    Ok(HttpResponse::Ok().json(category))
}

/// Deletes a category without subcategories or products (409 otherwise).
#[utoipa::path(delete, path = "/api/v1/categories/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "category id")),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    catalog::delete_category(&state.pool, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
