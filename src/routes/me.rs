//! `/api/v1/users/me`: the caller's own profile.

use crate::accounts::{self, ProfilePatch};
use crate::auth::AuthUser;
use crate::domain::{FieldErrors, PersonName, Phone};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

/// The caller's profile.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = accounts::User), (status = 401, body = Problem)))]
pub async fn get_me(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let user = accounts::find_user(&state.pool, caller.id).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// The profile fields a user may change. Anything else (`role`, `status`, `email`) is refused.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    name: Option<String>,
    /// International format (`+44 20 7946 0958`); `null` removes it.
    #[serde(default, deserialize_with = "crate::domain::nullable")]
    #[schema(value_type = Option<String>)]
    phone: Option<Option<String>>,
}

/// Changes the caller's name or phone.
#[utoipa::path(patch, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])),
    request_body = ProfileBody,
    responses((status = 200, body = accounts::User), (status = 401, body = Problem),
              (status = 422, body = Problem)))]
pub async fn update_me(
    state: web::Data<AppState>,
    caller: AuthUser,
    Json(body): Json<ProfileBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let patch = ProfilePatch {
        name: body
            .name
            .as_deref()
            .and_then(|name| errors.check("name", PersonName::parse(name))),
        phone: match body.phone {
            None => None,
            Some(None) => Some(None),
            Some(Some(phone)) => errors.check("phone", Phone::parse(&phone)).map(Some),
        },
    };
    errors.finish()?;
    let user = accounts::update_profile(&state.pool, caller.id, &patch).await?;
    Ok(HttpResponse::Ok().json(user))
}
