//! `/api/v1/admin/outbox`: outgoing messages, the mail sink without SMTP.

use crate::auth::AdminUser;
use crate::domain::{Email, FieldErrors, Page, PageParams};
use crate::error::{ApiError, Problem};
use crate::outbox;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
pub struct OutboxParams {
    /// Only messages to this address.
    to: Option<String>,
}

/// Outgoing messages, newest first.
#[utoipa::path(get, path = "/api/v1/admin/outbox", tag = "admin", security(("bearer" = [])),
    params(OutboxParams, PageParams),
    responses((status = 200, description = "`{items: [OutboxMessage], page, per_page, total}`"),
              (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    _admin: AdminUser,
    params: web::Query<OutboxParams>,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let to = params
        .to
        .as_deref()
        .and_then(|to| errors.check("to", Email::parse(to)));
    let page = Page::parse_into(&paging, &mut errors);
    errors.finish()?;
    let page = page.ok_or_else(|| ApiError::internal("page parsed but missing"))?;
    let messages = outbox::list(&state.pool, to.as_ref().map(Email::as_str), page).await?;
    Ok(HttpResponse::Ok().json(messages))
}
