//! `/api/v1/admin/outbox` (→ [`crate::outbox`]): outgoing messages, the mail sink without SMTP.

use crate::auth::AdminUser;
use crate::domain::{AllValid, Email, Page, PageParams, optional};
use crate::error::{ApiError, Problem};
use crate::outbox::Outbox;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
pub(crate) struct OutboxParams {
    /// Only messages to this address.
    to: Option<String>,
}

/// Outgoing messages, newest first: without SMTP, the channel that delivers activation and reset
/// links. The link of a message addressed to another admin is redacted.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(OutboxParams, PageParams),
    responses((status = 200, description = "`{items: [OutboxMessage], page, per_page, total}`"),
              (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/outbox")]
pub(crate) async fn list(
    outbox: web::Data<Outbox>,
    admin: AdminUser,
    params: web::Query<OutboxParams>,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (to, page) = (
        optional("to", params.to.as_deref(), Email::parse),
        Page::parse(&paging),
    )
        .all_valid()?;
    let to = to.as_ref().map(Email::as_str);
    let messages = outbox.list(admin.0.id, to, page).await?;
    Ok(HttpResponse::Ok().json(messages))
}
