//! Admin user management, the first admin and the outbox.

use crate::helpers::{ADMIN_EMAIL, Api, PASSWORD, assert_invalid_field, assert_problem, spawn_app};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

#[actix_web::test]
async fn the_first_admin_comes_from_the_environment() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let me: Value = app.as_user(&admin).me().await.json().await.unwrap();
    assert_eq!(
        (me["email"].as_str(), me["role"].as_str()),
        (Some(ADMIN_EMAIL), Some("admin"))
    );
}

/// Every admin route called as `api`; the changes among them would make `target` an admin.
async fn every_admin_route(api: Api<'_>, target: &str) -> Vec<Response> {
    let body = json!({"role": "admin"});
    vec![
        api.users("").await,
        api.create_user(&body).await,
        api.user(target).await,
        api.update_user(target, &body).await,
        api.delete_user(target).await,
        api.outbox("").await,
    ]
}

#[actix_web::test]
async fn admin_routes_need_an_admin() {
    let app = spawn_app().await;
    let seller = app.user_with_role("seller").await;
    let answers = every_admin_route(app.anonymous(), &seller.id)
        .await
        .into_iter()
        .zip(every_admin_route(app.as_user(&seller), &seller.id).await);
    for (anonymous, forbidden) in answers {
        assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
        assert_problem(forbidden, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let me: Value = app.as_user(&seller).me().await.json().await.unwrap();
    assert_eq!(me["role"], "seller", "nothing was applied");
}

#[actix_web::test]
async fn admins_create_users_of_any_role_active_at_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let response = app
        .as_user(&admin)
        .create_user(&json!({"email": "Courier@Example.com", "password": PASSWORD, "name": "Cora", "role": "courier", "phone": "+49 30 1234567"}))
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
        .as_user(&admin)
        .create_user(&json!({"email": "x@example.com", "password": PASSWORD, "name": "X", "role": "emperor"}))
        .await;
    assert_invalid_field(invalid, "role").await;
    let taken = app
        .as_user(&admin)
        .create_user(&json!({"email": "courier@example.com", "password": PASSWORD, "name": "X", "role": "seller"}))
        .await;
    assert_problem(taken, StatusCode::CONFLICT, "email_taken").await;
}

#[actix_web::test]
async fn admins_list_users_by_role_and_text_with_pages() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for i in 0..3 {
        app.as_user(&admin)
            .create_user(&json!({"email": format!("seller{i}@shop.example"), "password": PASSWORD, "name": format!("Shop {i}"), "role": "seller"}))
            .await;
    }
    app.customer().await;
    let page: Value = app
        .as_user(&admin)
        .users("role=seller&per_page=2")
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
        .as_user(&admin)
        .users("role=seller&per_page=2&page=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);

    let found: Value = app
        .as_user(&admin)
        .users("q=SHOP%201")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["email"], "seller1@shop.example");
    let wildcard: Value = app
        .as_user(&admin)
        .users("q=%25")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(wildcard["total"], 0, "% is matched literally");

    assert_invalid_field(app.as_user(&admin).users("role=king").await, "role").await;
    assert_invalid_field(app.as_user(&admin).users("page=0").await, "page").await;
}

