//! `/api/v1/cart`: the caller's cart.

use crate::auth::AuthUser;
use crate::cart::{self, CartView};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The caller's cart, priced from the catalog.
#[utoipa::path(get, path = "/api/v1/cart", tag = "cart", security(("bearer" = [])),
    responses((status = 200, body = CartView), (status = 401, body = Problem)))]
pub async fn get(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, ApiError> {
    let lines = state.carts.lines(caller.id).await?;
    Ok(HttpResponse::Ok().json(cart::view(&state, &lines).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddItemBody {
    product_id: Uuid,
    /// 1 to 1000; added to the line if the product is already in the cart.
    qty: i64,
}

fn quantity(qty: i64, allow_zero: bool) -> Result<i64, ApiError> {
    let min = if allow_zero { 0 } else { 1 };
    if (min..=1_000).contains(&qty) {
        Ok(qty)
    } else {
        Err(ApiError::invalid_field(
            "qty",
            format!("must be {min} to 1000"),
        ))
    }
}

/// Adds a product; beyond what is available it is 409 `out_of_stock`.
#[utoipa::path(post, path = "/api/v1/cart/items", tag = "cart", security(("bearer" = [])),
    request_body = AddItemBody,
    responses((status = 200, body = CartView), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn add_item(
    state: web::Data<AppState>,
    caller: AuthUser,
    Json(body): Json<AddItemBody>,
) -> Result<HttpResponse, ApiError> {
    let qty = quantity(body.qty, false)?;
    let lines = state.carts.lines(caller.id).await?;
    let available = cart::availability(&state, &lines, body.product_id).await?;
    let lines = state
        .carts
        .add(caller.id, body.product_id, qty, available)
        .await?;
    Ok(HttpResponse::Ok().json(cart::view(&state, &lines).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetItemBody {
    /// 0 removes the line.
    qty: i64,
}

/// Sets a line's quantity (0 removes it).
#[utoipa::path(patch, path = "/api/v1/cart/items/{product_id}", tag = "cart",
    security(("bearer" = [])), params(("product_id" = Uuid, Path, description = "product id")),
    request_body = SetItemBody,
    responses((status = 200, body = CartView), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn set_item(
    state: web::Data<AppState>,
    caller: AuthUser,
    product: web::Path<Uuid>,
    Json(body): Json<SetItemBody>,
) -> Result<HttpResponse, ApiError> {
    let qty = quantity(body.qty, true)?;
    let lines = state.carts.lines(caller.id).await?;
    let lines = if qty == 0 {
        state.carts.set(caller.id, *product, 0, 0).await?
    } else {
        let available = cart::availability(&state, &lines, *product).await?;
        state.carts.set(caller.id, *product, qty, available).await?
    };
    Ok(HttpResponse::Ok().json(cart::view(&state, &lines).await?))
}

/// Removes a line.
#[utoipa::path(delete, path = "/api/v1/cart/items/{product_id}", tag = "cart",
    security(("bearer" = [])), params(("product_id" = Uuid, Path, description = "product id")),
    responses((status = 200, body = CartView)))]
pub async fn remove_item(
    state: web::Data<AppState>,
    caller: AuthUser,
    product: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let lines = state.carts.set(caller.id, *product, 0, 0).await?;
    Ok(HttpResponse::Ok().json(cart::view(&state, &lines).await?))
}

/// Empties the cart.
#[utoipa::path(delete, path = "/api/v1/cart", tag = "cart", security(("bearer" = [])),
    responses((status = 204)))]
pub async fn clear(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, ApiError> {
    state.carts.clear(caller.id).await?;
    Ok(HttpResponse::NoContent().finish())
}
