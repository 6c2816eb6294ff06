//! User management by admins, and the first admin created at start-up.

use super::users::NewUser;
use super::{AccountError, Accounts, User};
use crate::config::AdminBootstrap;
use crate::domain::{Email, Page, Paged, Password, PersonName, Phone, Role, UserStatus};
use time::OffsetDateTime;
use uuid::Uuid;

/// A user an admin creates: any role, active at once.
#[derive(Debug)]
pub(crate) struct AdminNewUser {
    pub email: Email,
    pub password: Password,
    pub name: PersonName,
    pub phone: Option<Phone>,
    pub role: Role,
}

/// Filters of the admin user list.
#[derive(Debug, Default)]
pub(crate) struct UserFilter {
    pub role: Option<Role>,
    /// Matches a part of the email or the name, case-insensitively.
    pub query: Option<String>,
    /// Only users of this status.
    pub status: Option<UserStatus>,
}

/// What an admin may change on a user.
#[derive(Debug, Default)]
pub(crate) struct AdminUserPatch {
    pub name: Option<PersonName>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
}

/// What a change of a user does to their sessions and tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SessionEffect {
    /// Disabled: every session ends and every token stops working.
    EndAll,
    /// A new role: tokens carrying the old one stop working; the session survives, so the next
    /// refresh issues a token with the new role.
    RefuseOlderTokens,
    None,
}

/// A user after an admin's change, and what it did to their sessions.
pub(crate) struct UserChange {
    pub after: User,
    pub effect: SessionEffect,
}

/// The effect on sessions of a change from `before` to `after`.
fn session_effect(before: &User, after: &User) -> SessionEffect {
    if after.status == UserStatus::Disabled && before.status != UserStatus::Disabled {
        SessionEffect::EndAll
    } else if after.role != before.role {
        SessionEffect::RefuseOlderTokens
    } else {
        SessionEffect::None
    }
}

impl Accounts {
    /// Creates the configured admin unless an account with that email exists.
    pub(crate) async fn bootstrap_admin(&self, admin: &AdminBootstrap) -> anyhow::Result<()> {
        let email = Email::parse(&admin.email)
            .map_err(|message| anyhow::anyhow!("BAZAAR_ADMIN_EMAIL {message}"))?;
        let password = Password::parse(&admin.password)
            .map_err(|message| anyhow::anyhow!("BAZAAR_ADMIN_PASSWORD {message}"))?;
        if self.store.find_by_email(&email).await?.is_some() {
            return Ok(());
        }
        let password_hash = self.passwords.hash(password.expose()).await?;
        let name = PersonName::parse("Administrator").map_err(anyhow::Error::msg)?;
        let created = self
            .insert_user(
                &NewUser {
                    id: Uuid::now_v7(),
                    email: &email,
                    password_hash: &password_hash,
                    name: &name,
                    phone: None,
                    role: Role::Admin,
                    status: UserStatus::Active,
                },
                None,
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

    #[tracing::instrument(skip_all, fields(email = %new.email))]
    pub(crate) async fn create_user(&self, new: AdminNewUser) -> Result<User, AccountError> {
        let password_hash = self.passwords.hash(new.password.expose()).await?;
        let user = NewUser {
            id: Uuid::now_v7(),
            email: &new.email,
            password_hash: &password_hash,
            name: &new.name,
            phone: new.phone.as_ref(),
            role: new.role,
            status: UserStatus::Active,
        };
        self.insert_user(&user, None).await
    }

    pub(crate) async fn list_users(
        &self,
        filter: &UserFilter,
        page: Page,
    ) -> Result<Paged<User>, AccountError> {
        Ok(self.store.list_users(filter, page).await?)
    }

    /// Applies `patch`; a change of role or status takes effect on the user's tokens at once.
    #[tracing::instrument(skip_all, fields(admin = %admin, user = %id))]
    pub(crate) async fn update_user(
        &self,
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
        let change = self
            .store
            .change_user(id, patch, now, session_effect)
            .await?
            .ok_or(AccountError::NotFound("user"))?;
        if change.effect != SessionEffect::None {
            self.revocations.revoke_user(id, now).await;
        }
        Ok(change.after)
    }

    /// Deletes a user: their sessions end and tokens stop working at once; the row stays for
    /// the records that refer to it, and the email becomes free again.
    #[tracing::instrument(skip_all, fields(admin = %admin, user = %id))]
    pub(crate) async fn delete_user(&self, admin: Uuid, id: Uuid) -> Result<(), AccountError> {
        if admin == id {
            return Err(AccountError::Conflict(
                "admins cannot delete themselves; ask another admin",
            ));
        }
        let now = OffsetDateTime::now_utc();
        if !self.store.delete_user(id, now).await? {
            return Err(AccountError::NotFound("user"));
        }
        self.revocations.revoke_user(id, now).await;
        Ok(())
    }
}
