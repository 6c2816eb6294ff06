//! `/users/me`: reading and changing one's own profile.

use crate::helpers::{assert_invalid_field, assert_problem, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[actix_web::test]
async fn a_user_reads_and_updates_their_profile() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let me: Value = app.as_user(&user).me().await.json().await.unwrap();
    assert_eq!(me["email"], user.email.as_str());
    assert_eq!(me["role"], "customer");
    assert!(me["created_at"].as_str().unwrap().ends_with('Z'));

    let updated = app
        .as_user(&user)
        .update_me(&json!({"name": " Grace ", "phone": "+1 (555) 010-9999"}))
        .await;
    assert_eq!(updated.status(), StatusCode::OK);
    let body: Value = updated.json().await.unwrap();
    assert_eq!(
        (body["name"].as_str(), body["phone"].as_str()),
        (Some("Grace"), Some("+15550109999"))
    );

    let cleared: Value = app
        .as_user(&user)
        .update_me(&json!({"phone": null}))
        .await
        .json()
        .await
        .unwrap();
    assert!(cleared["phone"].is_null());
    assert_eq!(cleared["name"], "Grace", "absent fields stay");
}

#[actix_web::test]
async fn fields_a_user_may_not_set_are_refused_and_never_applied() {
    let app = spawn_app().await;
    let user = app.customer().await;
    for (field, value) in [
        ("role", json!("admin")),
        ("status", json!("active")),
        ("email", json!("x@example.com")),
        ("id", json!(user.id)),
    ] {
        let response = app
            .as_user(&user)
            .update_me(&json!({"name": "Mallory", field: value}))
            .await;
        assert_invalid_field(response, field).await;
    }
    let me: Value = app.as_user(&user).me().await.json().await.unwrap();
    assert_eq!(
        (
            me["role"].as_str(),
            me["email"].as_str(),
            me["name"].as_str()
        ),
        (
            Some("customer"),
            Some(user.email.as_str()),
            Some("Test User")
        )
    );
}

#[actix_web::test]
async fn invalid_profile_values_name_the_field() {
    let app = spawn_app().await;
    let user = app.customer().await;
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "x".repeat(101)}), "name"),
        (json!({"phone": "0207 946 0958"}), "phone"),
        (json!({"phone": 5}), "phone"),
    ] {
        let response = app.as_user(&user).update_me(&body).await;
        assert_invalid_field(response, field).await;
    }
    let anonymous = app.anonymous().update_me(&json!({"name": "x"})).await;
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
}
