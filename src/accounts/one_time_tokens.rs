//! Activation and password-reset tokens: random, stored only as hashes, single-use, expiring,
//! and sent in a message written with them.

use crate::auth::{OpaqueToken, hash_secret};
use crate::outbox::NewMessage;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// What a one-time token is for, with its lifetime.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Purpose {
    Activation,
    PasswordReset,
}

impl Purpose {
    /// The value of `account_tokens.purpose`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Purpose::Activation => "activation",
            Purpose::PasswordReset => "password_reset",
        }
    }

    pub(crate) fn lifetime(self) -> Duration {
        match self {
            Purpose::Activation => Duration::hours(24),
            Purpose::PasswordReset => Duration::hours(1),
        }
    }

    /// How the token is named in error messages.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Purpose::Activation => "activation",
            Purpose::PasswordReset => "password reset",
        }
    }
}

/// A token to store (only its hash) with the message that carries the token itself.
pub(crate) struct TokenRow {
    pub hash: Vec<u8>,
    pub user: Uuid,
    pub purpose: Purpose,
    pub expires_at: OffsetDateTime,
    pub message: NewMessage,
}

/// A fresh token for `user`; `message` receives the token and writes the message that sends it.
pub(crate) fn issue(
    user: Uuid,
    purpose: Purpose,
    message: impl FnOnce(&str) -> NewMessage,
) -> anyhow::Result<TokenRow> {
    let secret = OpaqueToken::generate()?;
    Ok(TokenRow {
        message: message(&secret.token),
        hash: secret.hash,
        user,
        purpose,
        expires_at: OffsetDateTime::now_utc() + purpose.lifetime(),
    })
}

/// The stored form of a token a client presents.
pub(crate) fn presented(token: &str) -> Vec<u8> {
    hash_secret(token)
}
