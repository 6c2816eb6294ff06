//! `/api/v1/admin/users`: user management by admins.

use crate::accounts::{self, AdminNewUser, AdminUserPatch, User, UserFilter};
use crate::auth::AdminUser;
use crate::domain::{
    Email, FieldErrors, Page, PageParams, Password, PersonName, Phone, Role, UserStatus,
};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
pub struct UserListParams {
    /// Only users of this role.
    role: Option<String>,
    /// A part of the email or name.
    q: Option<String>,
}

/// Users, newest first.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = [])),
    params(UserListParams, PageParams),
    responses((status = 200, description = "`{items: [User], page, per_page, total}`"),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    _admin: AdminUser,
    params: web::Query<UserListParams>,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let filter = UserFilter {
        role: params
            .role
            .as_deref()
            .and_then(|role| errors.check("role", Role::parse(role))),
        query: params
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_owned),
    };
    let page = Page::parse_into(&paging, &mut errors);
    errors.finish()?;
    let page = page.ok_or_else(|| ApiError::internal("page parsed but missing"))?;
    let users = accounts::list_users(&state.pool, &filter, page).await?;
    Ok(HttpResponse::Ok().json(users))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserBody {
    email: String,
    password: String,
    name: String,
    /// `customer`, `seller`, `courier` or `admin`.
    role: String,
    phone: Option<String>,
}

/// Creates a user of any role, active at once.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = [])),
    request_body = CreateUserBody,
    responses((status = 201, body = User), (status = 403, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    _admin: AdminUser,
    Json(body): Json<CreateUserBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let email = errors.check("email", Email::parse(&body.email));
    let password = errors.check("password", Password::parse(&body.password));
    let name = errors.check("name", PersonName::parse(&body.name));
    let role = errors.check("role", Role::parse(&body.role));
    let phone = match body.phone.as_deref() {
        None => Some(None),
        Some(phone) => errors.check("phone", Phone::parse(phone)).map(Some),
    };
    errors.finish()?;
    let (Some(email), Some(password), Some(name), Some(role), Some(phone)) =
        (email, password, name, role, phone)
    else {
        return Err(ApiError::internal(
            "user parsed without errors but incomplete",
        ));
    };
    let new = AdminNewUser {
        email,
        password,
        name,
        phone,
        role,
    };
    let user = accounts::create_user(&state, new).await?;
    Ok(HttpResponse::Created().json(user))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "user id")),
    responses((status = 200, body = User), (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let user = accounts::get_user(&state.pool, *id).await?;
    Ok(HttpResponse::Ok().json(user))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserBody {
    name: Option<String>,
    role: Option<String>,
    /// `active` or `disabled`.
    status: Option<String>,
}

/// Changes a user's role, status or name. Disabling ends their sessions and tokens at once.
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "user id")), request_body = UpdateUserBody,
    responses((status = 200, body = User), (status = 404, body = Problem),
              (status = 409, description = "an admin changing their own role or status",
               body = Problem),
              (status = 422, body = Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<Uuid>,
    Json(body): Json<UpdateUserBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let patch = AdminUserPatch {
        name: body
            .name
            .as_deref()
            .and_then(|name| errors.check("name", PersonName::parse(name))),
        role: body
            .role
            .as_deref()
            .and_then(|role| errors.check("role", Role::parse(role))),
        status: body
            .status
            .as_deref()
            .and_then(|status| errors.check("status", UserStatus::parse_admin_settable(status))),
    };
    errors.finish()?;
    let user = accounts::update_user(&state, admin.0.id, *id, &patch).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Deletes a user; their tokens stop working at once.
#[utoipa::path(delete, path = "/api/v1/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "user id")),
    responses((status = 204), (status = 404, body = Problem),
              (status = 409, description = "an admin deleting themselves", body = Problem)))]
pub async fn delete(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    accounts::delete_user(&state, admin.0.id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
