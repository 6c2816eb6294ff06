//! Product reviews (→ `catalog::reviews`): `/api/v1/products/{id}/reviews` and
//! `/api/v1/reviews/{id}`.

use crate::auth::{AuthUser, CustomerUser, RateClass, RateKey, RateLimits};
use crate::catalog::{Catalog, Review, ReviewInput};
use crate::domain::Caller;
use crate::domain::{Page, PageParams};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use actix_web::{HttpResponse, delete, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Reviews of a published product, newest first.
#[utoipa::path(tag = "catalog",
    params(("id" = Uuid, Path, description = "product id"), PageParams),
    responses((status = 200, description = "`{items: [Review], page, per_page, total}`"),
              (status = 404, body = Problem)))]
#[get("/{id}/reviews")]
pub(crate) async fn list(
    catalog: web::Data<Catalog>,
    id: web::Path<Uuid>,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::parse(&paging)?;
    Ok(HttpResponse::Ok().json(catalog.reviews(*id, page).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewBody {
    /// 1 to 5.
    rating: i64,
    title: String,
    body: String,
}

/// Reviews a product; one review per customer and product.
#[utoipa::path(tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "product id")), request_body = ReviewBody,
    responses((status = 201, body = Review), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "already reviewed", body = Problem),
              (status = 422, body = Problem), (status = 429, body = Problem)))]
#[post("/{id}/reviews")]
pub(crate) async fn create(
    catalog: web::Data<Catalog>,
    limits: web::Data<RateLimits>,
    customer: CustomerUser,
    id: web::Path<Uuid>,
    Json(body): Json<ReviewBody>,
) -> Result<HttpResponse, ApiError> {
    limits.check(RateClass::Review, RateKey::User(customer.0.id))?;
    let input = ReviewInput::parse(body.rating, &body.title, &body.body)?;
    let review = catalog.create_review(customer.0.id, *id, &input).await?;
    Ok(HttpResponse::Created().json(review))
}

/// Deletes a review (its author or an admin).
#[utoipa::path(tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "review id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[delete("/reviews/{id}")]
pub(crate) async fn delete(
    catalog: web::Data<Catalog>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    catalog.delete_review(Caller::from(&caller), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
