//! The self-service account flows: register, activate, sign in, refresh, sign out, and the
//! forgotten-password reset.

use super::one_time_tokens::{self, Purpose};
use super::users::{self, NewUser};
use super::{AccountError, User, sessions};
use crate::auth::AuthUser;
use crate::domain::{Email, Password, PersonName, Role, UserStatus};
use crate::outbox::{self, NewMessage};
use crate::state::AppState;
use serde::Serialize;
use sqlx::PgConnection;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A parsed registration request.
#[derive(Debug)]
pub struct Registration {
    pub email: Email,
    pub password: Password,
    pub name: PersonName,
    pub role: Role,
}

/// The answer to a successful sign-in or refresh.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedIn {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub user: User,
}

/// Creates a self-registered account; with activation required it starts `pending` and an
/// activation message goes to the outbox in the same transaction.
#[tracing::instrument(skip_all, fields(email = %registration.email))]
pub async fn register(state: &AppState, registration: Registration) -> Result<User, AccountError> {
    let password_hash = state.passwords.hash(registration.password.expose()).await?;
    let status = if state.settings.require_activation {
        UserStatus::Pending
    } else {
        UserStatus::Active
    };
    let mut tx = state.pool.begin().await?;
    let user = users::insert_user(
        &mut tx,
        NewUser {
            email: &registration.email,
            password_hash: &password_hash,
            name: &registration.name,
            phone: None,
            role: registration.role,
            status,
        },
    )
    .await?;
    if status == UserStatus::Pending {
        let token = one_time_tokens::issue(&mut tx, user.id, Purpose::Activation).await?;
        let link = format!("{}/activate?token={token}", state.settings.public_url);
        let body = format!(
            "Hello {},\n\nwelcome to Bazaar. Activate your account within 24 hours by opening \
             this link:\n\n{link}\n\nIf you did not register, ignore this message.\n",
            user.name
        );
        send(
            &mut tx,
            &user.email,
            "activation",
            "Activate your Bazaar account",
            &body,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(user)
}

/// Activates the account an activation token was issued for.
#[tracing::instrument(skip_all)]
pub async fn activate(state: &AppState, token: &str) -> Result<User, AccountError> {
    let mut tx = state.pool.begin().await?;
    let user_id = one_time_tokens::consume(&mut tx, token, Purpose::Activation).await?;
    sqlx::query(
        "UPDATE users SET status = 'active', updated_at = now()
         WHERE id = $1 AND status = 'pending' AND deleted_at IS NULL",
    )
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    users::find_user(&state.pool, user_id).await
}

/// Checks the credentials and starts a session.
#[tracing::instrument(skip_all, fields(email = %email))]
pub async fn login(
    state: &AppState,
    email: &Email,
    password: &str,
) -> Result<SignedIn, AccountError> {
    let found = users::find_by_email(&state.pool, email).await?;
    let hash = found.as_ref().map(|found| found.password_hash.as_str());
    // Verified even when the account does not exist, so timing reveals nothing.
    let matches = state.passwords.verify(password, hash).await?;
    let Some(found) = found.filter(|_| matches) else {
        return Err(AccountError::InvalidCredentials);
    };
    ensure_may_sign_in(state, &found.user)?;
    let refresh_token = sessions::start(&state.pool, found.user.id).await?;
    signed_in(state, found.user, refresh_token)
}

/// Rotates a refresh token into a new pair.
#[tracing::instrument(skip_all)]
pub async fn refresh(state: &AppState, refresh_token: &str) -> Result<SignedIn, AccountError> {
    let (user_id, refresh_token) = sessions::rotate(&state.pool, refresh_token).await?;
    let user = match users::find_user(&state.pool, user_id).await {
        Err(AccountError::NotFound(_)) => return Err(AccountError::InvalidRefreshToken),
        other => other?,
    };
    ensure_may_sign_in(state, &user)?;
    signed_in(state, user, refresh_token)
}

/// Ends the session of `refresh_token` and revokes the caller's access token everywhere.
#[tracing::instrument(skip_all, fields(user = %caller.id))]
pub async fn logout(
    state: &AppState,
    caller: &AuthUser,
    refresh_token: &str,
) -> Result<(), AccountError> {
    sessions::revoke_by_token(&state.pool, caller.id, refresh_token).await?;
    state
        .revocations
        .revoke_token(caller.jti, caller.exp)
        .await?;
    Ok(())
}

/// Sends a reset link if an account has this email. The caller answers the same either way.
#[tracing::instrument(skip_all)]
pub async fn forgot_password(state: &AppState, email: &Email) -> Result<(), AccountError> {
    let Some(found) = users::find_by_email(&state.pool, email).await? else {
        return Ok(());
    };
    if found.user.status == UserStatus::Disabled {
        return Ok(());
    }
    let mut tx = state.pool.begin().await?;
    let token = one_time_tokens::issue(&mut tx, found.user.id, Purpose::PasswordReset).await?;
    let link = format!("{}/reset-password?token={token}", state.settings.public_url);
    let body = format!(
        "Hello {},\n\nsomeone asked to reset the password of your Bazaar account. Choose a new \
         password within one hour by opening this link:\n\n{link}\n\nIf it was not you, ignore \
         this message: your password stays as it is.\n",
        found.user.name
    );
    send(
        &mut tx,
        &found.user.email,
        "password_reset",
        "Reset your Bazaar password",
        &body,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a new password with a reset token and ends every session of the user.
#[tracing::instrument(skip_all)]
pub async fn reset_password(
    state: &AppState,
    token: &str,
    new_password: &Password,
) -> Result<(), AccountError> {
    let password_hash = state.passwords.hash(new_password.expose()).await?;
    let now = OffsetDateTime::now_utc();
    let mut tx = state.pool.begin().await?;
    let user_id = one_time_tokens::consume(&mut tx, token, Purpose::PasswordReset).await?;
    sqlx::query("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1")
        .bind(user_id)
        .bind(&password_hash)
        .execute(&mut *tx)
        .await?;
    end_all_sessions(&mut tx, user_id, now).await?;
    tx.commit().await?;
    state.revocations.revoke_user(user_id, now).await;
    Ok(())
}

/// Revokes every refresh family of `user` and stores the access-token cut-off `at`; the caller
/// tells [`crate::auth::Revocations`] once the transaction has committed.
pub(super) async fn end_all_sessions(
    connection: &mut PgConnection,
    user: Uuid,
    at: OffsetDateTime,
) -> Result<(), AccountError> {
    sessions::revoke_all(connection, user).await?;
    users::set_tokens_valid_after(connection, user, at).await
}

fn ensure_may_sign_in(state: &AppState, user: &User) -> Result<(), AccountError> {
    match user.status {
        UserStatus::Active => Ok(()),
        UserStatus::Disabled => Err(AccountError::Disabled),
        UserStatus::Pending if state.settings.require_activation => Err(AccountError::NotActivated),
        UserStatus::Pending => Ok(()),
    }
}

fn signed_in(
    state: &AppState,
    user: User,
    refresh_token: String,
) -> Result<SignedIn, AccountError> {
    let access = state.jwt.issue(user.id, user.role)?;
    Ok(SignedIn {
        access_token: access.token,
        refresh_token,
        token_type: "Bearer",
        expires_in: access.expires_in,
        user,
    })
}

async fn send(
    connection: &mut PgConnection,
    to: &str,
    kind: &str,
    subject: &str,
    body: &str,
) -> Result<(), AccountError> {
    outbox::enqueue(
        connection,
        NewMessage {
            to,
            kind,
            subject,
            body,
        },
    )
    .await?;
    Ok(())
}
