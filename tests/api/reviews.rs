//! Reviews: one per customer and product, exact ratings under concurrency, deletion rights.

use crate::helpers::{
    GOOD_CARD, TestApp, assert_invalid_field, assert_problem, paying_checkout_body, product_body,
    spawn_app,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn published_product(app: &TestApp) -> String {
    let category = app.category("Mugs", None).await;
    let seller = app.seller().await;
    let product = app
        .product(&seller, &product_body(&category, json!({})))
        .await;
    product["id"].as_str().unwrap().to_owned()
}

fn review(rating: i64) -> Value {
    json!({"rating": rating, "title": "Solid", "body": "<script>alert('x')</script> Works well."})
}

#[actix_web::test]
async fn a_customer_reviews_once_and_the_rating_follows() {
    let app = spawn_app().await;
    let product = published_product(&app).await;
    let customer = app.customer().await;
    let created = app.as_user(&customer).review(&product, &review(4)).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["verified_purchase"], false, "no order of it");
    assert_eq!(
        created["body"], "<script>alert('x')</script> Works well.",
        "text is data, returned as sent"
    );
    assert_eq!(created["user_id"], customer.id.as_str());

    let twice = app.as_user(&customer).review(&product, &review(5)).await;
    assert_problem(twice, StatusCode::CONFLICT, "conflict").await;

    let second = app.customer().await;
    app.as_user(&second).review(&product, &review(1)).await;
    let product_page = app.product_page(&product).await;
    assert_eq!(
        (
            product_page["rating_avg"].as_f64(),
            product_page["rating_count"].as_i64()
        ),
        (Some(2.5), Some(2))
    );

    let listed: Value = app
        .anonymous()
        .reviews(&product, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 2);
    assert_eq!(listed["items"][0]["rating"], 1, "newest first");
}

#[actix_web::test]
async fn concurrent_reviews_keep_the_rating_exact() {
    let app = spawn_app().await;
    let product = published_product(&app).await;
    let mut customers = Vec::new();
    for _ in 0..20 {
        customers.push(app.customer().await);
    }
    let posts = customers.iter().enumerate().map(|(i, customer)| {
        let body = review(1 + (i as i64 % 5));
        let (app, product) = (&app, &product);
        async move { app.as_user(customer).review(product, &body).await.status() }
    });
    let statuses = futures_util::future::join_all(posts).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );
    let page = app.product_page(&product).await;
    assert_eq!(page["rating_count"], 20);
    assert_eq!(
        page["rating_avg"].as_f64(),
        Some(3.0),
        "(1+2+3+4+5) * 4 / 20"
    );
}

#[actix_web::test]
async fn only_customers_review_and_input_is_checked() {
    let app = spawn_app().await;
    let product = published_product(&app).await;
    let seller = app.seller().await;
    assert_problem(
        app.as_user(&seller).review(&product, &review(5)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        app.anonymous().review(&product, &review(5)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let customer = app.customer().await;
    for (body, field) in [
        (json!({"rating": 0, "title": "t", "body": "b"}), "rating"),
        (json!({"rating": 6, "title": "t", "body": "b"}), "rating"),
        (json!({"rating": 4.5, "title": "t", "body": "b"}), "rating"),
        (json!({"rating": 4, "title": "", "body": "b"}), "title"),
        (json!({"rating": 4, "title": "t", "body": ""}), "body"),
        (
            json!({"rating": 4, "title": "t", "body": "b", "verified_purchase": true}),
            "verified_purchase",
        ),
    ] {
        assert_invalid_field(app.as_user(&customer).review(&product, &body).await, field).await;
    }
    let missing = app
        .as_user(&customer)
        .review("0192f0c1-0000-7000-8000-000000000000", &review(3))
        .await;
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
}

#[actix_web::test]
async fn the_author_or_an_admin_deletes_a_review() {
    let app = spawn_app().await;
    let product = published_product(&app).await;
    let (author, stranger) = (app.customer().await, app.customer().await);
    let first: Value = app
        .as_user(&author)
        .review(&product, &review(5))
        .await
        .json()
        .await
        .unwrap();
    let second: Value = app
        .as_user(&stranger)
        .review(&product, &review(3))
        .await
        .json()
        .await
        .unwrap();
    let (first, second) = (
        first["id"].as_str().unwrap(),
        second["id"].as_str().unwrap(),
    );

    assert_problem(
        app.as_user(&stranger).delete_review(first).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(
        app.as_user(&author).delete_review(first).await.status(),
        StatusCode::NO_CONTENT
    );
    let admin = app.admin().await;
    assert_eq!(
        app.as_user(&admin).delete_review(second).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.as_user(&admin).delete_review(second).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let page = app.product_page(&product).await;
    assert_eq!(
        (page["rating_count"].as_i64(), page["rating_avg"].as_f64()),
        (Some(0), None)
    );
    assert_eq!(
        app.as_user(&author)
            .review(&product, &review(2))
            .await
            .status(),
        StatusCode::CREATED,
        "a deleted review can be written again"
    );
}

#[actix_web::test]
async fn a_review_is_verified_when_its_author_paid_for_the_product() {
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(5, json!({})).await;
    let (buyer, browser) = (app.customer().await, app.customer().await);
    let body = paying_checkout_body(&[(&product, 1)], GOOD_CARD);
    assert_eq!(
        app.checkout(&buyer, &body, None).await.status(),
        StatusCode::CREATED
    );
    let verified: Value = app
        .as_user(&buyer)
        .review(&product, &review(5))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(verified["verified_purchase"], true);
    let unverified: Value = app
        .as_user(&browser)
        .review(&product, &review(2))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unverified["verified_purchase"], false);
}
