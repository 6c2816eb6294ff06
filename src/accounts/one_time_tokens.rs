//! Activation and password-reset tokens: random, stored only as hashes, single-use, expiring.

use super::AccountError;
use crate::auth::{OpaqueToken, hash_secret};
use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// What a one-time token is for, with its lifetime.
#[derive(Clone, Copy, Debug)]
pub(super) enum Purpose {
    Activation,
    PasswordReset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Activation => "activation",
            Purpose::PasswordReset => "password_reset",
        }
    }

    fn lifetime(self) -> Duration {
        match self {
            Purpose::Activation => Duration::hours(24),
            Purpose::PasswordReset => Duration::hours(1),
        }
    }

    /// How the token is named in error messages.
    pub(super) fn label(self) -> &'static str {
        match self {
            Purpose::Activation => "activation",
            Purpose::PasswordReset => "password reset",
        }
    }
}

/// Creates a token for `user`; only its hash is stored.
pub(super) async fn issue(
    connection: &mut PgConnection,
    user: Uuid,
    purpose: Purpose,
) -> Result<String, AccountError> {
    let secret = OpaqueToken::generate()?;
    sqlx::query(
        "INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(&secret.hash)
    .bind(user)
    .bind(purpose.as_str())
    .bind(OffsetDateTime::now_utc() + purpose.lifetime())
    .execute(connection)
    .await?;
    Ok(secret.token)
}

/// Uses up `token` atomically: the user it was issued to, or an error if it is unknown, of
/// another purpose, expired or already used.
pub(super) async fn consume(
    connection: &mut PgConnection,
    token: &str,
    purpose: Purpose,
) -> Result<Uuid, AccountError> {
    let user: Option<Uuid> = sqlx::query_scalar(
        "UPDATE account_tokens SET used_at = now()
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
         RETURNING user_id",
    )
    .bind(hash_secret(token))
    .bind(purpose.as_str())
    .fetch_optional(connection)
    .await?;
    user.ok_or(AccountError::InvalidToken(purpose.label()))
}
