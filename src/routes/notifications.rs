//! `/api/v1/notifications` (→ [`crate::notifications`]): the caller's notifications.

use crate::auth::AuthUser;
use crate::domain::{Page, PageParams};
use crate::error::{ApiError, ErrorCode, Problem};
use crate::notifications::Notifications;
use actix_web::{HttpResponse, get, post, web};
use uuid::Uuid;

/// The caller's notifications, newest first.
#[utoipa::path(tag = "live", security(("bearer" = [])), params(PageParams),
    responses((status = 200, description = "`{items: [Notification], page, per_page, total}`"),
              (status = 401, body = Problem)))]
#[get("")]
pub(crate) async fn list(
    notifications: web::Data<Notifications>,
    caller: AuthUser,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::parse(&paging)?;
    Ok(HttpResponse::Ok().json(notifications.list(caller.id, page).await?))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(tag = "live", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "notification id")),
    responses((status = 204), (status = 404, body = Problem)))]
#[post("/{id}/read")]
pub(crate) async fn mark_read(
    notifications: web::Data<Notifications>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    if notifications.mark_read(caller.id, *id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::new(ErrorCode::NotFound, "notification not found"))
    }
}
