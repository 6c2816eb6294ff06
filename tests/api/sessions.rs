//! Sign-in, access tokens, refresh rotation with reuse detection, sign-out, and revocation across
//! processes.

use crate::helpers::{
    Bind, PASSWORD, TestApp, assert_problem, spawn_app, spawn_app_with, test_settings,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn decode_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

async fn me_status(app: &TestApp, token: &str) -> StatusCode {
    app.with_token(token).me().await.status()
}

#[actix_web::test]
async fn login_returns_an_eddsa_token_pair_verifiable_with_the_jwks() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let response = app.anonymous().login(&user.email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["user"]["email"], user.email.as_str());
    let token = body["access_token"].as_str().unwrap();

    let header = decode_part(token, 0);
    let claims = decode_part(token, 1);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(claims["sub"], user.id.as_str());
    assert_eq!(claims["role"], "customer");
    assert!(claims["jti"].is_string() && claims["iat"].is_i64());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );

    let jwks: Value = app.anonymous().jwks().await.json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str()),
        (Some("OKP"), Some("Ed25519"))
    );
    assert_eq!(key["kid"], header["kid"]);
    let decoding =
        jsonwebtoken::DecodingKey::from_ed_components(key["x"].as_str().unwrap()).unwrap();
    let verified = jsonwebtoken::decode::<Value>(
        token,
        &decoding,
        &jsonwebtoken::Validation::new(Algorithm::EdDSA),
    );
    assert!(verified.is_ok(), "{verified:?}");

    assert_eq!(me_status(&app, token).await, StatusCode::OK);
}

