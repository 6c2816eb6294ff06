//! The `users` table: reading, creating and updating users.

use super::AccountError;
use crate::db::{codes, violates};
use crate::domain::{Email, PersonName, Phone, Role, UserStatus};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A user as clients see it (never the password hash).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub status: UserStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A user row with its password hash, for sign-in.
pub(super) struct UserWithHash {
    pub user: User,
    pub password_hash: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    id: Uuid,
    email: String,
    name: String,
    phone: Option<String>,
    role: String,
    status: String,
    created_at: OffsetDateTime,
}

impl TryFrom<UserRow> for User {
    type Error = AccountError;

    fn try_from(row: UserRow) -> Result<Self, AccountError> {
        let corrupt = |message: String| AccountError::Internal(anyhow::anyhow!(message));
        Ok(User {
            role: Role::parse(&row.role).map_err(|_| corrupt(format!("bad role {}", row.role)))?,
            status: UserStatus::parse(&row.status)
                .map_err(|_| corrupt(format!("bad status {}", row.status)))?,
            id: row.id,
            email: row.email,
            name: row.name,
            phone: row.phone,
            created_at: row.created_at,
        })
    }
}

/// A user about to be created.
pub(super) struct NewUser<'a> {
    pub email: &'a Email,
    pub password_hash: &'a str,
    pub name: &'a PersonName,
    pub phone: Option<&'a Phone>,
    pub role: Role,
    pub status: UserStatus,
}

pub(super) async fn insert_user(
    connection: &mut PgConnection,
    new: NewUser<'_>,
) -> Result<User, AccountError> {
    let row: UserRow = sqlx::query_as(
        "INSERT INTO users (id, email, password_hash, name, phone, role, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id, email, name, phone, role, status, created_at",
    )
    .bind(Uuid::now_v7())
    .bind(new.email.as_str())
    .bind(new.password_hash)
    .bind(new.name.as_str())
    .bind(new.phone.map(Phone::as_str))
    .bind(new.role.as_str())
    .bind(new.status.as_str())
    .fetch_one(connection)
    .await
    .map_err(|error| {
        if violates(&error, codes::UNIQUE_VIOLATION) {
            AccountError::EmailTaken
        } else {
            error.into()
        }
    })?;
    row.try_into()
}

pub(super) async fn find_by_email(
    pool: &PgPool,
    email: &Email,
) -> Result<Option<UserWithHash>, AccountError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        password_hash: String,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, email, name, phone, role, status, created_at, password_hash
         FROM users WHERE email = $1 AND deleted_at IS NULL",
    )
    .bind(email.as_str())
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(UserWithHash {
            user: row.user.try_into()?,
            password_hash: row.password_hash,
        })
    })
    .transpose()
}

/// The live (not deleted) user `id`.
pub async fn find_user(pool: &PgPool, id: Uuid) -> Result<User, AccountError> {
    let row: Option<UserRow> = sqlx::query_as(
        "SELECT id, email, name, phone, role, status, created_at
         FROM users WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.ok_or(AccountError::NotFound("user"))?.try_into()
}

/// The fields a user may change on their own profile; `phone: Some(None)` clears it.
#[derive(Debug, Default)]
pub struct ProfilePatch {
    pub name: Option<PersonName>,
    pub phone: Option<Option<Phone>>,
}

pub async fn update_profile(
    pool: &PgPool,
    id: Uuid,
    patch: &ProfilePatch,
) -> Result<User, AccountError> {
    let row: Option<UserRow> = sqlx::query_as(
        "UPDATE users SET
             name = COALESCE($2, name),
             phone = CASE WHEN $3 THEN $4 ELSE phone END,
             updated_at = now()
         WHERE id = $1 AND deleted_at IS NULL
         RETURNING id, email, name, phone, role, status, created_at",
    )
    .bind(id)
    .bind(patch.name.as_ref().map(PersonName::as_str))
    .bind(patch.phone.is_some())
    .bind(
        patch
            .phone
            .as_ref()
            .and_then(|phone| phone.as_ref().map(Phone::as_str)),
    )
    .fetch_optional(pool)
    .await?;
    row.ok_or(AccountError::NotFound("user"))?.try_into()
}

/// Stores that tokens issued before `at` no longer count (the caller also tells
/// [`crate::auth::Revocations`]).
pub(super) async fn set_tokens_valid_after(
    connection: &mut PgConnection,
    id: Uuid,
    at: OffsetDateTime,
) -> Result<(), AccountError> {
    sqlx::query("UPDATE users SET tokens_valid_after = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(connection)
        .await?;
    Ok(())
}