#[actix_web::test]
async fn disabling_a_user_stops_them_at_once_and_enabling_lets_them_back() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = app.customer().await;
    let as_admin = app.as_user(&admin);
    let disabled = as_admin
        .update_user(&user.id, &json!({"status": "disabled"}))
        .await;
    assert_eq!(
        disabled.json::<Value>().await.unwrap()["status"],
        "disabled"
    );
    assert_eq!(
        app.as_user(&user).me().await.status(),
        StatusCode::UNAUTHORIZED
    );
    let refresh = app.anonymous().refresh(&user.refresh_token).await;
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
    assert_problem(
        app.login(&user.email, PASSWORD).await,
        StatusCode::FORBIDDEN,
        "account_disabled",
    )
    .await;

    let enabled = as_admin
        .update_user(&user.id, &json!({"status": "active"}))
        .await;
    assert_eq!(enabled.status(), StatusCode::OK);
    app.sign_in(&user.email, PASSWORD).await;

    assert_invalid_field(
        as_admin
            .update_user(&user.id, &json!({"status": "pending"}))
            .await,
        "status",
    )
    .await;
    assert_invalid_field(
        as_admin
            .update_user(&user.id, &json!({"email": "x@example.com"}))
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
        .as_user(&admin)
        .update_user(&user.id, &json!({"role": "seller"}))
        .await;
    assert_eq!(changed.json::<Value>().await.unwrap()["role"], "seller");
    assert_eq!(
        app.as_user(&user).me().await.status(),
        StatusCode::UNAUTHORIZED,
        "old role in old token"
    );
    let refreshed: Value = app
        .anonymous()
        .refresh(&user.refresh_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(refreshed["user"]["role"], "seller");
    let me = app
        .with_token(refreshed["access_token"].as_str().unwrap())
        .me()
        .await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[actix_web::test]
async fn admins_cannot_lock_themselves_out() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let as_admin = app.as_user(&admin);
    for body in [json!({"role": "customer"}), json!({"status": "disabled"})] {
        assert_problem(
            as_admin.update_user(&admin.id, &body).await,
            StatusCode::CONFLICT,
            "conflict",
        )
        .await;
    }
    assert_problem(
        as_admin.delete_user(&admin.id).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let renamed = as_admin
        .update_user(&admin.id, &json!({"name": "Root"}))
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
}

#[actix_web::test]
async fn deleted_users_are_gone_and_their_email_is_free() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = app.customer().await;
    let as_admin = app.as_user(&admin);
    assert_eq!(
        as_admin.delete_user(&user.id).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        as_admin.user(&user.id).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        as_admin.delete_user(&user.id).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(
        app.as_user(&user).me().await.status(),
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
    let missing = as_admin.user("0192f0c1-0000-7000-8000-000000000000").await;
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
}

#[actix_web::test]
async fn the_outbox_lists_messages_newest_first_and_filters_by_recipient() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.register("first@example.com", None).await;
    app.register("second@example.com", None).await;
    let as_admin = app.as_user(&admin);
    let all: Value = as_admin.outbox("").await.json().await.unwrap();
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
    let filtered: Value = as_admin
        .outbox("to=FIRST@example.com")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(filtered["total"], 1);
    assert_invalid_field(as_admin.outbox("to=nope").await, "to").await;
}

#[actix_web::test]
async fn an_admin_never_reads_the_link_mailed_to_another_admin() {
    let app = spawn_app().await;
    let first = app.admin().await;
    let second = app.user_with_role("admin").await;
    let customer = app.customer().await;
    for user in [&second, &customer, &first] {
        let asked = app.anonymous().forgot_password(&user.email).await;
        assert_eq!(asked.status(), StatusCode::ACCEPTED);
    }
    let link_of = |outbox: &Value, email: &str| -> String {
        let message = outbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["to"] == email && m["kind"] == "password_reset")
            .unwrap_or_else(|| panic!("no reset message to {email}"));
        let body = message["body"].as_str().unwrap();
        body.split_once("?token=")
            .unwrap()
            .1
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    };
    let seen_by_first: Value = app.as_user(&first).outbox("").await.json().await.unwrap();
    let hidden = link_of(&seen_by_first, &second.email);
    assert!(hidden.starts_with("[redacted"), "{hidden}");
    let as_if_token = app
        .anonymous()
        .reset_password(&hidden, "taken over at last")
        .await;
    assert_invalid_field(as_if_token, "token").await;

    let customers_link = link_of(&seen_by_first, &customer.email);
    let own_link = link_of(&seen_by_first, &first.email);
    let seen_by_second: Value = app.as_user(&second).outbox("").await.json().await.unwrap();
    assert!(link_of(&seen_by_second, &first.email).starts_with("[redacted"));
    let second_own = link_of(&seen_by_second, &second.email);
    for token in [customers_link, own_link, second_own] {
        let reset = app
            .anonymous()
            .reset_password(&token, "a fresh password 1")
            .await;
        assert_eq!(
            reset.status(),
            StatusCode::NO_CONTENT,
            "readable links work"
        );
    }
}

#[actix_web::test]
async fn sellers_see_active_couriers_by_name_only() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let kept = app.user_with_role("courier").await;
    let disabled = app.user_with_role("courier").await;
    let response = app
        .as_user(&admin)
        .update_user(&disabled.id, &json!({"status": "disabled"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let seller = app.seller().await;

    let response = app
        .get("/api/v1/couriers", Some(&seller.access_token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let listed: Value = response.json().await.unwrap();
    assert_eq!(listed["total"], 1, "{listed}");
    assert_eq!(
        listed["items"][0],
        json!({"id": kept.id, "name": "Test User"})
    );

    let probing: Value = app
        .get(
            "/api/v1/couriers?q=no-such-courier@nowhere",
            Some(&seller.access_token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        probing["total"], 1,
        "no search, so no email can be guessed letter by letter"
    );

    let disabled_only: Value = app
        .as_user(&admin)
        .users("role=courier&status=disabled")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(disabled_only["items"][0]["id"], disabled.id.as_str());
    assert_eq!(disabled_only["total"], 1);

    let customer = app.customer().await;
    let response = app
        .get("/api/v1/couriers", Some(&customer.access_token))
        .await;
    assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app.as_user(&admin).users("status=sleeping").await;
    assert_invalid_field(response, "status").await;
}
