//! Promotions: customers opt in on their profile, and a seller's public coupon reaches the
//! opted-in customers who bought from that seller, live and by mail, in batches after the
//! request has been answered.

use crate::helpers::*;
use crate::live::{connect, expect};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn opt_in(app: &TestApp, user: &TestUser) {
    let updated = app
        .as_user(user)
        .update_me(&json!({"promotions_opt_in": true}))
        .await;
    assert_eq!(updated.status(), StatusCode::OK);
    let me: Value = updated.json().await.unwrap();
    assert_eq!(me["promotions_opt_in"], true);
}

/// `user`'s promotion notifications.
async fn promotions_of(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let listed: Value = app
        .as_user(user)
        .notifications("")
        .await
        .json()
        .await
        .unwrap();
    listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "promotion")
        .cloned()
        .collect()
}

#[actix_web::test]
async fn a_public_coupon_reaches_the_opted_in_buyers_of_its_seller() {
    let mut settings = test_settings();
    settings.promotion_batch = 2;
    let app = spawn_app_with(settings).await;
    let (seller, mug) = app.stocked_product(20, json!({})).await;
    let (_, lamp) = app.stocked_product(20, json!({})).await;
    let customers = app.many_customers(7).await;
    let (buyers, rest) = customers.split_at(3);
    let (never_bought, not_opted_in, other_sellers, unpaid) =
        (&rest[0], &rest[1], &rest[2], &rest[3]);
    for buyer in buyers {
        opt_in(&app, buyer).await;
        app.paid_order(buyer, &[(&mug, 1)]).await;
    }
    opt_in(&app, never_bought).await;
    app.paid_order(not_opted_in, &[(&mug, 1)]).await;
    opt_in(&app, other_sellers).await;
    app.paid_order(other_sellers, &[(&lamp, 1)]).await;
    opt_in(&app, unpaid).await;
    app.place_order(unpaid, &[(&mug, 1)]).await;
    let mut socket = connect(&app, Some(&buyers[0].access_token)).await;
    expect(&mut socket, "authenticated").await;

    // A coupon that is not public is announced to no one.
    let quiet = app
        .as_user(&seller)
        .create_coupon(&json!({"code": "QUIET", "kind": "percent", "value": 5}))
        .await;
    assert_eq!(quiet.status(), StatusCode::CREATED);
    let public = app
        .as_user(&seller)
        .create_coupon(&json!({"code": "SPRING", "kind": "percent", "value": 15,
                               "ends_at": "2099-01-01T00:00:00Z", "public": true}))
        .await;
    assert_eq!(public.status(), StatusCode::CREATED);

    // Live first: the notification reaches the session of the buyer.
    let pushed = loop {
        let notification = expect(&mut socket, "notification").await;
        if notification["kind"] == "promotion" {
            break notification;
        }
    };
    assert!(
        pushed["title"].as_str().unwrap().contains("SPRING"),
        "{pushed}"
    );
    // Every opted-in buyer of the seller, over two batches, exactly once each.
    for buyer in buyers {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let promotions = loop {
            let promotions = promotions_of(&app, buyer).await;
            if !promotions.is_empty() || std::time::Instant::now() > deadline {
                break promotions;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        assert_eq!(promotions.len(), 1, "{promotions:?}");
        assert!(promotions[0]["body"].as_str().unwrap().contains("15% off"));
        let mail: Value = app
            .as_user(&app.admin().await)
            .outbox(&format!("to={}", buyer.email))
            .await
            .json()
            .await
            .unwrap();
        let kinds: Vec<&str> = mail["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["kind"].as_str())
            .collect();
        assert_eq!(
            kinds.iter().filter(|k| **k == "promotion").count(),
            1,
            "{kinds:?}"
        );
    }
    // Nobody else: not opted in, never bought, bought from another seller, never paid.
    for outsider in [never_bought, not_opted_in, other_sellers, unpaid] {
        assert!(promotions_of(&app, outsider).await.is_empty());
    }
    assert_eq!(
        app.count("SELECT count(*) FROM promotion_campaigns WHERE done_at IS NOT NULL")
            .await,
        1
    );
}

#[actix_web::test]
async fn the_opt_in_is_the_users_own_and_must_be_a_boolean() {
    let app = spawn_app().await;
    let customer = app.customer().await;
    let me: Value = app.as_user(&customer).me().await.json().await.unwrap();
    assert_eq!(me["promotions_opt_in"], false, "off until asked for");
    assert_invalid_field(
        app.as_user(&customer)
            .update_me(&json!({"promotions_opt_in": "yes"}))
            .await,
        "promotions_opt_in",
    )
    .await;
    opt_in(&app, &customer).await;
    let off: Value = app
        .as_user(&customer)
        .update_me(&json!({"promotions_opt_in": false}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(off["promotions_opt_in"], false);
}