#[actix_web::test]
async fn wrong_passwords_and_unknown_accounts_get_the_same_answer() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let wrong = assert_problem(
        app.anonymous().login(&user.email, "wrong password!").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let unknown = assert_problem(
        app.anonymous()
            .login("nobody@example.com", "wrong password!")
            .await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    assert_eq!(wrong["detail"], unknown["detail"]);
}

#[actix_web::test]
async fn tokens_we_did_not_sign_or_that_expired_are_refused() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let header = decode_part(&user.access_token, 0);
    let kid = header["kid"].as_str().unwrap().to_owned();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = |iat: i64, exp: i64| json!({"sub": user.id, "role": "admin", "jti": uuid::Uuid::now_v7(), "iat": iat, "exp": exp});
    let our_key = EncodingKey::from_ed_pem(&std::fs::read(app.key_file()).unwrap()).unwrap();
    let mut ed_header = Header::new(Algorithm::EdDSA);
    ed_header.kid = Some(kid.clone());

    // Signed by our key but expired a minute ago (beyond the leeway).
    let expired =
        jsonwebtoken::encode(&ed_header, &claims(now - 1000, now - 60), &our_key).unwrap();
    // Another Ed25519 key, claiming our kid.
    let other_path =
        std::env::temp_dir().join(format!("bazaar-foreign-{}.pem", uuid::Uuid::now_v7()));
    let other = bazaar::JwtKeys::load_or_generate(&other_path, Duration::from_secs(60)).unwrap();
    let foreign = other
        .issue(user.id.parse().unwrap(), bazaar::Role::Admin)
        .unwrap()
        .token;
    let foreign_with_our_kid = {
        let other_key = EncodingKey::from_ed_pem(&std::fs::read(&other_path).unwrap()).unwrap();
        jsonwebtoken::encode(&ed_header, &claims(now, now + 600), &other_key).unwrap()
    };
    // HS256 "signed" with the public key: the classic algorithm-confusion attack.
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.kid = Some(kid.clone());
    let jwks: Value = app.anonymous().jwks().await.json().await.unwrap();
    let public = jwks["keys"][0]["x"].as_str().unwrap().to_owned();
    let confused = jsonwebtoken::encode(
        &hs_header,
        &claims(now, now + 600),
        &EncodingKey::from_secret(public.as_bytes()),
    )
    .unwrap();
    // alg: none.
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "kid": kid}).to_string()),
        URL_SAFE_NO_PAD.encode(claims(now, now + 600).to_string())
    );
    // Our token with its payload changed.
    let mut parts: Vec<String> = user.access_token.split('.').map(str::to_owned).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(claims(now, now + 600).to_string());
    let tampered = parts.join(".");

    for (token, case) in [
        (expired.as_str(), "expired"),
        (foreign.as_str(), "another key"),
        (foreign_with_our_kid.as_str(), "another key with our kid"),
        (confused.as_str(), "HS256"),
        (none.as_str(), "alg none"),
        (tampered.as_str(), "tampered payload"),
        ("not.a.token", "garbage"),
    ] {
        let response = app.with_token(token).me().await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
        assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    let no_scheme = app
        .client
        .get(app.url("/api/v1/users/me"))
        .header("authorization", user.access_token.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(no_scheme.status(), StatusCode::UNAUTHORIZED);
    std::fs::remove_file(other_path).ok();
}

#[actix_web::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_family() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let first = app.anonymous().refresh(&user.refresh_token).await;
    assert_eq!(first.status(), StatusCode::OK);
    let pair: Value = first.json().await.unwrap();
    let rotated = pair["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rotated, user.refresh_token);
    assert_eq!(
        me_status(&app, pair["access_token"].as_str().unwrap()).await,
        StatusCode::OK
    );

    // The old token again: someone copied it. The family dies, including its newest token.
    let reuse = app.anonymous().refresh(&user.refresh_token).await;
    assert_problem(reuse, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let newest = app.anonymous().refresh(&rotated).await;
    assert_problem(newest, StatusCode::UNAUTHORIZED, "unauthorized").await;

    // Other sessions of the same user are not affected.
    let other = app.sign_in(&user.email, PASSWORD).await;
    let ok = app.anonymous().refresh(&other.refresh_token).await;
    assert_eq!(ok.status(), StatusCode::OK);

    let unknown = app.anonymous().refresh("made-up").await;
    assert_problem(unknown, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[actix_web::test]
async fn expired_refresh_tokens_are_refused() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let past = time::OffsetDateTime::now_utc() - time::Duration::SECOND;
    app.db
        .execute(
            "UPDATE refresh_tokens SET expires_at = $1",
            &[Bind::Time(past)],
        )
        .await;
    let response = app.anonymous().refresh(&user.refresh_token).await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[actix_web::test]
async fn logout_ends_the_session_and_the_access_token() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let unauthenticated = app.anonymous().logout(&user.refresh_token).await;
    assert_problem(unauthenticated, StatusCode::UNAUTHORIZED, "unauthorized").await;

    let other_session = app.sign_in(&user.email, PASSWORD).await;
    let response = app.as_user(&user).logout(&user.refresh_token).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        me_status(&app, &user.access_token).await,
        StatusCode::UNAUTHORIZED
    );
    let refresh = app.anonymous().refresh(&user.refresh_token).await;
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
    // Only that session ended.
    assert_eq!(
        me_status(&app, &other_session.access_token).await,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn logout_cannot_end_someone_elses_session() {
    let app = spawn_app().await;
    let (alice, bob) = (app.customer().await, app.customer().await);
    let response = app.as_user(&alice).logout(&bob.refresh_token).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let refresh = app.anonymous().refresh(&bob.refresh_token).await;
    assert_eq!(refresh.status(), StatusCode::OK);
}

/// Two processes sharing PostgreSQL, Redis (and its prefix) and the signing key.
async fn two_processes() -> Option<(TestApp, TestApp)> {
    let settings = crate::helpers::deployment_settings()?;
    let first = spawn_app_with(settings.clone()).await;
    let second = spawn_app_with(settings).await;
    Some((first, second))
}

async fn eventually_unauthorized(app: &TestApp, token: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while me_status(app, token).await != StatusCode::UNAUTHORIZED {
        assert!(
            Instant::now() < deadline,
            "token still accepted by the other process"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn a_logout_on_one_process_is_honoured_by_another() {
    let Some((a, b)) = two_processes().await else {
        return;
    };
    let user = a.customer().await;
    assert_eq!(me_status(&b, &user.access_token).await, StatusCode::OK);
    let response = a.as_user(&user).logout(&user.refresh_token).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    eventually_unauthorized(&b, &user.access_token).await;
}

#[actix_web::test]
async fn disabling_a_user_on_one_process_stops_their_tokens_on_another() {
    let Some((a, b)) = two_processes().await else {
        return;
    };
    let user = a.customer().await;
    assert_eq!(me_status(&b, &user.access_token).await, StatusCode::OK);
    let admin = a.admin().await;
    let disabled = a
        .as_user(&admin)
        .update_user(&user.id, &json!({"status": "disabled"}))
        .await;
    assert_eq!(disabled.status(), StatusCode::OK);
    assert_eq!(
        me_status(&a, &user.access_token).await,
        StatusCode::UNAUTHORIZED
    );
    eventually_unauthorized(&b, &user.access_token).await;
}

#[actix_web::test]
async fn revocations_survive_a_restart() {
    let settings = test_settings();
    let first = spawn_app_with(settings.clone()).await;
    let (gone, logged_out) = (first.customer().await, first.customer().await);
    let admin = first.admin().await;
    first.as_user(&admin).delete_user(&gone.id).await;
    first
        .as_user(&logged_out)
        .logout(&logged_out.refresh_token)
        .await;
    first.handle.stop(true).await;

    let restarted = spawn_app_with(settings).await;
    assert_eq!(
        me_status(&restarted, &gone.access_token).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        me_status(&restarted, &logged_out.access_token).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        me_status(&restarted, &admin.access_token).await,
        StatusCode::OK
    );
}
