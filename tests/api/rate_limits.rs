//! Rate limits: sign-in per client address and per account at an address, refresh and logout on
//! their own, and checkout, pay, cart writes, reviews and search per user (or, signed out, per
//! address). All of them off with `BAZAAR_RATE_LIMIT=off`.

use crate::helpers::{
    DECLINED_CARD, GOOD_CARD, PASSWORD, TestApp, assert_problem, checkout_body, spawn_app_with,
    test_settings,
};
use bazaar::config::{Rate, Settings};
use reqwest::StatusCode;
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// Settings with rate limits on.
fn limited_settings() -> Settings {
    let mut settings = test_settings();
    settings.rate_limit = true;
    settings
}

/// `count` an hour: nothing refills during a test.
fn per_hour(count: u32) -> Rate {
    Rate {
        count,
        period: Duration::from_secs(3600),
    }
}

fn client_from(source: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(source))
        .build()
        .unwrap()
}

async fn login_from(
    app: &TestApp,
    source: Ipv4Addr,
    email: &str,
    password: &str,
) -> reqwest::Response {
    app.anonymous()
        .via(&client_from(source))
        .login(email, password)
        .await
}

async fn assert_limited(response: reqwest::Response) {
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[actix_web::test]
async fn a_stranger_guessing_a_password_cannot_lock_its_owner_out() {
    let mut settings = limited_settings();
    settings.rates.login = per_hour(5);
    let app = spawn_app_with(settings).await;
    let victim = app.customer().await;
    let stranger = Ipv4Addr::new(127, 0, 1, 1);
    for _ in 0..5 {
        let guess = login_from(&app, stranger, &victim.email, "not the password").await;
        assert_eq!(guess.status(), StatusCode::UNAUTHORIZED);
    }
    assert_limited(login_from(&app, stranger, &victim.email, "not the password").await).await;
    assert_limited(login_from(&app, stranger, &victim.email, PASSWORD).await).await;

    let own = login_from(&app, Ipv4Addr::new(127, 0, 1, 2), &victim.email, PASSWORD).await;
    assert_eq!(
        own.status(),
        StatusCode::OK,
        "the owner signs in from elsewhere"
    );
}

#[actix_web::test]
async fn an_office_behind_one_address_signs_in_but_a_flood_is_limited() {
    let mut settings = limited_settings();
    settings.rates.sign_in = per_hour(15);
    let app = spawn_app_with(settings).await;
    let office = Ipv4Addr::new(127, 0, 2, 1);
    let mut colleagues = Vec::new();
    for _ in 0..6 {
        colleagues.push(app.customer().await);
    }
    // The six accounts were made (and the admin signed in) from 127.0.0.1: the office's own
    // budget is whole.
    for colleague in &colleagues {
        let signed_in = login_from(&app, office, &colleague.email, PASSWORD).await;
        assert_eq!(
            signed_in.status(),
            StatusCode::OK,
            "one login per colleague"
        );
    }
    let mut flood = None;
    for attempt in 0..20 {
        let email = format!("nobody{attempt}@example.com");
        let response = login_from(&app, office, &email, "not the password").await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            flood = Some(response);
            break;
        }
    }
    assert_limited(flood.expect("the address's sign-in rate applied")).await;
    let elsewhere = login_from(&app, Ipv4Addr::new(127, 0, 2, 2), "x@example.com", "nope").await;
    assert_eq!(
        elsewhere.status(),
        StatusCode::UNAUTHORIZED,
        "other addresses are unaffected"
    );

    // Refresh and logout have their own rate: an exhausted sign-in budget does not end sessions.
    let colleague = &colleagues[0];
    let office_client = client_from(office);
    let refreshed = app
        .anonymous()
        .via(&office_client)
        .refresh(&colleague.refresh_token)
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
}

