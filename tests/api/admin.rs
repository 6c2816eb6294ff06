//! Admin user management, the first admin and the outbox.

use crate::helpers::{ADMIN_EMAIL, PASSWORD, assert_invalid_field, assert_problem, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[actix_web::test]
async fn the_first_admin_comes_from_the_environment() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let me: Value = app.me(&admin.access_token).await.json().await.unwrap();
    assert_eq!(
        (me["email"].as_str(), me["role"].as_str()),
        (Some(ADMIN_EMAIL), Some("admin"))
    );
}

#[actix_web::test]
async fn admin_routes_need_an_admin() {
    let app = spawn_app().await;
    let seller = app.user_with_role("seller").await;
    let target = format!("/api/v1/admin/users/{}", seller.id);
    let routes = [
        ("GET", "/api/v1/admin/users".to_owned()),
        ("POST", "/api/v1/admin/users".to_owned()),
        ("GET", target.clone()),
        ("PATCH", target.clone()),
        ("DELETE", target.clone()),
        ("GET", "/api/v1/admin/outbox".to_owned()),
    ];
    for (method, path) in &routes {
        let method: reqwest::Method = method.parse().unwrap();
        let body = json!({"role": "admin"});
        let anonymous = app.request(method.clone(), path, None, Some(&body)).await;
        assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let forbidden = app
            .request(
                method.clone(),
                path,
                Some(&seller.access_token),
                Some(&body),
            )
            .await;
        assert_problem(forbidden, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let me: Value = app.me(&seller.access_token).await.json().await.unwrap();
    assert_eq!(me["role"], "seller", "nothing was applied");
}

#[actix_web::test]
async fn admins_create_users_of_any_role_active_at_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let response = app
        .post("/api/v1/admin/users", Some(&admin.access_token),
            &json!({"email": "Courier@Example.com", "password": PASSWORD, "name": "Cora", "role": "courier", "phone": "+49 30 1234567"}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let user: Value = response.json().await.unwrap();
    assert_eq!(
        (user["role"].as_str(), user["status"].as_str()),
        (Some("courier"), Some("active"))
    );
    assert_eq!(user["email"], "courier@example.com");
    app.sign_in("courier@example.com", PASSWORD).await;

    let invalid = app
        .post("/api/v1/admin/users", Some(&admin.access_token), &json!({"email": "x@example.com", "password": PASSWORD, "name": "X", "role": "emperor"}))
        .await;
    assert_invalid_field(invalid, "role").await;
    let taken = app
        .post("/api/v1/admin/users", Some(&admin.access_token), &json!({"email": "courier@example.com", "password": PASSWORD, "name": "X", "role": "seller"}))
        .await;
    assert_problem(taken, StatusCode::CONFLICT, "email_taken").await;
}

#[actix_web::test]
async fn admins_list_users_by_role_and_text_with_pages() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for i in 0..3 {
        app.post("/api/v1/admin/users", Some(&admin.access_token),
            &json!({"email": format!("seller{i}@shop.example"), "password": PASSWORD, "name": format!("Shop {i}"), "role": "seller"}))
            .await;
    }
    app.customer().await;
    let page: Value = app
        .get(
            "/api/v1/admin/users?role=seller&per_page=2",
            Some(&admin.access_token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            page["total"].as_i64(),
            page["per_page"].as_i64(),
            page["page"].as_i64()
        ),
        (Some(3), Some(2), Some(1))
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["role"] == "seller")
    );
    let second: Value = app
        .get(
            "/api/v1/admin/users?role=seller&per_page=2&page=2",
            Some(&admin.access_token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);

    let found: Value = app
        .get("/api/v1/admin/users?q=SHOP%201", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["email"], "seller1@shop.example");
    let wildcard: Value = app
        .get("/api/v1/admin/users?q=%25", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(wildcard["total"], 0, "% is matched literally");

    assert_invalid_field(
        app.get("/api/v1/admin/users?role=king", Some(&admin.access_token))
            .await,
        "role",
    )
    .await;
    assert_invalid_field(
        app.get("/api/v1/admin/users?page=0", Some(&admin.access_token))
            .await,
        "page",
    )
    .await;
}

#[actix_web::test]
async fn disabling_a_user_stops_them_at_once_and_enabling_lets_them_back() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = app.customer().await;
    let path = format!("/api/v1/admin/users/{}", user.id);
    let disabled = app
        .patch(
            &path,
            Some(&admin.access_token),
            &json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(
        disabled.json::<Value>().await.unwrap()["status"],
        "disabled"
    );
    assert_eq!(
        app.me(&user.access_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let refresh = app.refresh(&user.refresh_token).await;
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
    assert_problem(
        app.login(&user.email, PASSWORD).await,
        StatusCode::FORBIDDEN,
        "account_disabled",
    )
    .await;

    let enabled = app
        .patch(
            &path,
            Some(&admin.access_token),
            &json!({"status": "active"}),
        )
        .await;
    assert_eq!(enabled.status(), StatusCode::OK);
    app.sign_in(&user.email, PASSWORD).await;

    assert_invalid_field(
        app.patch(
            &path,
            Some(&admin.access_token),
            &json!({"status": "pending"}),
        )
        .await,
        "status",
    )
    .await;
    assert_invalid_field(
        app.patch(
            &path,
            Some(&admin.access_token),
            &json!({"email": "x@example.com"}),
        )
        .await,
        "email",
    )
    .await;
}

#[actix_web::test]
async fn a_role_change_takes_effect_on_the_next_token() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = app.customer().await;
    let changed = app
        .patch(
            &format!("/api/v1/admin/users/{}", user.id),
            Some(&admin.access_token),
            &json!({"role": "seller"}),
        )
        .await;
    assert_eq!(changed.json::<Value>().await.unwrap()["role"], "seller");
    assert_eq!(
        app.me(&user.access_token).await.status(),
        StatusCode::UNAUTHORIZED,
        "old role in old token"
    );
    let refreshed: Value = app.refresh(&user.refresh_token).await.json().await.unwrap();
    assert_eq!(refreshed["user"]["role"], "seller");
    let me = app
        .get(
            "/api/v1/users/me",
            Some(refreshed["access_token"].as_str().unwrap()),
        )
        .await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[actix_web::test]
async fn admins_cannot_lock_themselves_out() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let path = format!("/api/v1/admin/users/{}", admin.id);
    for body in [json!({"role": "customer"}), json!({"status": "disabled"})] {
        assert_problem(
            app.patch(&path, Some(&admin.access_token), &body).await,
            StatusCode::CONFLICT,
            "conflict",
        )
        .await;
    }
    assert_problem(
        app.delete(&path, Some(&admin.access_token)).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let renamed = app
        .patch(&path, Some(&admin.access_token), &json!({"name": "Root"}))
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
}

#[actix_web::test]
async fn deleted_users_are_gone_and_their_email_is_free() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = app.customer().await;
    let path = format!("/api/v1/admin/users/{}", user.id);
    assert_eq!(
        app.delete(&path, Some(&admin.access_token)).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.get(&path, Some(&admin.access_token)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        app.delete(&path, Some(&admin.access_token)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(
        app.me(&user.access_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_problem(
        app.login(&user.email, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    assert_eq!(
        app.register(&user.email, None).await.status(),
        StatusCode::CREATED
    );
    let missing = app
        .get(
            "/api/v1/admin/users/0192f0c1-0000-7000-8000-000000000000",
            Some(&admin.access_token),
        )
        .await;
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
}

#[actix_web::test]
async fn the_outbox_lists_messages_newest_first_and_filters_by_recipient() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.register("first@example.com", None).await;
    app.register("second@example.com", None).await;
    let all: Value = app
        .get("/api/v1/admin/outbox", Some(&admin.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["total"], 2);
    assert_eq!(all["items"][0]["to"], "second@example.com");
    let message = &all["items"][1];
    for field in ["id", "to", "kind", "subject", "body", "created_at"] {
        assert!(!message[field].is_null(), "{field} missing");
    }
    assert_eq!(message["kind"], "activation");
    assert!(
        message["body"]
            .as_str()
            .unwrap()
            .contains("/activate?token=")
    );
    let filtered: Value = app
        .get(
            "/api/v1/admin/outbox?to=FIRST@example.com",
            Some(&admin.access_token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(filtered["total"], 1);
    assert_invalid_field(
        app.get("/api/v1/admin/outbox?to=nope", Some(&admin.access_token))
            .await,
        "to",
    )
    .await;
}
