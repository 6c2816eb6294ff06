//! Sign-in sessions: families of rotating refresh tokens with reuse detection.
//!
//! A login starts a family. Each refresh marks the presented token rotated and issues its
//! successor in the same family. Presenting a token that was already rotated means it was copied:
//! the whole family is revoked, so both the thief and the victim must sign in again.

use super::AccountError;
use crate::auth::{OpaqueToken, hash_secret};
use sqlx::{PgConnection, PgPool};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// How long an unused refresh token stays valid.
const REFRESH_TTL: Duration = Duration::days(30);

/// Starts a new session for `user`; returns its first refresh token.
pub(super) async fn start(pool: &PgPool, user: Uuid) -> Result<String, AccountError> {
    let family = Uuid::now_v7();
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO refresh_families (id, user_id) VALUES ($1, $2)")
        .bind(family)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    let token = insert_token(&mut tx, family).await?;
    tx.commit().await?;
    Ok(token)
}

async fn insert_token(connection: &mut PgConnection, family: Uuid) -> Result<String, AccountError> {
    let secret = OpaqueToken::generate()?;
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, family_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(&secret.hash)
    .bind(family)
    .bind(OffsetDateTime::now_utc() + REFRESH_TTL)
    .execute(connection)
    .await?;
    Ok(secret.token)
}

/// Exchanges `token` for its successor; returns the user and the new token.
pub(super) async fn rotate(pool: &PgPool, token: &str) -> Result<(Uuid, String), AccountError> {
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
    .bind(hash_secret(token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(presented) = presented else {
        return Err(AccountError::InvalidRefreshToken);
    };
    if presented.family_revoked || presented.expired {
        return Err(AccountError::InvalidRefreshToken);
    }
    if presented.rotated {
        tracing::warn!(family = %presented.family_id, user = %presented.user_id,
            "refresh token reused: revoking its family");
        revoke_family(&mut tx, presented.family_id).await?;
        tx.commit().await?;
        return Err(AccountError::InvalidRefreshToken);
    }
    sqlx::query("UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1")
        .bind(hash_secret(token))
        .execute(&mut *tx)
        .await?;
    let successor = insert_token(&mut tx, presented.family_id).await?;
    tx.commit().await?;
    Ok((presented.user_id, successor))
}

/// Revokes the session that `token` belongs to, if it is one of `user`'s.
pub(super) async fn revoke_by_token(
    pool: &PgPool,
    user: Uuid,
    token: &str,
) -> Result<(), AccountError> {
    sqlx::query(
        "UPDATE refresh_families f SET revoked_at = now()
         FROM refresh_tokens t
         WHERE t.token_hash = $1 AND t.family_id = f.id AND f.user_id = $2
           AND f.revoked_at IS NULL",
    )
    .bind(hash_secret(token))
    .bind(user)
    .execute(pool)
    .await?;
    Ok(())
}

async fn revoke_family(connection: &mut PgConnection, family: Uuid) -> Result<(), AccountError> {
    sqlx::query(
        "UPDATE refresh_families SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(family)
    .execute(connection)
    .await?;
    Ok(())
}

/// Ends every session of `user` (password reset, disable, delete).
pub(super) async fn revoke_all(
    connection: &mut PgConnection,
    user: Uuid,
) -> Result<(), AccountError> {
    sqlx::query(
        "UPDATE refresh_families SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user)
    .execute(connection)
    .await?;
    Ok(())
}
