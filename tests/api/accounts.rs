//! Registration, activation and the forgotten-password reset.

use crate::helpers::{
    Bind, PASSWORD, TestApp, TestUser, assert_invalid_field, assert_problem, spawn_app,
    spawn_app_with, test_settings,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Asks for a password reset of `user`; the token it mailed.
async fn reset_token(app: &TestApp, user: &TestUser) -> String {
    app.anonymous().forgot_password(&user.email).await;
    app.outbox_token(&user.email, "password_reset")
        .await
        .expect("reset message in the outbox")
}

#[actix_web::test]
async fn registration_normalizes_the_email_and_waits_for_activation() {
    let app = spawn_app().await;
    let response = app.register("  Ada.Lovelace@Example.COM ", None).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let user = &body["user"];
    assert_eq!(user["email"], "ada.lovelace@example.com");
    assert_eq!(user["role"], "customer");
    assert_eq!(user["status"], "pending");
    assert!(user.get("password_hash").is_none() && user.get("password").is_none());

    let again = app.register("ADA.LOVELACE@example.com", None).await;
    assert_problem(again, StatusCode::CONFLICT, "email_taken").await;

    let blocked = app.login("ada.lovelace@example.com", PASSWORD).await;
    assert_problem(blocked, StatusCode::FORBIDDEN, "account_not_activated").await;

    let token = app
        .outbox_token("ada.lovelace@example.com", "activation")
        .await
        .expect("activation message in the outbox");
    let activated = app.anonymous().activate(&token).await;
    assert_eq!(activated.status(), StatusCode::OK);
    let body: Value = activated.json().await.unwrap();
    assert_eq!(body["user"]["status"], "active");
    app.sign_in("ada.lovelace@example.com", PASSWORD).await;

    let reused = app.anonymous().activate(&token).await;
    assert_invalid_field(reused, "token").await;
    let forged = app.anonymous().activate("forged").await;
    assert_invalid_field(forged, "token").await;
}

#[actix_web::test]
async fn self_registration_offers_customer_and_seller_only() {
    let app = spawn_app().await;
    let seller = app.register("seller@example.com", Some("seller")).await;
    assert_eq!(seller.status(), StatusCode::CREATED);
    assert_eq!(
        seller.json::<Value>().await.unwrap()["user"]["role"],
        "seller"
    );
    for role in ["courier", "admin", "superuser"] {
        let response = app
            .register(&format!("{role}@example.com"), Some(role))
            .await;
        assert_invalid_field(response, "role").await;
    }
}

#[actix_web::test]
async fn invalid_registrations_name_the_field() {
    let app = spawn_app().await;
    let valid = json!({"email": "a@example.com", "password": PASSWORD, "name": "Ada"});
    let with = |field: &str, value: Value| {
        let mut body = valid.clone();
        body[field] = value;
        body
    };
    let without = |field: &str| {
        let mut body = valid.clone();
        body.as_object_mut().unwrap().remove(field);
        body
    };
    let cases = [
        (
            with("email", json!("not-an-email")),
            "email",
            "email without @",
        ),
        (with("email", json!("")), "email", "empty email"),
        (
            with("password", json!("short")),
            "password",
            "password under 10",
        ),
        (
            with("password", json!("x".repeat(129))),
            "password",
            "password over 128",
        ),
        (with("name", json!("   ")), "name", "blank name"),
        (
            with("status", json!("active")),
            "status",
            "unknown field status",
        ),
        (
            with("id", json!("00000000-0000-0000-0000-000000000000")),
            "id",
            "unknown field id",
        ),
        (without("email"), "email", "missing email"),
        (without("password"), "password", "missing password"),
        (with("name", json!(42)), "name", "name of the wrong type"),
    ];
    for (body, field, case) in cases {
        let response = app.anonymous().register(&body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{case}"
        );
        assert_invalid_field(response, field).await;
    }
    let several = json!({"email": "x", "password": "y", "name": ""});
    let body = assert_problem(
        app.anonymous().register(&several).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"].as_array().unwrap().len(), 3, "{body}");
}

#[actix_web::test]
async fn without_required_activation_accounts_are_active_at_once() {
    let mut settings = test_settings();
    settings.require_activation = false;
    let app = spawn_app_with(settings).await;
    let response = app.register("eager@example.com", None).await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["user"]["status"],
        "active"
    );
    app.sign_in("eager@example.com", PASSWORD).await;
    assert!(
        app.outbox_token("eager@example.com", "activation")
            .await
            .is_none()
    );
}

#[actix_web::test]
async fn forgot_answers_the_same_whether_or_not_the_account_exists() {
    let app = spawn_app().await;
    let user = app.customer().await;
    for email in [user.email.as_str(), "nobody@example.com"] {
        let response = app.anonymous().forgot_password(email).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "{email}");
        assert!(response.text().await.unwrap().is_empty());
    }
    assert!(
        app.outbox_token(&user.email, "password_reset")
            .await
            .is_some()
    );
    assert!(
        app.outbox_token("nobody@example.com", "password_reset")
            .await
            .is_none()
    );
}

