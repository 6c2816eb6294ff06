//! The accounts' statements on PostgreSQL.

use super::AddressCreated;
use crate::accounts::addresses::Address;
use crate::accounts::admin::{AdminUserPatch, SessionEffect, UserChange, UserFilter};
use crate::accounts::one_time_tokens::{Purpose, TokenRow};
use crate::accounts::sessions::{RefreshSecret, Rotation};
use crate::accounts::users::{NewUser, ProfilePatch, User, UserWithHash};
use crate::domain::{AddressInput, AddressPatch, Email, Page, Paged, Phone};
use crate::outbox;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

const USER_COLUMNS: &str = "id, email, name, phone, role, status, promotions_opt_in, created_at";

pub(super) async fn insert_user(
    pool: &PgPool,
    user: &NewUser<'_>,
    token: Option<&TokenRow>,
) -> sqlx::Result<User> {
    let mut tx = pool.begin().await?;
    let created: User = sqlx::query_as(
        "INSERT INTO users (id, email, password_hash, name, phone, role, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id, email, name, phone, role, status, promotions_opt_in, created_at",
    )
    .bind(user.id)
    .bind(user.email.as_str())
    .bind(user.password_hash)
    .bind(user.name.as_str())
    .bind(user.phone.map(Phone::as_str))
    .bind(user.role)
    .bind(user.status)
    .fetch_one(&mut *tx)
    .await?;
    if let Some(token) = token {
        insert_token(&mut tx, token).await?;
    }
    tx.commit().await?;
    Ok(created)
}

pub(super) async fn find_by_email(
    pool: &PgPool,
    email: &Email,
) -> sqlx::Result<Option<UserWithHash>> {
    sqlx::query_as(
        "SELECT id, email, name, phone, role, status, promotions_opt_in, created_at, password_hash
         FROM users WHERE email = $1 AND deleted_at IS NULL",
    )
    .bind(email.as_str())
    .fetch_optional(pool)
    .await
}

pub(super) async fn find_user(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<User>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND deleted_at IS NULL"
    ));
    sqlx::query_as(sql).bind(id).fetch_optional(pool).await
}

pub(super) async fn update_profile(
    pool: &PgPool,
    id: Uuid,
    patch: &ProfilePatch,
) -> sqlx::Result<Option<User>> {
    sqlx::query_as(
        "UPDATE users SET
             name = COALESCE($2, name),
             phone = CASE WHEN $3 THEN $4 ELSE phone END,
             promotions_opt_in = COALESCE($5, promotions_opt_in),
             updated_at = now()
         WHERE id = $1 AND deleted_at IS NULL
         RETURNING id, email, name, phone, role, status, promotions_opt_in, created_at",
    )
    .bind(id)
    .bind(patch.name.as_ref().map(|name| name.as_str()))
    .bind(patch.phone.is_some())
    .bind(
        patch
            .phone
            .as_ref()
            .and_then(|phone| phone.as_ref().map(Phone::as_str)),
    )
    .bind(patch.promotions_opt_in)
    .fetch_optional(pool)
    .await
}

pub(super) async fn issue_token(pool: &PgPool, token: &TokenRow) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    insert_token(&mut tx, token).await?;
    tx.commit().await
}

/// The token row and, in the same transaction, the message that carries it.
async fn insert_token(connection: &mut PgConnection, token: &TokenRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(&token.hash)
    .bind(token.user)
    .bind(token.purpose.as_str())
    .bind(token.expires_at)
    .execute(&mut *connection)
    .await?;
    outbox::store::postgres::enqueue(connection, &token.message).await
}

