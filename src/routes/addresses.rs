//! `/api/v1/users/me/addresses`: the caller's address book.

use crate::accounts::{self, Address};
use crate::auth::AuthUser;
use crate::domain::{
    AddressFields, AddressInput, AddressPatch, AddressPatchFields, FieldErrors, Page, PageParams,
};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use uuid::Uuid;

/// The caller's addresses, the default first.
#[utoipa::path(get, path = "/api/v1/users/me/addresses", tag = "users", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "`{items: [Address], page, per_page, total}`"),
              (status = 401, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthUser,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::parse(&params)?;
    let addresses = accounts::list_addresses(&state.pool, caller.id, page).await?;
    Ok(HttpResponse::Ok().json(addresses))
}

/// Adds an address; the first one becomes the default.
#[utoipa::path(post, path = "/api/v1/users/me/addresses", tag = "users", security(("bearer" = [])),
    request_body = AddressFields,
    responses((status = 201, body = Address), (status = 401, body = Problem),
              (status = 409, description = "address book full", body = Problem),
              (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthUser,
    Json(body): Json<AddressFields>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let address = AddressInput::parse(&body, &mut errors, "");
    errors.finish()?;
    let address = address.ok_or_else(|| ApiError::internal("address parsed but missing"))?;
    let created =
        accounts::create_address(&state.pool, caller.id, &address, body.is_default).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Changes one of the caller's addresses; `is_default: true` moves the default to it.
#[utoipa::path(patch, path = "/api/v1/users/me/addresses/{id}", tag = "users",
    security(("bearer" = [])), request_body = AddressPatchFields,
    params(("id" = Uuid, Path, description = "address id")),
    responses((status = 200, body = Address), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<AddressPatchFields>,
) -> Result<HttpResponse, ApiError> {
    let patch = AddressPatch::parse(&body)?;
    let updated = accounts::update_address(&state.pool, caller.id, *id, &patch).await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// Removes one of the caller's addresses; the default passes to the oldest remaining one.
#[utoipa::path(delete, path = "/api/v1/users/me/addresses/{id}", tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "address id")),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    accounts::delete_address(&state.pool, caller.id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
