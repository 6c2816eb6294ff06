//! Sign-in sessions: families of rotating refresh tokens with reuse detection.
//!
//! A login starts a family. Each refresh marks the presented token rotated and issues its
//! successor in the same family. Presenting a token that was already rotated means it was copied:
//! the whole family is revoked, so both the thief and the victim must sign in again.

use super::{AccountError, Accounts};
use crate::auth::{OpaqueToken, hash_secret};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// How long an unused refresh token stays valid.
const REFRESH_TTL: Duration = Duration::days(30);

/// A new refresh token: the secret for the client, the hash and expiry for the store.
pub(crate) struct RefreshSecret {
    pub token: String,
    pub hash: Vec<u8>,
    pub expires_at: OffsetDateTime,
}

impl RefreshSecret {
    fn generate() -> anyhow::Result<Self> {
        let secret = OpaqueToken::generate()?;
        Ok(Self {
            token: secret.token,
            hash: secret.hash,
            expires_at: OffsetDateTime::now_utc() + REFRESH_TTL,
        })
    }
}

/// What presenting a refresh token did.
pub(crate) enum Rotation {
    /// It was current: `user`'s session goes on with the successor.
    Rotated { user: Uuid },
    /// It was rotated already: its family is revoked.
    Reused { family: Uuid, user: Uuid },
    /// Unknown, expired, or of a revoked family.
    Refused,
}

impl Accounts {
    /// Starts a new session for `user`; returns its first refresh token.
    pub(super) async fn start_session(&self, user: Uuid) -> Result<String, AccountError> {
        let first = RefreshSecret::generate()?;
        self.store.start_session(user, &first).await?;
        Ok(first.token)
    }

    /// Exchanges `token` for its successor; returns the user and the new token.
    pub(super) async fn rotate_session(&self, token: &str) -> Result<(Uuid, String), AccountError> {
        let successor = RefreshSecret::generate()?;
        match self
            .store
            .rotate_session(&hash_secret(token), &successor)
            .await?
        {
            Rotation::Rotated { user } => Ok((user, successor.token)),
            Rotation::Reused { family, user } => {
                tracing::warn!(%family, %user, "refresh token reused: revoked its family");
                Err(AccountError::InvalidRefreshToken)
            }
            Rotation::Refused => Err(AccountError::InvalidRefreshToken),
        }
    }
}
