//! `/api/v1/cart` (→ [`crate::cart`]): the caller's cart.

use crate::auth::{AuthUser, RateClass, RateKey, RateLimits};
use crate::cart::{CartView, ShoppingCarts};
use crate::domain::{Quantity, field};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The caller's cart, priced from the catalog.
#[utoipa::path(tag = "cart", security(("bearer" = [])),
    responses((status = 200, body = CartView), (status = 401, body = Problem)))]
#[get("")]
pub(crate) async fn get(
    carts: web::Data<ShoppingCarts>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(carts.view(caller.id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddItemBody {
    product_id: Uuid,
    /// Added to the line if the product is already in the cart.
    qty: Quantity,
}

/// Adds a product; beyond what is available it is 409 `out_of_stock`.
#[utoipa::path(tag = "cart", security(("bearer" = [])), request_body = AddItemBody,
    responses((status = 200, body = CartView), (status = 409, body = Problem),
              (status = 422, body = Problem), (status = 429, body = Problem)))]
#[post("/items")]
pub(crate) async fn add_item(
    carts: web::Data<ShoppingCarts>,
    limits: web::Data<RateLimits>,
    caller: AuthUser,
    Json(body): Json<AddItemBody>,
) -> Result<HttpResponse, ApiError> {
    limits.check(RateClass::CartWrite, RateKey::User(caller.id))?;
    let cart = carts.add(caller.id, body.product_id, body.qty).await?;
    Ok(HttpResponse::Ok().json(cart))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetItemBody {
    /// 0 removes the line; else 1 to 1000.
    qty: i64,
}

/// Sets a line's quantity (0 removes it).
#[utoipa::path(tag = "cart", security(("bearer" = [])),
    params(("product_id" = Uuid, Path, description = "product id")), request_body = SetItemBody,
    responses((status = 200, body = CartView), (status = 409, body = Problem),
              (status = 422, body = Problem), (status = 429, body = Problem)))]
#[patch("/items/{product_id}")]
pub(crate) async fn set_item(
    carts: web::Data<ShoppingCarts>,
    limits: web::Data<RateLimits>,
    caller: AuthUser,
    product: web::Path<Uuid>,
    Json(body): Json<SetItemBody>,
) -> Result<HttpResponse, ApiError> {
    limits.check(RateClass::CartWrite, RateKey::User(caller.id))?;
    let qty = match body.qty {
        0 => None,
        units => Some(field(
            "qty",
            Quantity::try_from(units).map_err(|_| format!("must be 0 to {}", Quantity::MAX)),
        )?),
    };
    Ok(HttpResponse::Ok().json(carts.set(caller.id, *product, qty).await?))
}

/// Removes a line.
#[utoipa::path(tag = "cart", security(("bearer" = [])),
    params(("product_id" = Uuid, Path, description = "product id")),
    responses((status = 200, body = CartView), (status = 429, body = Problem)))]
#[delete("/items/{product_id}")]
pub(crate) async fn remove_item(
    carts: web::Data<ShoppingCarts>,
    limits: web::Data<RateLimits>,
    caller: AuthUser,
    product: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    limits.check(RateClass::CartWrite, RateKey::User(caller.id))?;
    Ok(HttpResponse::Ok().json(carts.set(caller.id, *product, None).await?))
}

/// Empties the cart.
#[utoipa::path(tag = "cart", security(("bearer" = [])),
    responses((status = 204), (status = 429, body = Problem)))]
#[delete("")]
pub(crate) async fn clear(
    carts: web::Data<ShoppingCarts>,
    limits: web::Data<RateLimits>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    limits.check(RateClass::CartWrite, RateKey::User(caller.id))?;
    carts.clear(caller.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CouponCodeBody {
    /// The coupon's code (case does not matter).
    code: String,
}

/// Applies a coupon to the cart and re-prices it; refused (409 `coupon_expired`,
/// `coupon_exhausted`, `coupon_not_applicable`, `coupon_minimum_not_met`) if it cannot discount
/// this cart now.
#[utoipa::path(tag = "cart", security(("bearer" = [])), request_body = CouponCodeBody,
    responses((status = 200, body = CartView), (status = 401, body = Problem),
              (status = 404, description = "no coupon with this code", body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem),
              (status = 429, body = Problem)))]
#[post("/coupon")]
pub(crate) async fn apply_coupon(
    carts: web::Data<ShoppingCarts>,
    limits: web::Data<RateLimits>,
    caller: AuthUser,
    Json(body): Json<CouponCodeBody>,
) -> Result<HttpResponse, ApiError> {
    limits.check(RateClass::CartWrite, RateKey::User(caller.id))?;
    Ok(HttpResponse::Ok().json(carts.apply_coupon(caller.id, &body.code).await?))
}

/// Removes the cart's coupon.
#[utoipa::path(tag = "cart", security(("bearer" = [])),
    responses((status = 200, body = CartView), (status = 401, body = Problem),
              (status = 429, body = Problem)))]
#[delete("/coupon")]
pub(crate) async fn remove_coupon(
    carts: web::Data<ShoppingCarts>,
    limits: web::Data<RateLimits>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    limits.check(RateClass::CartWrite, RateKey::User(caller.id))?;
    Ok(HttpResponse::Ok().json(carts.remove_coupon(caller.id).await?))
}
