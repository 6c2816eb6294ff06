//! `/api/v1/admin/users` (→ `accounts::admin`): user management by admins.

use crate::accounts::{Accounts, AdminNewUser, AdminUserPatch, User, UserFilter};
use crate::auth::AdminUser;
use crate::domain::{
    AllValid, Email, Page, PageParams, Password, PersonName, Phone, Role, UserStatus, field,
    optional,
};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
pub(crate) struct UserListParams {
    /// Only users of this role.
    role: Option<String>,
    /// A part of the email or name.
    q: Option<String>,
    /// Only users of this status: `pending`, `active` or `disabled`.
    status: Option<String>,
}

/// Users, newest first.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(UserListParams, PageParams),
    responses((status = 200, description = "`{items: [User], page, per_page, total}`"),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
#[get("/users")]
pub(crate) async fn list(
    accounts: web::Data<Accounts>,
    _admin: AdminUser,
    params: web::Query<UserListParams>,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (role, status, page) = (
        optional("role", params.role.as_deref(), Role::parse),
        optional("status", params.status.as_deref(), UserStatus::parse),
        Page::parse(&paging),
    )
        .all_valid()?;
    let filter = UserFilter {
        role,
        query: search_text(params.q.as_deref()),
        status,
    };
    Ok(HttpResponse::Ok().json(accounts.list_users(&filter, page).await?))
}

/// The trimmed search text, unless it is empty.
fn search_text(q: Option<&str>) -> Option<String> {
    q.map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_owned)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateUserBody {
    email: String,
    password: String,
    name: String,
    /// `customer`, `seller`, `courier` or `admin`.
    role: String,
    phone: Option<String>,
}

/// Creates a user of any role, active at once.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = CreateUserBody,
    responses((status = 201, body = User), (status = 403, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/users")]
pub(crate) async fn create(
    accounts: web::Data<Accounts>,
    _admin: AdminUser,
    Json(body): Json<CreateUserBody>,
) -> Result<HttpResponse, ApiError> {
    let (email, password, name, role, phone) = (
        field("email", Email::parse(&body.email)),
        field("password", Password::parse(&body.password)),
        field("name", PersonName::parse(&body.name)),
        field("role", Role::parse(&body.role)),
        optional("phone", body.phone.as_deref(), Phone::parse),
    )
        .all_valid()?;
    let new = AdminNewUser {
        email,
        password,
        name,
        phone,
        role,
    };
    Ok(HttpResponse::Created().json(accounts.create_user(new).await?))
}

/// One user.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "user id")),
    responses((status = 200, body = User), (status = 404, body = Problem)))]
#[get("/users/{id}")]
pub(crate) async fn get(
    accounts: web::Data<Accounts>,
    _admin: AdminUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(accounts.find_user(*id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateUserBody {
    name: Option<String>,
    role: Option<String>,
    /// `active` or `disabled`.
    status: Option<String>,
}

/// Changes a user's role, status or name. Disabling ends their sessions and tokens at once.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "user id")), request_body = UpdateUserBody,
    responses((status = 200, body = User), (status = 404, body = Problem),
              (status = 409, description = "an admin changing their own role or status",
               body = Problem),
              (status = 422, body = Problem)))]
#[patch("/users/{id}")]
pub(crate) async fn update(
    accounts: web::Data<Accounts>,
    admin: AdminUser,
    id: web::Path<Uuid>,
    Json(body): Json<UpdateUserBody>,
) -> Result<HttpResponse, ApiError> {
    let (name, role, status) = (
        optional("name", body.name.as_deref(), PersonName::parse),
        optional("role", body.role.as_deref(), Role::parse),
        optional(
            "status",
            body.status.as_deref(),
            UserStatus::parse_admin_settable,
        ),
    )
        .all_valid()?;
    let patch = AdminUserPatch { name, role, status };
    Ok(HttpResponse::Ok().json(accounts.update_user(admin.0.id, *id, &patch).await?))
}

/// Deletes a user; their tokens stop working at once.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "user id")),
    responses((status = 204), (status = 404, body = Problem),
              (status = 409, description = "an admin deleting themselves", body = Problem)))]
#[delete("/users/{id}")]
pub(crate) async fn delete(
    accounts: web::Data<Accounts>,
    admin: AdminUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    accounts.delete_user(admin.0.id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
