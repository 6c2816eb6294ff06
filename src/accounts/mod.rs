//! Accounts: users, sign-in sessions, activation and password reset, admin management and the
//! address book. Everything here talks to PostgreSQL; handlers call these functions and map
//! [`AccountError`] to HTTP in one place.

mod addresses;
mod admin;
mod flows;
mod one_time_tokens;
mod sessions;
mod users;

pub use addresses::{Address, create_address, delete_address, list_addresses, update_address};
pub use admin::{
    AdminNewUser, AdminUserPatch, UserFilter, bootstrap_admin, create_user, delete_user, get_user,
    list_users, update_user,
};
pub use flows::{
    Registration, SignedIn, activate, forgot_password, login, logout, refresh, register,
    reset_password,
};
pub use users::{ProfilePatch, User, find_user, update_profile};

use crate::error::{ApiError, ErrorCode};

/// What can go wrong in an account operation.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
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
    Redis(#[from] redis::RedisError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        let detail = error.to_string();
        match error {
            AccountError::EmailTaken => ApiError::new(ErrorCode::EmailTaken, detail),
            AccountError::InvalidCredentials => {
                ApiError::new(ErrorCode::InvalidCredentials, detail)
            }
            AccountError::NotActivated => ApiError::new(ErrorCode::AccountNotActivated, detail),
            AccountError::Disabled => ApiError::new(ErrorCode::AccountDisabled, detail),
            AccountError::InvalidToken(_) => ApiError::invalid_field("token", detail),
            AccountError::InvalidRefreshToken => ApiError::new(ErrorCode::Unauthorized, detail),
            AccountError::NotFound(what) => ApiError::not_found(what),
            AccountError::Conflict(_) => ApiError::new(ErrorCode::Conflict, detail),
            AccountError::Database(error) => error.into(),
            AccountError::Redis(error) => error.into(),
            AccountError::Internal(error) => ApiError::internal(format!("{error:#}")),
        }
    }
}
