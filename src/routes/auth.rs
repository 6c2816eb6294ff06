//! `/api/v1/auth/*`: registration, activation, sign-in, refresh, sign-out, password reset.

use crate::accounts::{self, Registration, SignedIn, User};
use crate::auth::{AuthUser, client_ip};
use crate::domain::{Email, FieldErrors, Password, PersonName, Role};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Middleware on every auth route: the per-address rate limit.
pub(super) async fn limit_per_address(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(state) = req.app_data::<web::Data<AppState>>() {
        state.rate_limits.check_address(client_ip(req.request()))?;
    }
    next.call(req).await
}

/// A response carrying one user.
#[derive(Serialize, ToSchema)]
pub struct UserEnvelope {
    pub user: User,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    email: String,
    /// 10 to 128 characters.
    password: String,
    name: String,
    /// `customer` (default) or `seller`.
    role: Option<String>,
}

/// Registers an account. With activation required it must be activated before sign-in.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts", request_body = RegisterBody,
    responses((status = 201, body = UserEnvelope),
              (status = 409, description = "email taken", body = Problem),
              (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn register(
    state: web::Data<AppState>,
    Json(body): Json<RegisterBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let email = errors.check("email", Email::parse(&body.email));
    let password = errors.check("password", Password::parse(&body.password));
    let name = errors.check("name", PersonName::parse(&body.name));
    let role = match body.role.as_deref() {
        None => Some(Role::Customer),
        Some(role) => errors.check("role", Role::parse_self_registered(role)),
    };
    errors.finish()?;
    let (Some(email), Some(password), Some(name), Some(role)) = (email, password, name, role)
    else {
        return Err(ApiError::internal(
            "registration parsed without errors but incomplete",
        ));
    };
    let registration = Registration {
        email,
        password,
        name,
        role,
    };
    let user = accounts::register(&state, registration).await?;
    Ok(HttpResponse::Created().json(UserEnvelope { user }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    /// The token from the activation message.
    token: String,
}

/// Activates an account with the token of its activation message.
#[utoipa::path(post, path = "/api/v1/auth/activate", tag = "accounts", request_body = TokenBody,
    responses((status = 200, body = UserEnvelope),
              (status = 422, description = "invalid, expired or used token", body = Problem)))]
pub async fn activate(
    state: web::Data<AppState>,
    Json(body): Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    let user = accounts::activate(&state, &body.token).await?;
    Ok(HttpResponse::Ok().json(UserEnvelope { user }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    email: String,
    password: String,
}

/// Signs in: an access token and a refresh token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginBody,
    responses((status = 200, body = SignedIn),
              (status = 401, description = "wrong email or password", body = Problem),
              (status = 403, description = "not activated or disabled", body = Problem),
              (status = 429, body = Problem)))]
pub async fn login(
    state: web::Data<AppState>,
    Json(body): Json<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    let email =
        Email::parse(&body.email).map_err(|message| ApiError::invalid_field("email", message))?;
    state.rate_limits.check_account(email.as_str())?;
    let signed_in = accounts::login(&state, &email, &body.password).await?;
    Ok(HttpResponse::Ok().json(signed_in))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshBody {
    refresh_token: String,
}

/// Exchanges a refresh token for a new pair. Reusing a rotated token revokes its whole family.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "accounts", request_body = RefreshBody,
    responses((status = 200, body = SignedIn),
              (status = 401, description = "invalid, expired, revoked or reused", body = Problem)))]
pub async fn refresh(
    state: web::Data<AppState>,
    Json(body): Json<RefreshBody>,
) -> Result<HttpResponse, ApiError> {
    let signed_in = accounts::refresh(&state, &body.refresh_token).await?;
    Ok(HttpResponse::Ok().json(signed_in))
}

/// Signs out: ends the session and revokes the access token in every process.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts", request_body = RefreshBody,
    security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem)))]
pub async fn logout(
    state: web::Data<AppState>,
    caller: AuthUser,
    Json(body): Json<RefreshBody>,
) -> Result<HttpResponse, ApiError> {
    accounts::logout(&state, &caller, &body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotBody {
    email: String,
}

/// Sends a password-reset link if the account exists; always 202.
#[utoipa::path(post, path = "/api/v1/auth/password/forgot", tag = "accounts",
    request_body = ForgotBody,
    responses((status = 202), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn forgot_password(
    state: web::Data<AppState>,
    Json(body): Json<ForgotBody>,
) -> Result<HttpResponse, ApiError> {
    let email =
        Email::parse(&body.email).map_err(|message| ApiError::invalid_field("email", message))?;
    accounts::forgot_password(&state, &email).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    token: String,
    /// 10 to 128 characters.
    new_password: String,
}

/// Sets a new password with a reset token; ends every session of the user.
#[utoipa::path(post, path = "/api/v1/auth/password/reset", tag = "accounts",
    request_body = ResetBody,
    responses((status = 204), (status = 422, body = Problem)))]
pub async fn reset_password(
    state: web::Data<AppState>,
    Json(body): Json<ResetBody>,
) -> Result<HttpResponse, ApiError> {
    let password = Password::parse(&body.new_password)
        .map_err(|message| ApiError::invalid_field("new_password", message))?;
    accounts::reset_password(&state, &body.token, &password).await?;
    Ok(HttpResponse::NoContent().finish())
}
