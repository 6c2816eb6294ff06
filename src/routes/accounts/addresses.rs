//! `/api/v1/users/me/addresses` (→ `accounts::addresses`): the caller's address book.

use crate::accounts::{Address, AddressBook};
use crate::auth::AuthUser;
use crate::domain::{
    AddressFields, AddressInput, AddressPatch, AddressPatchFields, Page, PageParams,
};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use uuid::Uuid;

/// The caller's addresses, the default first.
#[utoipa::path(tag = "users", security(("bearer" = [])), params(PageParams),
    responses((status = 200, description = "`{items: [Address], page, per_page, total}`"),
              (status = 401, body = Problem)))]
#[get("/addresses")]
pub(crate) async fn list(
    book: web::Data<AddressBook>,
    caller: AuthUser,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::parse(&params)?;
    Ok(HttpResponse::Ok().json(book.list(caller.id, page).await?))
}

/// Adds an address; the first one becomes the default.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = AddressFields,
    responses((status = 201, body = Address), (status = 401, body = Problem),
              (status = 409, description = "address book full", body = Problem),
              (status = 422, body = Problem)))]
#[post("/addresses")]
pub(crate) async fn create(
    book: web::Data<AddressBook>,
    caller: AuthUser,
    Json(body): Json<AddressFields>,
) -> Result<HttpResponse, ApiError> {
    let address = AddressInput::parse(&body)?;
    let created = book.create(caller.id, &address, body.is_default).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Changes one of the caller's addresses; `is_default: true` moves the default to it.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = AddressPatchFields,
    params(("id" = Uuid, Path, description = "address id")),
    responses((status = 200, body = Address), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
#[patch("/addresses/{id}")]
pub(crate) async fn update(
    book: web::Data<AddressBook>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<AddressPatchFields>,
) -> Result<HttpResponse, ApiError> {
    let patch = AddressPatch::parse(&body)?;
    Ok(HttpResponse::Ok().json(book.update(caller.id, *id, &patch).await?))
}

/// Removes one of the caller's addresses; the default passes to the oldest remaining one.
#[utoipa::path(tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "address id")),
    responses((status = 204), (status = 404, body = Problem)))]
#[delete("/addresses/{id}")]
pub(crate) async fn delete(
    book: web::Data<AddressBook>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    book.delete(caller.id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