/// Uses up a token of `purpose`: its user, if it was unknown, unused and unexpired.
async fn consume_token(
    connection: &mut PgConnection,
    token_hash: &[u8],
    purpose: Purpose,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar(
        "UPDATE account_tokens SET used_at = now()
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
         RETURNING user_id",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .fetch_optional(connection)
    .await
}

pub(super) async fn activate(pool: &PgPool, token_hash: &[u8]) -> sqlx::Result<Option<Uuid>> {
    let mut tx = pool.begin().await?;
    let Some(user) = consume_token(&mut tx, token_hash, Purpose::Activation).await? else {
        return Ok(None);
    };
    sqlx::query(
        "UPDATE users SET status = 'active', updated_at = now()
         WHERE id = $1 AND status = 'pending' AND deleted_at IS NULL",
    )
    .bind(user)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(user))
}

pub(super) async fn reset_password(
    pool: &PgPool,
    token_hash: &[u8],
    password_hash: &str,
    at: OffsetDateTime,
) -> sqlx::Result<Option<Uuid>> {
    let mut tx = pool.begin().await?;
    let Some(user) = consume_token(&mut tx, token_hash, Purpose::PasswordReset).await? else {
        return Ok(None);
    };
    sqlx::query("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1")
        .bind(user)
        .bind(password_hash)
        .execute(&mut *tx)
        .await?;
    end_unused_tokens(&mut tx, user, Purpose::PasswordReset).await?;
    end_all_sessions(&mut tx, user, at).await?;
    tx.commit().await?;
    Ok(Some(user))
}

/// Uses up every outstanding token of `user` for `purpose`.
async fn end_unused_tokens(
    connection: &mut PgConnection,
    user: Uuid,
    purpose: Purpose,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE account_tokens SET used_at = now()
         WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
    )
    .bind(user)
    .bind(purpose.as_str())
    .execute(connection)
    .await?;
    Ok(())
}

pub(super) async fn end_tokens(pool: &PgPool, user: Uuid, purpose: Purpose) -> sqlx::Result<()> {
    let mut connection = pool.acquire().await?;
    end_unused_tokens(&mut connection, user, purpose).await
}

pub(super) async fn retire_stale_registration(
    pool: &PgPool,
    email: &Email,
    registered_before: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET deleted_at = now(), updated_at = now()
         WHERE email = $1 AND status = 'pending' AND deleted_at IS NULL AND created_at < $2
           AND NOT EXISTS (SELECT 1 FROM account_tokens t WHERE t.user_id = users.id
               AND t.purpose = 'activation' AND t.used_at IS NULL AND t.expires_at > now())",
    )
    .bind(email.as_str())
    .bind(registered_before)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn start_session(
    pool: &PgPool,
    user: Uuid,
    first: &RefreshSecret,
) -> sqlx::Result<()> {
    let family = Uuid::now_v7();
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO refresh_families (id, user_id) VALUES ($1, $2)")
        .bind(family)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    insert_refresh_token(&mut tx, family, first).await?;
    tx.commit().await
}

async fn insert_refresh_token(
    connection: &mut PgConnection,
    family: Uuid,
    secret: &RefreshSecret,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, family_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(&secret.hash)
    .bind(family)
    .bind(secret.expires_at)
    .execute(connection)
    .await?;
    Ok(())
}

pub(super) async fn rotate_session(
    pool: &PgPool,
    presented_hash: &[u8],
    successor: &RefreshSecret,
) -> sqlx::Result<Rotation> {
    #[derive(sqlx::FromRow)]
    struct Presented {
        family_id: Uuid,
        user_id: Uuid,
        rotated: bool,
        expired: bool,
        family_revoked: bool,
    }
    let mut tx = pool.begin().await?;
    // FOR UPDATE: two concurrent refreshes with one token are serialized, so the second one is
    // seen as a reuse instead of both succeeding.
    let presented: Option<Presented> = sqlx::query_as(
        "SELECT t.family_id, f.user_id,
                t.rotated_at IS NOT NULL AS rotated,
                t.expires_at <= now() AS expired,
                f.revoked_at IS NOT NULL AS family_revoked
         FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id
         WHERE t.token_hash = $1
         FOR UPDATE OF t, f",
    )
    .bind(presented_hash)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(presented) = presented else {
        return Ok(Rotation::Refused);
    };
    if presented.family_revoked || presented.expired {
        return Ok(Rotation::Refused);
    }
    if presented.rotated {
        sqlx::query(
            "UPDATE refresh_families SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(presented.family_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(Rotation::Reused {
            family: presented.family_id,
            user: presented.user_id,
        });
    }
    sqlx::query("UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1")
        .bind(presented_hash)
        .execute(&mut *tx)
        .await?;
    insert_refresh_token(&mut tx, presented.family_id, successor).await?;
    tx.commit().await?;
    Ok(Rotation::Rotated {
        user: presented.user_id,
    })
}

