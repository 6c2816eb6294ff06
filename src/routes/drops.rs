//! `/api/v1/products/{id}/queue`, `/api/v1/products/{id}/waitlist` and
//! `/api/v1/admin/flash/{product_id}/report` (→ [`crate::drops`]): the waiting room, the
//! back-in-stock waitlist and the bot report of a drop.

use crate::auth::{AdminUser, AuthUser, CustomerUser, RateClass, RateKey, RateLimits, SellerUser};
use crate::client_address::ClientAddress;
use crate::domain::Caller;
use crate::drops::{
    Drops, FlashReport, QueueStanding, ThresholdParams, Thresholds, WaitlistCount, WaitlistStanding,
};
use crate::error::{ApiError, Problem};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use uuid::Uuid;

/// Joins the product's waiting room: the signed ticket, the place (drawn at the start for
/// arrivals before it) and the estimated wait. Joining again keeps the place, unless the
/// admission ran out or was used.
#[utoipa::path(tag = "drops", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "product id")),
    responses((status = 200, body = QueueStanding), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "no waiting room, or sale_ended", body = Problem),
              (status = 429, body = Problem)))]
#[post("/{id}/queue")]
pub(crate) async fn join_queue(
    drops: web::Data<Drops>,
    limits: web::Data<RateLimits>,
    customer: CustomerUser,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let caller = Caller::from(&customer.0);
    limits.check(RateClass::Checkout, RateKey::User(caller.id))?;
    let address = ClientAddress::of(&req).to_string();
    Ok(HttpResponse::Ok().json(drops.rooms.join(caller, *id, &address).await?))
}

/// Where the caller stands in the product's waiting room (its ticket again, for a client that
/// lost it).
#[utoipa::path(tag = "drops", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "product id")),
    responses((status = 200, body = QueueStanding), (status = 401, body = Problem),
              (status = 404, description = "not_in_queue, or no such product", body = Problem),
              (status = 429, body = Problem)))]
#[get("/{id}/queue")]
pub(crate) async fn queue_standing(
    drops: web::Data<Drops>,
    limits: web::Data<RateLimits>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    // Clients that cannot hold a WebSocket poll this: as often as searches, at most.
    limits.check(RateClass::Search, RateKey::User(caller.id))?;
    let standing = drops.rooms.standing(Caller::from(&caller), *id).await?;
    Ok(HttpResponse::Ok().json(standing))
}

/// Subscribes to a sold-out product: a restock tells the subscribers in the order they came,
/// live and by mail.
#[utoipa::path(tag = "drops", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "product id")),
    responses((status = 200, body = WaitlistStanding), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "in stock, or not for sale", body = Problem)))]
#[post("/{id}/waitlist")]
pub(crate) async fn subscribe(
    drops: web::Data<Drops>,
    customer: CustomerUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let standing = drops
        .waitlists
        .subscribe(Caller::from(&customer.0), *id)
        .await?;
    Ok(HttpResponse::Ok().json(standing))
}

/// Leaves the product's waitlist.
#[utoipa::path(tag = "drops", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "product id")),
    responses((status = 204), (status = 401, body = Problem),
              (status = 404, description = "not on the waitlist", body = Problem)))]
#[delete("/{id}/waitlist")]
pub(crate) async fn unsubscribe(
    drops: web::Data<Drops>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    drops
        .waitlists
        .unsubscribe(Caller::from(&caller), *id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How many wait for the product (its seller or an admin).
#[utoipa::path(tag = "drops", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "product id")),
    responses((status = 200, body = WaitlistCount), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
#[get("/{id}/waitlist")]
pub(crate) async fn waitlist_count(
    drops: web::Data<Drops>,
    seller: SellerUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let count = drops.waitlists.count(Caller::from(&seller.0), *id).await?;
    Ok(HttpResponse::Ok().json(count))
}

/// The bot signals of a drop: every account that queued for or bought the product with at least
/// one signal, and which fired.
#[utoipa::path(tag = "drops", security(("bearer" = [])),
    params(("product_id" = Uuid, Path, description = "product id"), ThresholdParams),
    responses((status = 200, body = FlashReport), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
#[get("/flash/{product_id}/report")]
pub(crate) async fn flash_report(
    drops: web::Data<Drops>,
    admin: AdminUser,
    product: web::Path<Uuid>,
    params: web::Query<ThresholdParams>,
) -> Result<HttpResponse, ApiError> {
    let thresholds = Thresholds::parse(&params)?;
    let report = drops
        .report(Caller::from(&admin.0), *product, thresholds)
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
