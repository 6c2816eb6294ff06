//! `/api/v1/users/me` (→ `accounts::users`): the caller's own profile.

use crate::accounts::{Accounts, ProfilePatch, User};
use crate::auth::AuthUser;
use crate::domain::{AllValid, PersonName, Phone, optional};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use actix_web::{HttpResponse, get, patch, web};
use serde::Deserialize;
use utoipa::ToSchema;

/// The caller's profile.
#[utoipa::path(tag = "users", security(("bearer" = [])),
    responses((status = 200, body = User), (status = 401, body = Problem)))]
#[get("")]
pub(crate) async fn get_me(
    accounts: web::Data<Accounts>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(accounts.find_user(caller.id).await?))
}

/// The profile fields a user may change. Anything else (`role`, `status`, `email`) is refused.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProfileBody {
    name: Option<String>,
    /// International format (`+44 20 7946 0958`); `null` removes it.
    #[serde(default, deserialize_with = "crate::domain::nullable")]
    #[schema(value_type = Option<String>)]
    phone: Option<Option<String>>,
    /// Receive promotions: new public coupons of sellers one bought from, live and by mail.
    promotions_opt_in: Option<bool>,
}

/// Changes the caller's name, phone or promotions opt-in.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = ProfileBody,
    responses((status = 200, body = User), (status = 401, body = Problem),
              (status = 422, body = Problem)))]
#[patch("")]
pub(crate) async fn update_me(
    accounts: web::Data<Accounts>,
    caller: AuthUser,
    Json(body): Json<ProfileBody>,
) -> Result<HttpResponse, ApiError> {
    let (name, phone) = (
        optional("name", body.name.as_deref(), PersonName::parse),
        optional("phone", body.phone, |phone| {
            phone.as_deref().map(Phone::parse).transpose()
        }),
    )
        .all_valid()?;
    let patch = ProfilePatch {
        name,
        phone,
        promotions_opt_in: body.promotions_opt_in,
    };
    Ok(HttpResponse::Ok().json(accounts.update_profile(caller.id, &patch).await?))
}
