//! `bazaar seed --demo`: a new shop gets the demo, through the API and by its rules; a shop in use
//! is left as it is.

use crate::helpers::{spawn_app_with, test_settings};
use bazaar::demo::{DemoOutcome, seed_demo};
use serde_json::Value;

#[actix_web::test]
async fn a_new_shop_gets_the_demo_and_a_shop_in_use_is_left_alone() {
    let settings = test_settings();
    let DemoOutcome::Seeded(report) = seed_demo(settings.clone()).await.expect("seed the demo")
    else {
        panic!("a new database gets the demo");
    };
    assert_eq!((report.products, report.orders), (24, 15));
    assert!(report.reviews > 0 && report.password.len() >= 16);
    assert!(
        settings.media_dir.join("demo-001.svg").exists(),
        "pictures are drawn into the media directory"
    );

    let again = seed_demo(settings.clone()).await.expect("look at the shop");
    assert!(matches!(again, DemoOutcome::AlreadyStocked));

    let app = spawn_app_with(settings).await;
    let products: Value = app
        .get("/api/v1/products?per_page=1", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(products["total"], 24, "seeded once");
    let seller = app.sign_in(&report.sellers[0], &report.password).await;
    let orders: Value = app
        .get(
            "/api/v1/orders?status=delivered",
            Some(&seller.access_token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(orders["total"].as_i64().unwrap() > 0, "{orders}");
    let image = app.get("/media/demo-001.svg", None).await;
    assert_eq!(image.status(), reqwest::StatusCode::OK);
}
