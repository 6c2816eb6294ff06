//! The address book: exactly one default, ownership, validation.

use crate::helpers::{TestApp, TestUser, assert_invalid_field, assert_problem, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn address(label: &str) -> Value {
    json!({
        "label": label, "name": "Ada Lovelace", "line1": "12 St James's Square",
        "city": "London", "postal_code": "SW1Y 4JH", "country": "gb"
    })
}

async fn add(app: &TestApp, user: &TestUser, body: &Value) -> Value {
    let response = app.as_user(user).add_address(body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn list(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let body: Value = app.as_user(user).addresses("").await.json().await.unwrap();
    assert_eq!(
        body["total"].as_i64().unwrap() as usize,
        body["items"].as_array().unwrap().len()
    );
    body["items"].as_array().unwrap().clone()
}

fn defaults(addresses: &[Value]) -> Vec<String> {
    addresses
        .iter()
        .filter(|a| a["is_default"] == true)
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn exactly_one_address_is_the_default() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let home = add(&app, &user, &address("Home")).await;
    assert_eq!(home["is_default"], true, "the first address is the default");
    assert_eq!(home["country"], "GB");
    let work = add(&app, &user, &address("Work")).await;
    assert_eq!(work["is_default"], false);
    assert_eq!(
        defaults(&list(&app, &user).await),
        vec![home["id"].as_str().unwrap()]
    );

    let work_id = work["id"].as_str().unwrap();
    let moved = app
        .as_user(&user)
        .update_address(work_id, &json!({"is_default": true}))
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let addresses = list(&app, &user).await;
    assert_eq!(defaults(&addresses), vec![work_id]);
    assert_eq!(addresses[0]["id"], work["id"], "the default comes first");

    let unset = app
        .as_user(&user)
        .update_address(work_id, &json!({"is_default": false}))
        .await;
    assert_invalid_field(unset, "is_default").await;

    let third = add(&app, &user, &json!({"is_default": true, "name": "B", "line1": "1 Rue", "city": "Paris", "postal_code": "75001", "country": "FR"})).await;
    assert_eq!(
        defaults(&list(&app, &user).await),
        vec![third["id"].as_str().unwrap()]
    );

    let deleted = app
        .as_user(&user)
        .delete_address(third["id"].as_str().unwrap())
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let remaining = list(&app, &user).await;
    assert_eq!(remaining.len(), 2);
    assert_eq!(
        defaults(&remaining),
        vec![home["id"].as_str().unwrap()],
        "the oldest takes over"
    );
}

#[actix_web::test]
async fn concurrent_changes_keep_exactly_one_default() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let (app, user) = (&app, &user);
    let mut creations = Vec::new();
    for i in 0..12 {
        let mut body = address(&format!("Place {i}"));
        body["is_default"] = json!(true);
        creations.push(async move { app.as_user(user).add_address(&body).await.status() });
    }
    let statuses = futures_util::future::join_all(creations).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );
    let addresses = list(app, user).await;
    assert_eq!(addresses.len(), 12);
    assert_eq!(defaults(&addresses).len(), 1);
}

#[actix_web::test]
async fn updates_change_only_the_given_fields() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let mut body = address("Home");
    body["line2"] = json!("Flat 3");
    let created = add(&app, &user, &body).await;
    let updated: Value = app
        .as_user(&user)
        .update_address(
            created["id"].as_str().unwrap(),
            &json!({"city": "Bath", "line2": null}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(updated["city"], "Bath");
    assert!(updated["line2"].is_null());
    assert_eq!(updated["label"], "Home");
    assert_eq!(updated["is_default"], true);
}

#[actix_web::test]
async fn another_users_address_does_not_exist_for_you() {
    let app = spawn_app().await;
    let (owner, other) = (app.customer().await, app.customer().await);
    let created = add(&app, &owner, &address("Home")).await;
    let id = created["id"].as_str().unwrap();
    let patch = app
        .as_user(&other)
        .update_address(id, &json!({"city": "Stolen"}))
        .await;
    assert_problem(patch, StatusCode::NOT_FOUND, "not_found").await;
    let delete = app.as_user(&other).delete_address(id).await;
    assert_problem(delete, StatusCode::NOT_FOUND, "not_found").await;
    assert!(list(&app, &other).await.is_empty());
    let owners = list(&app, &owner).await;
    assert_eq!(owners[0]["city"], "London");

    let random = app
        .as_user(&owner)
        .delete_address("0192f0c1-0000-7000-8000-000000000000")
        .await;
    assert_problem(random, StatusCode::NOT_FOUND, "not_found").await;
    let anonymous = app.anonymous().addresses("").await;
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[actix_web::test]
async fn invalid_addresses_name_every_bad_field() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let with = |field: &str, value: Value| {
        let mut body = address("Home");
        body[field] = value;
        body
    };
    for (body, field) in [
        (with("country", json!("Germany")), "country"),
        (with("country", json!("1A")), "country"),
        (with("city", json!("  ")), "city"),
        (with("postal_code", json!("x".repeat(21))), "postal_code"),
        (with("phone", json!("12")), "phone"),
        (with("user_id", json!(user.id)), "user_id"),
        (
            json!({"name": "A", "line1": "B", "city": "C", "country": "DE"}),
            "postal_code",
        ),
    ] {
        let response = app.as_user(&user).add_address(&body).await;
        assert_invalid_field(response, field).await;
    }
    let too_many = app.as_user(&user).addresses("per_page=500").await;
    assert_invalid_field(too_many, "per_page").await;
}