#[actix_web::test]
async fn checkout_pay_and_cart_writes_are_limited_per_user() {
    let mut settings = limited_settings();
    settings.rates.checkout = per_hour(2);
    settings.rates.pay = per_hour(2);
    settings.rates.cart_write = per_hour(3);
    let app = spawn_app_with(settings).await;
    let (_, product) = app.stocked_product(100, json!({})).await;
    let (customer, other) = (app.customer().await, app.customer().await);
    let as_customer = app.as_user(&customer);
    let items = [(product.as_str(), 1)];

    let first = app.place_order(&customer, &items).await;
    app.place_order(&customer, &items).await;
    assert_limited(as_customer.checkout(&checkout_body(&items), None).await).await;
    app.place_order(&other, &items).await;

    let order = first["id"].as_str().unwrap();
    let declined = app.pay(&customer, order, DECLINED_CARD).await;
    assert_eq!(declined.status(), StatusCode::PAYMENT_REQUIRED);
    let paid = app.pay(&customer, order, GOOD_CARD).await;
    assert_eq!(paid.status(), StatusCode::OK);
    assert_limited(app.pay(&customer, order, GOOD_CARD).await).await;

    let line = json!({"product_id": product, "qty": 1});
    for _ in 0..3 {
        assert_eq!(
            as_customer.add_to_cart(&line).await.status(),
            StatusCode::OK
        );
    }
    assert_limited(as_customer.add_to_cart(&line).await).await;
    assert_limited(as_customer.clear_cart().await).await;
    assert_eq!(
        as_customer.cart().await.status(),
        StatusCode::OK,
        "reading is not limited"
    );
}

#[actix_web::test]
async fn reviews_and_search_are_limited_per_user_or_address() {
    let mut settings = limited_settings();
    settings.rates.review = per_hour(1);
    settings.rates.search = per_hour(2);
    let app = spawn_app_with(settings).await;
    let (_, first) = app.stocked_product(5, json!({})).await;
    let (_, second) = app.stocked_product(5, json!({})).await;
    let customer = app.customer().await;
    let review = json!({"rating": 4, "title": "Good", "body": "Does the job."});
    let as_customer = app.as_user(&customer);
    assert_eq!(
        as_customer.review(&first, &review).await.status(),
        StatusCode::CREATED
    );
    assert_limited(as_customer.review(&second, &review).await).await;

    let visitor = client_from(Ipv4Addr::new(127, 0, 3, 1));
    for _ in 0..2 {
        let found = app.anonymous().via(&visitor).search("q=mug").await;
        assert_eq!(found.status(), StatusCode::OK);
    }
    assert_limited(app.anonymous().via(&visitor).search("q=mug").await).await;
    let signed_in = app.as_user(&customer).via(&visitor).search("q=mug").await;
    assert_eq!(
        signed_in.status(),
        StatusCode::OK,
        "a signed-in user counts alone"
    );
    let neighbour = client_from(Ipv4Addr::new(127, 0, 3, 2));
    let other = app.anonymous().via(&neighbour).search("q=mug").await;
    assert_eq!(other.status(), StatusCode::OK);
}

#[actix_web::test]
async fn with_rate_limits_off_nothing_is_limited() {
    let mut settings = test_settings();
    assert!(!settings.rate_limit);
    settings.rates.login = per_hour(1);
    settings.rates.search = per_hour(1);
    let app = spawn_app_with(settings).await;
    for _ in 0..5 {
        let response = login_from(&app, Ipv4Addr::LOCALHOST, "victim@example.com", "nope").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(app.anonymous().search("q=x").await.status(), StatusCode::OK);
    }
}

#[actix_web::test]
async fn links_asked_for_one_mailbox_are_limited_from_anywhere() {
    let mut settings = limited_settings();
    settings.rates.mail = per_hour(2);
    let app = spawn_app_with(settings).await;
    let customer = app.customer().await;
    for source in [Ipv4Addr::new(127, 0, 4, 1), Ipv4Addr::new(127, 0, 4, 2)] {
        let client = client_from(source);
        let asked = app
            .anonymous()
            .via(&client)
            .forgot_password(&customer.email)
            .await;
        assert_eq!(asked.status(), StatusCode::ACCEPTED);
    }
    let third = client_from(Ipv4Addr::new(127, 0, 4, 3));
    assert_limited(
        app.anonymous()
            .via(&third)
            .forgot_password(&customer.email)
            .await,
    )
    .await;
    assert_limited(
        app.anonymous()
            .via(&third)
            .resend_activation(&customer.email)
            .await,
    )
    .await;
    let other = app
        .anonymous()
        .via(&third)
        .forgot_password("other@example.com")
        .await;
    assert_eq!(
        other.status(),
        StatusCode::ACCEPTED,
        "another mailbox is not held up"
    );
}