pub(super) async fn end_session(pool: &PgPool, user: Uuid, token_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE refresh_families f SET revoked_at = now()
         FROM refresh_tokens t
         WHERE t.token_hash = $1 AND t.family_id = f.id AND f.user_id = $2
           AND f.revoked_at IS NULL",
    )
    .bind(token_hash)
    .bind(user)
    .execute(pool)
    .await?;
    Ok(())
}

/// Revokes every refresh family of `user` and refuses their access tokens issued before `at`.
async fn end_all_sessions(
    connection: &mut PgConnection,
    user: Uuid,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE refresh_families SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user)
    .execute(&mut *connection)
    .await?;
    cut_off_tokens(connection, user, at).await
}

/// Refuses the access tokens of `user` issued before `at`.
async fn cut_off_tokens(
    connection: &mut PgConnection,
    user: Uuid,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET tokens_valid_after = $2, updated_at = now() WHERE id = $1")
        .bind(user)
        .bind(at)
        .execute(connection)
        .await?;
    Ok(())
}

pub(super) async fn list_users(
    pool: &PgPool,
    filter: &UserFilter,
    page: Page,
) -> sqlx::Result<Paged<User>> {
    const MATCHING: &str = "FROM users WHERE deleted_at IS NULL
           AND ($1::text IS NULL OR role = $1)
           AND ($2::text IS NULL OR email ILIKE $2 OR name ILIKE $2)
           AND ($3::text IS NULL OR status = $3)";
    let pattern = filter.query.as_deref().map(super::like_pattern);
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} {MATCHING} ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5"
    ));
    let items = sqlx::query_as(sql)
        .bind(filter.role)
        .bind(&pattern)
        .bind(filter.status)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(pool)
        .await?;
    let sql = sqlx::AssertSqlSafe(format!("SELECT count(*) {MATCHING}"));
    let total: i64 = sqlx::query_scalar(sql)
        .bind(filter.role)
        .bind(&pattern)
        .bind(filter.status)
        .fetch_one(pool)
        .await?;
    Ok(Paged::new(items, page, total))
}

pub(super) async fn change_user(
    pool: &PgPool,
    id: Uuid,
    patch: &AdminUserPatch,
    at: OffsetDateTime,
    effect: fn(&User, &User) -> SessionEffect,
) -> sqlx::Result<Option<UserChange>> {
    let mut tx = pool.begin().await?;
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND deleted_at IS NULL FOR UPDATE"
    ));
    let Some(before): Option<User> = sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(None);
    };
    let after: User = sqlx::query_as(
        "UPDATE users SET name = COALESCE($2, name), role = COALESCE($3, role),
             status = COALESCE($4, status), updated_at = now()
         WHERE id = $1
         RETURNING id, email, name, phone, role, status, promotions_opt_in, created_at",
    )
    .bind(id)
    .bind(patch.name.as_ref().map(|name| name.as_str()))
    .bind(patch.role)
    .bind(patch.status)
    .fetch_one(&mut *tx)
    .await?;
    let effect = effect(&before, &after);
    match effect {
        SessionEffect::EndAll => end_all_sessions(&mut tx, id, at).await?,
        SessionEffect::RefuseOlderTokens => cut_off_tokens(&mut tx, id, at).await?,
        SessionEffect::None => {}
    }
    tx.commit().await?;
    Ok(Some(UserChange { after, effect }))
}

