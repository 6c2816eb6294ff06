//! The accounts' storage: users, sign-in sessions, one-time tokens and address books.
//!
//! Each method is one atomic change or read; the statements of each backend live in its module
//! ([`postgres`]), reached through [`by_backend!`].

mod postgres;
mod sqlite;

use super::addresses::Address;
use super::admin::{AdminUserPatch, SessionEffect, UserChange, UserFilter};
use super::one_time_tokens::{Purpose, TokenRow};
use super::sessions::{RefreshSecret, Rotation};
use super::users::{NewUser, ProfilePatch, User, UserWithHash};
use crate::db::Database;
use crate::domain::{AddressInput, AddressPatch, Email, Page, Paged};
use bazaar_actors::by_backend;
use time::OffsetDateTime;
use uuid::Uuid;

/// What creating an address found.
pub(crate) enum AddressCreated {
    Created(Box<Address>),
    /// The user has `max` addresses already.
    BookFull,
    /// The user does not exist (any more).
    NoUser,
}

/// The accounts' tables.
#[derive(Clone)]
pub(crate) struct AccountStore {
    db: Database,
}

impl AccountStore {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    /// Creates a user; with `token`, also its one-time token and the message carrying it, in the
    /// same transaction.
    pub(crate) async fn insert_user(
        &self,
        user: &NewUser<'_>,
        token: Option<&TokenRow>,
    ) -> sqlx::Result<User> {
        by_backend!(pool &self.db => insert_user(user, token))
    }

    pub(crate) async fn find_by_email(&self, email: &Email) -> sqlx::Result<Option<UserWithHash>> {
        by_backend!(pool &self.db => find_by_email(email))
    }

    /// The live (not deleted) user `id`.
    pub(crate) async fn find_user(&self, id: Uuid) -> sqlx::Result<Option<User>> {
        by_backend!(pool &self.db => find_user(id))
    }

    pub(crate) async fn update_profile(
        &self,
        id: Uuid,
        patch: &ProfilePatch,
    ) -> sqlx::Result<Option<User>> {
        by_backend!(pool &self.db => update_profile(id, patch))
    }

    /// Stores a one-time token and the message carrying it.
    pub(crate) async fn issue_token(&self, token: &TokenRow) -> sqlx::Result<()> {
        by_backend!(pool &self.db => issue_token(token))
    }

    /// Uses up every token of `user` for `purpose` not used yet (a successful login ends the
    /// reset links; a new activation link, the earlier ones).
    pub(crate) async fn end_tokens(&self, user: Uuid, purpose: Purpose) -> sqlx::Result<()> {
        by_backend!(pool &self.db => end_tokens(user, purpose))
    }

    /// Frees `email` from a registration never activated, made before `registered_before`, and
    /// with no activation link still valid (a link sent again keeps it): the account is deleted,
    /// so the email can register again.
    pub(crate) async fn retire_stale_registration(
        &self,
        email: &Email,
        registered_before: OffsetDateTime,
    ) -> sqlx::Result<()> {
        by_backend!(pool &self.db => retire_stale_registration(email, registered_before))
    }

    /// Uses up an activation token and activates its user; the user, if the token was valid.
    pub(crate) async fn activate(&self, token_hash: &[u8]) -> sqlx::Result<Option<Uuid>> {
        by_backend!(pool &self.db => activate(token_hash))
    }

    /// Uses up a reset token (and every other reset token of its user), sets the new password
    /// hash and ends every session of its user (tokens issued before `at` stop working); the
    /// user, if the token was valid.
    pub(crate) async fn reset_password(
        &self,
        token_hash: &[u8],
        password_hash: &str,
        at: OffsetDateTime,
    ) -> sqlx::Result<Option<Uuid>> {
        by_backend!(pool &self.db => reset_password(token_hash, password_hash, at))
    }

    /// Starts a session (a refresh family) of `user` with its first token.
    pub(crate) async fn start_session(
        &self,
        user: Uuid,
        first: &RefreshSecret,
    ) -> sqlx::Result<()> {
        by_backend!(pool &self.db => start_session(user, first))
    }

