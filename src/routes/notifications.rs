//! `/api/v1/notifications`: the caller's notifications.

use crate::auth::AuthUser;
use crate::domain::{Page, PageParams};
use crate::error::{ApiError, Problem};
use crate::notifications;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use uuid::Uuid;

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "live", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "`{items: [Notification], page, per_page, total}`"),
              (status = 401, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthUser,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::parse(&paging)?;
    Ok(HttpResponse::Ok().json(notifications::list(&state.pool, caller.id, page).await?))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "live",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "notification id")),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn mark_read(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    if notifications::mark_read(&state.pool, caller.id, *id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found("notification"))
    }
}
