//! The self-service account flows: register, activate, sign in, refresh, sign out, and the
//! forgotten-password reset.

use super::one_time_tokens::{self, Purpose};
use super::users::NewUser;
use super::{AccountError, Accounts, User};
use crate::domain::{Email, Password, PersonName, Role, UserStatus};
use crate::outbox::{NewMessage, letters};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A parsed registration request.
#[derive(Debug)]
pub(crate) struct Registration {
    pub email: Email,
    pub password: Password,
    pub name: PersonName,
    pub role: Role,
}

/// The answer to a successful sign-in or refresh.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SignedIn {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub user: User,
}

impl Accounts {
    /// Creates a self-registered account; with activation required it starts `pending` and an
    /// activation message goes to the outbox in the same transaction.
    #[tracing::instrument(skip_all, fields(email = %registration.email))]
    pub(crate) async fn register(&self, registration: Registration) -> Result<User, AccountError> {
        let password_hash = self.passwords.hash(registration.password.expose()).await?;
        let status = if self.rules.require_activation {
            UserStatus::Pending
        } else {
            UserStatus::Active
        };
        let id = Uuid::now_v7();
        let activation = if status == UserStatus::Pending {
            let (email, name) = (registration.email.as_str(), registration.name.as_str());
            Some(self.activation_token(id, email, name)?)
        } else {
            None
        };
        // Someone may have registered this email without owning it: once their activation link
        // has expired, the registration gives way to this one.
        let expired_before = OffsetDateTime::now_utc() - Purpose::Activation.lifetime();
        self.store
            .retire_stale_registration(&registration.email, expired_before)
            .await?;
        let user = NewUser {
            id,
            email: &registration.email,
            password_hash: &password_hash,
            name: &registration.name,
            phone: None,
            role: registration.role,
            status,
        };
        self.insert_user(&user, activation.as_ref()).await
    }

    /// A fresh activation token of `user`, with the message that sends it.
    fn activation_token(
        &self,
        user: Uuid,
        email: &str,
        name: &str,
    ) -> Result<one_time_tokens::TokenRow, AccountError> {
        let link_base = format!("{}/activate", self.rules.public_url);
        let token = one_time_tokens::issue(user, Purpose::Activation, |token| NewMessage {
            to: email.to_owned(),
            letter: letters::activation(name, &format!("{link_base}?token={token}")),
        })?;
        Ok(token)
    }

    /// Sends a new activation link to an account that is not activated yet; does nothing for
    /// any other email, so the answer tells nobody whether an account exists.
    #[tracing::instrument(skip_all, fields(email = %email))]
    pub(crate) async fn resend_activation(&self, email: &Email) -> Result<(), AccountError> {
        let Some(found) = self.store.find_by_email(email).await? else {
            return Ok(());
        };
        let user = found.user;
        if user.status != UserStatus::Pending {
            return Ok(());
        }
        let activation = self.activation_token(user.id, &user.email, &user.name)?;
        // Only the newest link works: a mailbox does not fill with live ones.
        self.store.end_tokens(user.id, Purpose::Activation).await?;
        self.store.issue_token(&activation).await?;
        Ok(())
    }

    /// Activates the account an activation token was issued for.
    #[tracing::instrument(skip_all)]
    pub(crate) async fn activate(&self, token: &str) -> Result<User, AccountError> {
        let user = self
            .store
            .activate(&one_time_tokens::presented(token))
            .await?
            .ok_or(AccountError::InvalidToken(Purpose::Activation.label()))?;
        self.find_user(user).await
    }

    /// Checks the credentials and starts a session.
    #[tracing::instrument(skip_all, fields(email = %email))]
    pub(crate) async fn login(
        &self,
        email: &Email,
        password: &str,
    ) -> Result<SignedIn, AccountError> {
        let found = self.store.find_by_email(email).await?;
        let hash = found.as_ref().map(|found| found.password_hash.as_str());
        // Verified even when the account does not exist, so timing reveals nothing.
        let matches = self.passwords.verify(password, hash).await?;
        let Some(found) = found.filter(|_| matches) else {
            return Err(AccountError::InvalidCredentials);
        };
        self.ensure_may_sign_in(&found.user)?;
        // Whoever knows the password needs no reset link: any still outstanding stops working.
        self.store
            .end_tokens(found.user.id, Purpose::PasswordReset)
            .await?;
        let refresh_token = self.start_session(found.user.id).await?;
        self.signed_in(found.user, refresh_token)
    }

    /// Rotates a refresh token into a new pair.
    #[tracing::instrument(skip_all)]
    pub(crate) async fn refresh(&self, refresh_token: &str) -> Result<SignedIn, AccountError> {
        let (user_id, refresh_token) = self.rotate_session(refresh_token).await?;
        let user = match self.find_user(user_id).await {
            Err(AccountError::NotFound(_)) => return Err(AccountError::InvalidRefreshToken),
            other => other?,
        };
        self.ensure_may_sign_in(&user)?;
        self.signed_in(user, refresh_token)
    }

    /// Ends `user`'s session of `refresh_token` and revokes their access token `jti` (valid
    /// until `exp`) in every process.
    #[tracing::instrument(skip_all, fields(user = %user))]
    pub(crate) async fn logout(
        &self,
        user: Uuid,
        (jti, exp): (Uuid, i64),
        refresh_token: &str,
    ) -> Result<(), AccountError> {
        self.store
            .end_session(user, &crate::auth::hash_secret(refresh_token))
            .await?;
        self.revocations.revoke_token(jti, exp).await?;
        Ok(())
    }

    /// Sends a reset link if an account has this email. The caller answers the same either way.
    #[tracing::instrument(skip_all)]
    pub(crate) async fn forgot_password(&self, email: &Email) -> Result<(), AccountError> {
        let Some(found) = self.store.find_by_email(email).await? else {
            return Ok(());
        };
        let user = found.user;
        if user.status == UserStatus::Disabled {
            return Ok(());
        }
        let link_base = format!("{}/reset-password", self.rules.public_url);
        let reset = one_time_tokens::issue(user.id, Purpose::PasswordReset, |token| NewMessage {
            to: user.email.clone(),
            letter: letters::password_reset(&user.name, &format!("{link_base}?token={token}")),
        })?;
        self.store.issue_token(&reset).await?;
        Ok(())
    }

    /// Sets a new password with a reset token and ends every session of the user.
    #[tracing::instrument(skip_all)]
    pub(crate) async fn reset_password(
        &self,
        token: &str,
        new_password: &Password,
    ) -> Result<(), AccountError> {
        let password_hash = self.passwords.hash(new_password.expose()).await?;
        let now = OffsetDateTime::now_utc();
        let user = self
            .store
            .reset_password(&one_time_tokens::presented(token), &password_hash, now)
            .await?
            .ok_or(AccountError::InvalidToken(Purpose::PasswordReset.label()))?;
        self.revocations.revoke_user(user, now).await;
        Ok(())
    }

    fn ensure_may_sign_in(&self, user: &User) -> Result<(), AccountError> {
        match user.status {
            UserStatus::Active => Ok(()),
            UserStatus::Disabled => Err(AccountError::Disabled),
            UserStatus::Pending if self.rules.require_activation => Err(AccountError::NotActivated),
            UserStatus::Pending => Ok(()),
        }
    }

    fn signed_in(&self, user: User, refresh_token: String) -> Result<SignedIn, AccountError> {
        let access = self.tokens.issue(user.id, user.role)?;
        Ok(SignedIn {
            access_token: access.token,
            refresh_token,
            token_type: "Bearer",
            expires_in: access.expires_in,
            user,
        })
    }
}