    /// Rotates the presented refresh token into `successor`, or revokes its family when the
    /// token was already rotated.
    pub(crate) async fn rotate_session(
        &self,
        presented_hash: &[u8],
        successor: &RefreshSecret,
    ) -> sqlx::Result<Rotation> {
        by_backend!(pool &self.db => rotate_session(presented_hash, successor))
    }

    /// Ends the session a refresh token belongs to, if it is one of `user`'s.
    pub(crate) async fn end_session(&self, user: Uuid, token_hash: &[u8]) -> sqlx::Result<()> {
        by_backend!(pool &self.db => end_session(user, token_hash))
    }

    pub(crate) async fn list_users(
        &self,
        filter: &UserFilter,
        page: Page,
    ) -> sqlx::Result<Paged<User>> {
        by_backend!(pool &self.db => list_users(filter, page))
    }

    /// Applies an admin's `patch` to user `id` and, in the same transaction, the session effect
    /// `effect` decides from the user before and after; `None` if there is no such user.
    pub(crate) async fn change_user(
        &self,
        id: Uuid,
        patch: &AdminUserPatch,
        at: OffsetDateTime,
        effect: fn(&User, &User) -> SessionEffect,
    ) -> sqlx::Result<Option<UserChange>> {
        by_backend!(pool &self.db => change_user(id, patch, at, effect))
    }

    /// Deletes user `id` (the row stays, the email becomes free) and ends their sessions;
    /// whether there was such a user.
    pub(crate) async fn delete_user(&self, id: Uuid, at: OffsetDateTime) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => delete_user(id, at))
    }

    /// The users whose tokens issued before a cut-off after `since` no longer count.
    pub(crate) async fn token_cutoffs_since(
        &self,
        since: OffsetDateTime,
    ) -> sqlx::Result<Vec<(Uuid, OffsetDateTime)>> {
        by_backend!(pool &self.db => token_cutoffs_since(since))
    }

    /// Records that the access token `jti` no longer counts until `exp` (Unix seconds).
    pub(crate) async fn revoke_token(&self, jti: Uuid, exp: i64) -> sqlx::Result<()> {
        by_backend!(pool &self.db => revoke_token(jti, exp))
    }

    /// The revoked access tokens that have not expired at `now` (Unix seconds), with their `exp`.
    pub(crate) async fn revoked_tokens(&self, now: i64) -> sqlx::Result<Vec<(Uuid, i64)>> {
        by_backend!(pool &self.db => revoked_tokens(now))
    }

    /// Forgets the revoked tokens that expired before `now` (Unix seconds).
    pub(crate) async fn prune_revoked_tokens(&self, now: i64) -> sqlx::Result<()> {
        by_backend!(pool &self.db => prune_revoked_tokens(now))
    }

    pub(crate) async fn list_addresses(
        &self,
        user: Uuid,
        page: Page,
    ) -> sqlx::Result<Paged<Address>> {
        by_backend!(pool &self.db => list_addresses(user, page))
    }

    pub(crate) async fn find_address(&self, user: Uuid, id: Uuid) -> sqlx::Result<Option<Address>> {
        by_backend!(pool &self.db => find_address(user, id))
    }

    /// Adds an address unless the book holds `max` already; the first one, or one asked to be,
    /// becomes the default.
    pub(crate) async fn create_address(
        &self,
        user: Uuid,
        address: &AddressInput,
        make_default: bool,
        max: i64,
    ) -> sqlx::Result<AddressCreated> {
        by_backend!(pool &self.db => create_address(user, address, make_default, max))
    }

    /// Changes address `id` of `user`; `None` if they have no such address.
    pub(crate) async fn update_address(
        &self,
        user: Uuid,
        id: Uuid,
        patch: &AddressPatch,
    ) -> sqlx::Result<Option<Address>> {
        by_backend!(pool &self.db => update_address(user, id, patch))
    }

    /// Removes address `id` of `user` (the oldest remaining one becomes the default if it was);
    /// whether they had it.
    pub(crate) async fn delete_address(&self, user: Uuid, id: Uuid) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => delete_address(user, id))
    }
}

/// `%text%` with the LIKE wildcards in `text` escaped, so they match literally.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_wildcards_match_literally() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
