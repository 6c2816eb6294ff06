//! Every error is problem+json with a stable code, including the ones actix produces itself.

use crate::helpers::{assert_invalid_field, assert_problem, spawn_app};
use reqwest::StatusCode;
use serde_json::json;

#[actix_web::test]
async fn routing_and_body_errors_are_problems() {
    let app = spawn_app().await;
    let register = app.url("/api/v1/auth/register");

    let unknown = app.get("/api/v1/nowhere", None).await;
    assert_problem(unknown, StatusCode::NOT_FOUND, "not_found").await;

    let wrong_method = app.client.delete(&register).send().await.unwrap();
    assert_problem(
        wrong_method,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;

    let malformed = app
        .client
        .post(&register)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_problem(malformed, StatusCode::BAD_REQUEST, "malformed_request").await;

    let not_json = app
        .client
        .post(&register)
        .header("content-type", "text/plain")
        .body("email=a@b.c")
        .send()
        .await
        .unwrap();
    assert_problem(
        not_json,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;

    let no_content_type = app.client.post(&register).body("{}").send().await.unwrap();
    assert_problem(
        no_content_type,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;

    let huge = json!({"email": "a@example.com", "password": "x".repeat(70_000), "name": "A"});
    let oversized = app.anonymous().register(&huge).await;
    assert_problem(
        oversized,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;

    let shape = app.anonymous().register(&json!({"email": 5})).await;
    assert_invalid_field(shape, "email").await;

    let admin = app.admin().await;
    let bad_id = app.as_user(&admin).user("not-a-uuid").await;
    assert_problem(bad_id, StatusCode::NOT_FOUND, "not_found").await;
}

#[actix_web::test]
async fn auth_and_state_errors_are_problems() {
    let app = spawn_app().await;
    let customer = app.customer().await;

    let anonymous = app.anonymous().me().await;
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;

    let not_admin = app.as_user(&customer).users("").await;
    assert_problem(not_admin, StatusCode::FORBIDDEN, "forbidden").await;

    let wrong_password = app.login(&customer.email, "not the password").await;
    assert_problem(
        wrong_password,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;

    let taken = app.register(&customer.email, None).await;
    assert_problem(taken, StatusCode::CONFLICT, "email_taken").await;

    let pending = app.register("pending@example.com", None).await;
    assert_eq!(pending.status(), StatusCode::CREATED);
    let not_activated = app
        .login("pending@example.com", crate::helpers::PASSWORD)
        .await;
    assert_problem(
        not_activated,
        StatusCode::FORBIDDEN,
        "account_not_activated",
    )
    .await;

    let admin = app.admin().await;
    let self_delete = app.as_user(&admin).delete_user(&admin.id).await;
    assert_problem(self_delete, StatusCode::CONFLICT, "conflict").await;

    app.as_user(&admin)
        .update_user(&customer.id, &json!({"status": "disabled"}))
        .await;
    let disabled = app.login(&customer.email, crate::helpers::PASSWORD).await;
    assert_problem(disabled, StatusCode::FORBIDDEN, "account_disabled").await;
}