#[actix_web::test]
async fn a_reset_changes_the_password_and_ends_every_session() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let other_session = app.sign_in(&user.email, PASSWORD).await;
    let token = reset_token(&app, &user).await;

    let weak = app.anonymous().reset_password(&token, "short").await;
    assert_invalid_field(weak, "new_password").await;

    let new_password = "a brand new password";
    let reset = app.anonymous().reset_password(&token, new_password).await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);

    assert_problem(
        app.login(&user.email, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let fresh = app.sign_in(&user.email, new_password).await;
    assert_eq!(app.as_user(&fresh).me().await.status(), StatusCode::OK);

    for session in [&user, &other_session] {
        let me = app.as_user(session).me().await;
        assert_problem(me, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let refresh = app.anonymous().refresh(&session.refresh_token).await;
        assert_problem(refresh, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }

    let reused = app
        .anonymous()
        .reset_password(&token, "yet another password")
        .await;
    assert_invalid_field(reused, "token").await;
}

#[actix_web::test]
async fn reset_tokens_expire_and_serve_one_purpose() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let token = reset_token(&app, &user).await;

    let as_activation = app.anonymous().activate(&token).await;
    assert_invalid_field(as_activation, "token").await;

    let past = time::OffsetDateTime::now_utc() - time::Duration::SECOND;
    app.db
        .execute(
            "UPDATE account_tokens SET expires_at = $1",
            &[Bind::Time(past)],
        )
        .await;
    let expired = app
        .anonymous()
        .reset_password(&token, "a brand new password")
        .await;
    assert_invalid_field(expired, "token").await;
}

#[actix_web::test]
async fn tokens_are_stored_only_as_hashes() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let token = reset_token(&app, &user).await;
    let stored: Vec<Vec<u8>> = values(&app, "SELECT token_hash FROM account_tokens").await;
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token.as_bytes());
    assert_eq!(stored[0].len(), 32);
    let refresh: Vec<Vec<u8>> = values(&app, "SELECT token_hash FROM refresh_tokens").await;
    assert!(
        refresh
            .iter()
            .all(|hash| hash != user.refresh_token.as_bytes() && hash.len() == 32)
    );
}

/// The first column of every row `sql` answers.
async fn values(app: &TestApp, sql: &str) -> Vec<Vec<u8>> {
    let rows: Vec<(Vec<u8>,)> = app.db.rows(sql, &[]).await;
    rows.into_iter().map(|(value,)| value).collect()
}

#[actix_web::test]
async fn a_reset_or_a_login_ends_every_other_reset_token() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let older = reset_token(&app, &user).await;
    let newer = reset_token(&app, &user).await;
    assert_ne!(older, newer);
    let reset = app
        .anonymous()
        .reset_password(&newer, "a brand new password")
        .await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    let stale = app
        .anonymous()
        .reset_password(&older, "an attacker's password")
        .await;
    assert_invalid_field(stale, "token").await;

    let forgotten = reset_token(&app, &user).await;
    app.sign_in(&user.email, "a brand new password").await;
    let after_login = app
        .anonymous()
        .reset_password(&forgotten, "an attacker's password")
        .await;
    assert_invalid_field(after_login, "token").await;
    app.sign_in(&user.email, "a brand new password").await;
}

#[actix_web::test]
async fn an_unactivated_account_gets_its_link_again_and_nobody_else_does() {
    let app = spawn_app().await;
    let email = "late@example.com";
    assert_eq!(
        app.register(email, None).await.status(),
        StatusCode::CREATED
    );
    let resent = app.anonymous().resend_activation(email).await;
    assert_eq!(resent.status(), StatusCode::ACCEPTED);
    let tokens = app.outbox_tokens(email, "activation").await;
    assert_eq!(tokens.len(), 2, "a second activation link");
    let older = app.anonymous().activate(&tokens[1]).await;
    assert_invalid_field(older, "token").await;
    let activated = app.anonymous().activate(&tokens[0]).await;
    assert_eq!(activated.status(), StatusCode::OK);

    for nobody_new in [email, "nobody@example.com"] {
        let answer = app.anonymous().resend_activation(nobody_new).await;
        assert_eq!(
            answer.status(),
            StatusCode::ACCEPTED,
            "the same answer for everyone"
        );
    }
    assert_eq!(app.outbox_tokens(email, "activation").await.len(), 2);
    assert!(
        app.outbox_tokens("nobody@example.com", "activation")
            .await
            .is_empty()
    );
    let invalid = app.anonymous().resend_activation("not an email").await;
    assert_invalid_field(invalid, "email").await;
}

#[actix_web::test]
async fn a_registration_never_activated_gives_way_once_its_link_expired() {
    let app = spawn_app().await;
    let email = "squatted@example.com";
    assert_eq!(
        app.register(email, None).await.status(),
        StatusCode::CREATED
    );
    let fresh = app.register(email, None).await;
    assert_problem(fresh, StatusCode::CONFLICT, "email_taken").await;

    let day_ago = time::OffsetDateTime::now_utc() - time::Duration::hours(25);
    app.db
        .execute(
            "UPDATE users SET created_at = $1 WHERE email = $2",
            &[Bind::Time(day_ago), Bind::from(email)],
        )
        .await;
    let still_linked = app.register(email, None).await;
    assert_problem(still_linked, StatusCode::CONFLICT, "email_taken").await;
    app.db
        .execute(
            "UPDATE account_tokens SET expires_at = $1",
            &[Bind::Time(day_ago)],
        )
        .await;
    let owner = app.register(email, None).await;
    assert_eq!(owner.status(), StatusCode::CREATED, "the owner registers");
    let token = app.outbox_token(email, "activation").await.unwrap();
    assert_eq!(
        app.anonymous().activate(&token).await.status(),
        StatusCode::OK
    );
    app.sign_in(email, PASSWORD).await;

    // An activated account never gives way, however old.
    app.db
        .execute(
            "UPDATE users SET created_at = $1 WHERE email = $2",
            &[Bind::Time(day_ago), Bind::from(email)],
        )
        .await;
    let again = app.register(email, None).await;
    assert_problem(again, StatusCode::CONFLICT, "email_taken").await;
}