pub(super) async fn delete_user(pool: &PgPool, id: Uuid, at: OffsetDateTime) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let deleted = sqlx::query(
        "UPDATE users SET deleted_at = $2, status = 'disabled', updated_at = now()
         WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    if deleted.rows_affected() == 0 {
        return Ok(false);
    }
    end_all_sessions(&mut tx, id, at).await?;
    tx.commit().await?;
    Ok(true)
}

pub(super) async fn token_cutoffs_since(
    pool: &PgPool,
    since: OffsetDateTime,
) -> sqlx::Result<Vec<(Uuid, OffsetDateTime)>> {
    sqlx::query_as("SELECT id, tokens_valid_after FROM users WHERE tokens_valid_after > $1")
        .bind(since)
        .fetch_all(pool)
        .await
}

pub(super) async fn revoke_token(pool: &PgPool, jti: Uuid, exp: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING",
    )
    .bind(jti)
    .bind(exp)
    .execute(pool)
    .await
    .map(|_| ())
}

pub(super) async fn revoked_tokens(pool: &PgPool, now: i64) -> sqlx::Result<Vec<(Uuid, i64)>> {
    sqlx::query_as("SELECT jti, expires_at FROM revoked_tokens WHERE expires_at >= $1")
        .bind(now)
        .fetch_all(pool)
        .await
}

pub(super) async fn prune_revoked_tokens(pool: &PgPool, now: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < $1")
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ())
}

const ADDRESS_COLUMNS: &str =
    "id, label, name, line1, line2, city, region, postal_code, country, phone, is_default";

pub(super) async fn list_addresses(
    pool: &PgPool,
    user: Uuid,
    page: Page,
) -> sqlx::Result<Paged<Address>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ADDRESS_COLUMNS} FROM addresses WHERE user_id = $1
         ORDER BY is_default DESC, created_at, id LIMIT $2 OFFSET $3"
    ));
    let items = sqlx::query_as(sql)
        .bind(user)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(pool)
        .await?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM addresses WHERE user_id = $1")
        .bind(user)
        .fetch_one(pool)
        .await?;
    Ok(Paged::new(items, page, total))
}

pub(super) async fn find_address(
    pool: &PgPool,
    user: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<Address>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ADDRESS_COLUMNS} FROM addresses WHERE id = $1 AND user_id = $2"
    ));
    sqlx::query_as(sql)
        .bind(id)
        .bind(user)
        .fetch_optional(pool)
        .await
}

/// Locks `user`'s row, serializing changes to their address book (so "exactly one default"
/// holds; the partial unique index backs it up); their address count, if the user exists.
async fn lock_book(connection: &mut PgConnection, user: Uuid) -> sqlx::Result<Option<i64>> {
    let locked: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM users WHERE id = $1 AND deleted_at IS NULL FOR UPDATE")
            .bind(user)
            .fetch_optional(&mut *connection)
            .await?;
    if locked.is_none() {
        return Ok(None);
    }
    let count = sqlx::query_scalar("SELECT count(*) FROM addresses WHERE user_id = $1")
        .bind(user)
        .fetch_one(connection)
        .await?;
    Ok(Some(count))
}

async fn clear_default(connection: &mut PgConnection, user: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE addresses SET is_default = false WHERE user_id = $1 AND is_default")
        .bind(user)
        .execute(connection)
        .await?;
    Ok(())
}

