//! Product reviews: `/api/v1/products/{id}/reviews` and `/api/v1/reviews/{id}`.

use crate::auth::{AuthUser, CustomerUser};
use crate::catalog::{self, Review, ReviewInput, Viewer};
use crate::domain::{FieldErrors, Page, PageParams, bounded_text};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Reviews of a published product, newest first.
#[utoipa::path(get, path = "/api/v1/products/{id}/reviews", tag = "catalog",
    params(("id" = Uuid, Path, description = "product id"), PageParams),
    responses((status = 200, description = "`{items: [Review], page, per_page, total}`"),
              (status = 404, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::parse(&paging)?;
    Ok(HttpResponse::Ok().json(catalog::list_reviews(&state.pool, *id, page).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// 1 to 5.
    rating: i64,
    title: String,
    body: String,
}

/// Reviews a product; one review per customer and product.
#[utoipa::path(post, path = "/api/v1/products/{id}/reviews", tag = "catalog",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "product id")),
    request_body = ReviewBody,
    responses((status = 201, body = Review), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "already reviewed", body = Problem),
              (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    customer: CustomerUser,
    id: web::Path<Uuid>,
    Json(body): Json<ReviewBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let rating = match i16::try_from(body.rating) {
        Ok(rating) if (1..=5).contains(&rating) => Some(rating),
        _ => {
            errors.add("rating", "must be a whole number from 1 to 5");
            None
        }
    };
    let title = errors.check("title", bounded_text(&body.title, 1, 200));
    let text = errors.check("body", review_text(&body.body));
    errors.finish()?;
    let (Some(rating), Some(title), Some(body)) = (rating, title, text) else {
        return Err(ApiError::internal(
            "review parsed without errors but incomplete",
        ));
    };
    let input = ReviewInput {
        rating,
        title,
        body,
    };
    let review =
        catalog::create_review(&state.pool, &state.products, customer.0.id, *id, &input).await?;
    Ok(HttpResponse::Created().json(review))
}

/// A review body: 1 to 5,000 characters; line breaks allowed, other control characters not.
fn review_text(raw: &str) -> Result<String, String> {
    let text = raw.trim();
    let length = text.chars().count();
    if length == 0 || length > 5_000 {
        return Err("must be 1 to 5000 characters".into());
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("must not contain control characters".into());
    }
    Ok(text.to_owned())
}

/// Deletes a review (its author or an admin).
#[utoipa::path(delete, path = "/api/v1/reviews/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "review id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    catalog::delete_review(&state.pool, &state.products, Viewer::from(&caller), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
