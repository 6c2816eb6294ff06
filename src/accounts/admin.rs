//! User management by admins, and the first admin created at start-up.

use super::flows::end_all_sessions;
use super::users::{self, NewUser, UserRow};
use super::{AccountError, User};
use crate::config::AdminBootstrap;
use crate::domain::{Email, Page, Paged, Password, PersonName, Phone, Role, UserStatus};
use crate::state::AppState;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// Creates the configured admin unless an account with that email exists.
pub async fn bootstrap_admin(
    pool: &PgPool,
    passwords: &crate::auth::PasswordHasher,
    admin: &AdminBootstrap,
) -> anyhow::Result<()> {
    let email = Email::parse(&admin.email)
        .map_err(|message| anyhow::anyhow!("BAZAAR_ADMIN_EMAIL {message}"))?;
    let password = Password::parse(&admin.password)
        .map_err(|message| anyhow::anyhow!("BAZAAR_ADMIN_PASSWORD {message}"))?;
    if users::find_by_email(pool, &email).await?.is_some() {
        return Ok(());
    }
    let password_hash = passwords.hash(password.expose()).await?;
    let mut connection = pool.acquire().await?;
    let created = users::insert_user(
        &mut connection,
        NewUser {
            email: &email,
            password_hash: &password_hash,
            name: &PersonName::parse("Administrator").map_err(anyhow::Error::msg)?,
            phone: None,
            role: Role::Admin,
            status: UserStatus::Active,
        },
    )
    .await;
    match created {
        Ok(user) => tracing::info!(email = %user.email, "created the first admin"),
        // Another process created it at the same moment.
        Err(AccountError::EmailTaken) => {}
        Err(error) => return Err(anyhow::anyhow!("create the first admin: {error}")),
    }
    Ok(())
}

/// A user an admin creates: any role, active at once.
#[derive(Debug)]
pub struct AdminNewUser {
    pub email: Email,
    pub password: Password,
    pub name: PersonName,
    pub phone: Option<Phone>,
    pub role: Role,
}

#[tracing::instrument(skip_all, fields(email = %new.email))]
pub async fn create_user(state: &AppState, new: AdminNewUser) -> Result<User, AccountError> {
    let password_hash = state.passwords.hash(new.password.expose()).await?;
    let mut connection = state.pool.acquire().await?;
    users::insert_user(
        &mut connection,
        NewUser {
            email: &new.email,
            password_hash: &password_hash,
            name: &new.name,
            phone: new.phone.as_ref(),
            role: new.role,
            status: UserStatus::Active,
        },
    )
    .await
}

/// Filters of the admin user list.
#[derive(Debug, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    /// Matches a part of the email or the name, case-insensitively.
    pub query: Option<String>,
}

pub async fn list_users(
    pool: &PgPool,
    filter: &UserFilter,
    page: Page,
) -> Result<Paged<User>, AccountError> {
    let role = filter.role.map(Role::as_str);
    let pattern = filter.query.as_deref().map(like_pattern);
    let rows: Vec<UserRow> = sqlx::query_as(
        "SELECT id, email, name, phone, role, status, created_at FROM users
         WHERE deleted_at IS NULL
           AND ($1::text IS NULL OR role = $1)
           AND ($2::text IS NULL OR email ILIKE $2 OR name ILIKE $2)
         ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4",
    )
    .bind(role)
    .bind(&pattern)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM users
         WHERE deleted_at IS NULL
           AND ($1::text IS NULL OR role = $1)
           AND ($2::text IS NULL OR email ILIKE $2 OR name ILIKE $2)",
    )
    .bind(role)
    .bind(&pattern)
    .fetch_one(pool)
    .await?;
    let items = rows
        .into_iter()
        .map(User::try_from)
        .collect::<Result<_, _>>()?;
    Ok(Paged::new(items, page, total))
}

/// `%text%` with the LIKE wildcards in `text` escaped, so they match literally.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

pub async fn get_user(pool: &PgPool, id: Uuid) -> Result<User, AccountError> {
    users::find_user(pool, id).await
}

/// What an admin may change on a user.
#[derive(Debug, Default)]
pub struct AdminUserPatch {
    pub name: Option<PersonName>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
}

/// Applies `patch`; a change of role or status takes effect on the user's tokens at once.
#[tracing::instrument(skip_all, fields(admin = %admin, user = %id))]
pub async fn update_user(
    state: &AppState,
    admin: Uuid,
    id: Uuid,
    patch: &AdminUserPatch,
) -> Result<User, AccountError> {
    if admin == id
        && (patch.role.is_some_and(|r| r != Role::Admin)
            || patch.status.is_some_and(|s| s != UserStatus::Active))
    {
        return Err(AccountError::Conflict(
            "admins cannot demote or disable themselves; ask another admin",
        ));
    }
    let now = OffsetDateTime::now_utc();
    let mut tx = state.pool.begin().await?;
    let before = sqlx::query_as::<_, UserRow>(
        "SELECT id, email, name, phone, role, status, created_at FROM users
         WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AccountError::NotFound("user"))
    .and_then(User::try_from)?;
    let row: UserRow = sqlx::query_as(
        "UPDATE users SET name = COALESCE($2, name), role = COALESCE($3, role),
             status = COALESCE($4, status), updated_at = now()
         WHERE id = $1
         RETURNING id, email, name, phone, role, status, created_at",
    )
    .bind(id)
    .bind(patch.name.as_ref().map(PersonName::as_str))
    .bind(patch.role.map(Role::as_str))
    .bind(patch.status.map(UserStatus::as_str))
    .fetch_one(&mut *tx)
    .await?;
    let after = User::try_from(row)?;
    let disabled = after.status == UserStatus::Disabled && before.status != UserStatus::Disabled;
    let role_changed = after.role != before.role;
    if disabled {
        end_all_sessions(&mut tx, id, now).await?;
    } else if role_changed {
        // Access tokens carry the role: older ones must not keep the old rights. The session
        // survives, so the next refresh issues a token with the new role.
        users::set_tokens_valid_after(&mut tx, id, now).await?;
    }
    tx.commit().await?;
    if disabled || role_changed {
        state.revocations.revoke_user(id, now).await;
    }
    Ok(after)
}

/// Deletes a user: their sessions end and tokens stop working at once; the row stays for the
/// records that refer to it, and the email becomes free again.
#[tracing::instrument(skip_all, fields(admin = %admin, user = %id))]
pub async fn delete_user(state: &AppState, admin: Uuid, id: Uuid) -> Result<(), AccountError> {
    if admin == id {
        return Err(AccountError::Conflict(
            "admins cannot delete themselves; ask another admin",
        ));
    }
    let now = OffsetDateTime::now_utc();
    let mut tx = state.pool.begin().await?;
    let deleted = sqlx::query(
        "UPDATE users SET deleted_at = $2, status = 'disabled', updated_at = now()
         WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if deleted.rows_affected() == 0 {
        return Err(AccountError::NotFound("user"));
    }
    end_all_sessions(&mut tx, id, now).await?;
    tx.commit().await?;
    state.revocations.revoke_user(id, now).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_wildcards_match_literally() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