pub(super) async fn create_address(
    pool: &PgPool,
    user: Uuid,
    address: &AddressInput,
    make_default: bool,
    max: i64,
) -> sqlx::Result<AddressCreated> {
    let mut tx = pool.begin().await?;
    let Some(count) = lock_book(&mut tx, user).await? else {
        return Ok(AddressCreated::NoUser);
    };
    if count >= max {
        return Ok(AddressCreated::BookFull);
    }
    let make_default = make_default || count == 0;
    if make_default {
        clear_default(&mut tx, user).await?;
    }
    let created: Address = sqlx::query_as(
        "INSERT INTO addresses
             (id, user_id, label, name, line1, line2, city, region, postal_code, country, phone,
              is_default)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         RETURNING id, label, name, line1, line2, city, region, postal_code, country, phone,
                   is_default",
    )
    .bind(Uuid::now_v7())
    .bind(user)
    .bind(&address.label)
    .bind(&address.name)
    .bind(&address.line1)
    .bind(&address.line2)
    .bind(&address.city)
    .bind(&address.region)
    .bind(&address.postal_code)
    .bind(address.country.as_str())
    .bind(address.phone.as_ref().map(Phone::as_str))
    .bind(make_default)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(AddressCreated::Created(Box::new(created)))
}

pub(super) async fn update_address(
    pool: &PgPool,
    user: Uuid,
    id: Uuid,
    patch: &AddressPatch,
) -> sqlx::Result<Option<Address>> {
    let mut tx = pool.begin().await?;
    if lock_book(&mut tx, user).await?.is_none() {
        return Ok(None);
    }
    if patch.make_default {
        clear_default(&mut tx, user).await?;
    }
    let updated: Option<Address> = sqlx::query_as(
        "UPDATE addresses SET
             label = CASE WHEN $3 THEN $4 ELSE label END,
             name = COALESCE($5, name),
             line1 = COALESCE($6, line1),
             line2 = CASE WHEN $7 THEN $8 ELSE line2 END,
             city = COALESCE($9, city),
             region = CASE WHEN $10 THEN $11 ELSE region END,
             postal_code = COALESCE($12, postal_code),
             country = COALESCE($13, country),
             phone = CASE WHEN $14 THEN $15 ELSE phone END,
             is_default = is_default OR $16
         WHERE id = $1 AND user_id = $2
         RETURNING id, label, name, line1, line2, city, region, postal_code, country, phone,
                   is_default",
    )
    .bind(id)
    .bind(user)
    .bind(patch.label.is_some())
    .bind(patch.label.clone().flatten())
    .bind(&patch.name)
    .bind(&patch.line1)
    .bind(patch.line2.is_some())
    .bind(patch.line2.clone().flatten())
    .bind(&patch.city)
    .bind(patch.region.is_some())
    .bind(patch.region.clone().flatten())
    .bind(&patch.postal_code)
    .bind(patch.country.as_ref().map(|c| c.as_str().to_owned()))
    .bind(patch.phone.is_some())
    .bind(
        patch
            .phone
            .as_ref()
            .and_then(|p| p.as_ref().map(|p| p.as_str().to_owned())),
    )
    .bind(patch.make_default)
    .fetch_optional(&mut *tx)
    .await?;
    // Not found rolls back, which also restores a default cleared above.
    if updated.is_some() {
        tx.commit().await?;
    }
    Ok(updated)
}

pub(super) async fn delete_address(pool: &PgPool, user: Uuid, id: Uuid) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    if lock_book(&mut tx, user).await?.is_none() {
        return Ok(false);
    }
    let was_default: Option<bool> = sqlx::query_scalar(
        "DELETE FROM addresses WHERE id = $1 AND user_id = $2 RETURNING is_default",
    )
    .bind(id)
    .bind(user)
    .fetch_optional(&mut *tx)
    .await?;
    match was_default {
        None => return Ok(false),
        Some(true) => {
            sqlx::query(
                "UPDATE addresses SET is_default = true WHERE id = (
                     SELECT id FROM addresses WHERE user_id = $1 ORDER BY created_at, id LIMIT 1)",
            )
            .bind(user)
            .execute(&mut *tx)
            .await?;
        }
        Some(false) => {}
    }
    tx.commit().await?;
    Ok(true)
}
