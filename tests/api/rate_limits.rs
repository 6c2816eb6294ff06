//! Rate limits on the auth routes, per client address and per account.

use crate::helpers::{TestApp, assert_problem, spawn_app, spawn_app_with, test_settings};
use reqwest::StatusCode;
use std::net::{IpAddr, Ipv4Addr};

async fn login_from(app: &TestApp, source: Ipv4Addr, email: &str) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .local_address(IpAddr::V4(source))
        .build()
        .unwrap();
    app.anonymous()
        .via(&client)
        .login(email, "not the password")
        .await
}

async fn attempts_until_limited(
    app: &TestApp,
    sources: impl Fn(u8) -> Ipv4Addr,
    email: impl Fn(u8) -> String,
) -> Option<reqwest::Response> {
    for attempt in 0..40u8 {
        let response = login_from(app, sources(attempt), &email(attempt)).await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            return Some(response);
        }
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    None
}

#[actix_web::test]
async fn rapid_failed_logins_for_one_account_are_limited_from_any_address() {
    let mut settings = test_settings();
    settings.rate_limit = true;
    let app = spawn_app_with(settings).await;
    // Each attempt from a different loopback address: only the per-account limit can apply.
    let limited = attempts_until_limited(
        &app,
        |i| Ipv4Addr::new(127, 0, 1, i + 1),
        |_| "victim@example.com".into(),
    )
    .await
    .expect("the account limit applied");
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    assert_problem(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[actix_web::test]
async fn one_address_hammering_many_accounts_is_limited() {
    let mut settings = test_settings();
    settings.rate_limit = true;
    let app = spawn_app_with(settings).await;
    let limited = attempts_until_limited(
        &app,
        |_| Ipv4Addr::new(127, 0, 2, 1),
        |i| format!("user{i}@example.com"),
    )
    .await
    .expect("the address limit applied");
    assert!(limited.headers().contains_key("retry-after"));
    assert_problem(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Another address is not affected.
    let other = login_from(&app, Ipv4Addr::new(127, 0, 2, 2), "someone@example.com").await;
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn with_rate_limits_off_nothing_is_limited() {
    let app = spawn_app().await;
    assert!(!app.settings.rate_limit);
    let limited = attempts_until_limited(
        &app,
        |_| Ipv4Addr::LOCALHOST,
        |_| "victim@example.com".into(),
    )
    .await;
    assert!(limited.is_none());
}
