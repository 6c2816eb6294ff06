//! `/api/v1/auth/*` (→ `accounts::flows`): registration, activation, sign-in, refresh, sign-out,
//! password reset.

use crate::accounts::{Accounts, Registration, SignedIn, User};
use crate::auth::{AuthUser, RateClass, RateKey, RateLimits};
use crate::auth::{limit_session, limit_sign_in};
use crate::client_address::ClientAddress;
use crate::domain::{AllValid, Email, Password, PersonName, Role, field};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// On answers that carry or spend credentials: no cache, shared or private, may keep them.
const NO_STORE: (header::HeaderName, header::HeaderValue) = (
    header::CACHE_CONTROL,
    header::HeaderValue::from_static("no-store"),
);

/// A response carrying one user.
#[derive(Serialize, ToSchema)]
pub(crate) struct UserEnvelope {
    pub user: User,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegisterBody {
    email: String,
    /// 10 to 128 characters.
    password: String,
    name: String,
    /// `customer` (default) or `seller`.
    role: Option<String>,
}

/// Registers an account. With activation required it must be activated before sign-in.
#[utoipa::path(tag = "accounts", request_body = RegisterBody,
    responses((status = 201, body = UserEnvelope),
              (status = 409, description = "email taken", body = Problem),
              (status = 422, body = Problem), (status = 429, body = Problem)))]
#[post("/register", wrap = "from_fn(limit_sign_in)")]
pub(crate) async fn register(
    accounts: web::Data<Accounts>,
    Json(body): Json<RegisterBody>,
) -> Result<HttpResponse, ApiError> {
    let role = match body.role.as_deref() {
        None => Ok(Role::Customer),
        Some(role) => field("role", Role::parse_self_registered(role)),
    };
    let (email, password, name, role) = (
        field("email", Email::parse(&body.email)),
        field("password", Password::parse(&body.password)),
        field("name", PersonName::parse(&body.name)),
        role,
    )
        .all_valid()?;
    let registration = Registration {
        email,
        password,
        name,
        role,
    };
    let user = accounts.register(registration).await?;
    Ok(HttpResponse::Created().json(UserEnvelope { user }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenBody {
    /// The token from the activation message.
    token: String,
}

/// Activates an account with the token of its activation message.
#[utoipa::path(tag = "accounts", request_body = TokenBody,
    responses((status = 200, body = UserEnvelope),
              (status = 422, description = "invalid, expired or used token", body = Problem),
              (status = 429, body = Problem)))]
#[post("/activate", wrap = "from_fn(limit_sign_in)")]
pub(crate) async fn activate(
    accounts: web::Data<Accounts>,
    Json(body): Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    let user = accounts.activate(&body.token).await?;
    Ok(HttpResponse::Ok().json(UserEnvelope { user }))
}

/// An email, for the requests that send a link to it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmailBody {
    email: String,
}

impl EmailBody {
    /// The mailbox a link is asked for, counted against its rate (from any address).
    fn mailbox(&self, limits: &RateLimits) -> Result<Email, ApiError> {
        let email = field("email", Email::parse(&self.email))?;
        limits.check(RateClass::Mail, RateKey::Mailbox(email.as_str().to_owned()))?;
        Ok(email)
    }
}

/// Sends a new activation link if the account exists and is not activated yet; always 202.
#[utoipa::path(tag = "accounts", request_body = EmailBody,
    responses((status = 202), (status = 422, body = Problem), (status = 429, body = Problem)))]
#[post("/activation/resend", wrap = "from_fn(limit_sign_in)")]
pub(crate) async fn resend_activation(
    accounts: web::Data<Accounts>,
    limits: web::Data<RateLimits>,
    Json(body): Json<EmailBody>,
) -> Result<HttpResponse, ApiError> {
    let email = body.mailbox(&limits)?;
    accounts.resend_activation(&email).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginBody {
    email: String,
    password: String,
}

/// Signs in: an access token and a refresh token.
#[utoipa::path(tag = "accounts", request_body = LoginBody,
    responses((status = 200, body = SignedIn),
              (status = 401, description = "wrong email or password", body = Problem),
              (status = 403, description = "not activated or disabled", body = Problem),
              (status = 429, body = Problem)))]
#[post("/login", wrap = "from_fn(limit_sign_in)")]
pub(crate) async fn login(
    accounts: web::Data<Accounts>,
    limits: web::Data<RateLimits>,
    req: HttpRequest,
    Json(body): Json<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    let email = field("email", Email::parse(&body.email))?;
    let attempt = RateKey::AccountAt(email.as_str().to_owned(), ClientAddress::of(&req));
    limits.check(RateClass::Login, attempt)?;
    let signed_in = accounts.login(&email, &body.password).await?;
    Ok(HttpResponse::Ok().insert_header(NO_STORE).json(signed_in))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RefreshBody {
    refresh_token: String,
}

/// Exchanges a refresh token for a new pair. Reusing a rotated token revokes its whole family.
#[utoipa::path(tag = "accounts", request_body = RefreshBody,
    responses((status = 200, body = SignedIn),
              (status = 401, description = "invalid, expired, revoked or reused", body = Problem),
              (status = 429, body = Problem)))]
#[post("/refresh", wrap = "from_fn(limit_session)")]
pub(crate) async fn refresh(
    accounts: web::Data<Accounts>,
    Json(body): Json<RefreshBody>,
) -> Result<HttpResponse, ApiError> {
    let signed_in = accounts.refresh(&body.refresh_token).await?;
    Ok(HttpResponse::Ok().insert_header(NO_STORE).json(signed_in))
}

/// Signs out: ends the session and revokes the access token in every process.
#[utoipa::path(tag = "accounts", request_body = RefreshBody, security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 429, body = Problem)))]
#[post("/logout", wrap = "from_fn(limit_session)")]
pub(crate) async fn logout(
    accounts: web::Data<Accounts>,
    caller: AuthUser,
    Json(body): Json<RefreshBody>,
) -> Result<HttpResponse, ApiError> {
    accounts
        .logout(caller.id, (caller.jti, caller.exp), &body.refresh_token)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sends a password-reset link if the account exists; always 202.
#[utoipa::path(tag = "accounts", request_body = EmailBody,
    responses((status = 202), (status = 422, body = Problem), (status = 429, body = Problem)))]
#[post("/password/forgot", wrap = "from_fn(limit_sign_in)")]
pub(crate) async fn forgot_password(
    accounts: web::Data<Accounts>,
    limits: web::Data<RateLimits>,
    Json(body): Json<EmailBody>,
) -> Result<HttpResponse, ApiError> {
    let email = body.mailbox(&limits)?;
    accounts.forgot_password(&email).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResetBody {
    token: String,
    /// 10 to 128 characters.
    new_password: String,
}

/// Sets a new password with a reset token; ends every session of the user.
#[utoipa::path(tag = "accounts", request_body = ResetBody,
    responses((status = 204), (status = 422, body = Problem), (status = 429, body = Problem)))]
#[post("/password/reset", wrap = "from_fn(limit_sign_in)")]
pub(crate) async fn reset_password(
    accounts: web::Data<Accounts>,
    Json(body): Json<ResetBody>,
) -> Result<HttpResponse, ApiError> {
    let password = field("new_password", Password::parse(&body.new_password))?;
    accounts.reset_password(&body.token, &password).await?;
    Ok(HttpResponse::NoContent().insert_header(NO_STORE).finish())
}
