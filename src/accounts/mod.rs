//! Accounts: users, sign-in sessions, activation and password reset, admin management and the
//! address book.
//!
//! [`Accounts`] and [`AddressBook`] are the services the routes call; their tables sit behind
//! [`store::AccountStore`]. Failures are [`AccountError`]s, whose codes are stated below.

mod addresses;
mod admin;
mod couriers;
mod flows;
mod one_time_tokens;
mod sessions;
mod store;
mod users;

pub(crate) use addresses::{Address, AddressBook};

pub(crate) use admin::{AdminNewUser, AdminUserPatch, UserFilter};
pub(crate) use flows::{Registration, SignedIn};
pub(crate) use store::AccountStore;
pub(crate) use users::{ProfilePatch, User};

use crate::auth::{JwtKeys, PasswordHasher, Revocations};
use crate::error::{Coded, ErrorCode};
use std::sync::Arc;

/// Rules of sign-up that come from configuration.
#[derive(Clone, Debug)]
pub(crate) struct AccountRules {
    /// Whether self-registered accounts must be activated before they can sign in.
    pub require_activation: bool,
    /// Where users reach the server, for the links in messages.
    pub public_url: String,
}

/// Users, their sessions and their tokens.
#[derive(Clone)]
pub(crate) struct Accounts {
    store: AccountStore,
    passwords: PasswordHasher,
    tokens: Arc<JwtKeys>,
    revocations: Arc<Revocations>,
    rules: AccountRules,
}

impl Accounts {
    pub(crate) fn new(
        store: AccountStore,
        passwords: PasswordHasher,
        tokens: Arc<JwtKeys>,
        revocations: Arc<Revocations>,
        rules: AccountRules,
    ) -> Self {
        Self {
            store,
            passwords,
            tokens,
            revocations,
            rules,
        }
    }
}

/// What can go wrong in an account operation.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AccountError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("the account is not activated yet; follow the link in the activation message")]
    NotActivated,
    #[error("the account is disabled")]
    Disabled,
    #[error("the {0} token is invalid, expired or already used")]
    InvalidToken(&'static str),
    #[error("the refresh token is invalid, expired or revoked")]
    InvalidRefreshToken,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Revocation(#[from] crate::auth::RevocationStoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Coded for AccountError {
    fn code(&self) -> ErrorCode {
        match self {
            AccountError::EmailTaken => ErrorCode::EmailTaken,
            AccountError::InvalidCredentials => ErrorCode::InvalidCredentials,
            AccountError::NotActivated => ErrorCode::AccountNotActivated,
            AccountError::Disabled => ErrorCode::AccountDisabled,
            AccountError::InvalidToken(_) => ErrorCode::ValidationFailed,
            AccountError::InvalidRefreshToken => ErrorCode::Unauthorized,
            AccountError::NotFound(_) => ErrorCode::NotFound,
            AccountError::Conflict(_) => ErrorCode::Conflict,
            AccountError::Database(error) => error.code(),
            AccountError::Revocation(error) => error.code(),
            AccountError::Internal(_) => ErrorCode::Internal,
        }
    }

    fn fields(&self) -> Vec<crate::domain::FieldError> {
        match self {
            AccountError::InvalidToken(_) => {
                vec![crate::domain::FieldError::new("token", self.to_string())]
            }
            _ => Vec::new(),
        }
    }
}
