//! Users: what clients see of them, and reading and changing one's own profile.

use super::{AccountError, Accounts};
use crate::domain::{Email, PersonName, Phone, Role, UserStatus};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A user as clients see it (never the password hash).
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub status: UserStatus,
    /// Whether they receive promotions (new public coupons of sellers they bought from).
    pub promotions_opt_in: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A user with their password hash, for sign-in.
#[derive(sqlx::FromRow)]
pub(crate) struct UserWithHash {
    #[sqlx(flatten)]
    pub user: User,
    pub password_hash: String,
}

/// A user about to be created.
pub(crate) struct NewUser<'a> {
    pub id: Uuid,
    pub email: &'a Email,
    pub password_hash: &'a str,
    pub name: &'a PersonName,
    pub phone: Option<&'a Phone>,
    pub role: Role,
    pub status: UserStatus,
}

/// The fields a user may change on their own profile; `phone: Some(None)` clears it.
#[derive(Debug, Default)]
pub(crate) struct ProfilePatch {
    pub name: Option<PersonName>,
    pub phone: Option<Option<Phone>>,
    pub promotions_opt_in: Option<bool>,
}

impl Accounts {
    /// The live (not deleted) user `id`.
    pub(crate) async fn find_user(&self, id: Uuid) -> Result<User, AccountError> {
        self.store
            .find_user(id)
            .await?
            .ok_or(AccountError::NotFound("user"))
    }

    /// Changes the caller's own name, phone or promotions opt-in.
    pub(crate) async fn update_profile(
        &self,
        id: Uuid,
        patch: &ProfilePatch,
    ) -> Result<User, AccountError> {
        self.store
            .update_profile(id, patch)
            .await?
            .ok_or(AccountError::NotFound("user"))
    }

    /// Creates `user`; an email already in use is [`AccountError::EmailTaken`].
    pub(super) async fn insert_user(
        &self,
        user: &NewUser<'_>,
        token: Option<&super::one_time_tokens::TokenRow>,
    ) -> Result<User, AccountError> {
        self.store.insert_user(user, token).await.map_err(|error| {
            if crate::db::violates(&error, sqlx::error::ErrorKind::UniqueViolation) {
                AccountError::EmailTaken
            } else {
                error.into()
            }
        })
    }
}
