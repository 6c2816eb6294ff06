//! The category tree: any depth, unique slugs, no cycles, no deleting what is in use.

use crate::helpers::{assert_invalid_field, assert_problem, product_body, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[actix_web::test]
async fn admins_build_a_tree_of_any_depth_with_unique_slugs() {
    let app = spawn_app().await;
    let home = app.category("Home & Garden", None).await;
    let kitchen = app.category("Kitchen", Some(&home)).await;
    let knives = app.category("Knives", Some(&kitchen)).await;
    let _other_kitchen = app.category("Kitchen", None).await;

    let tree: Value = app.anonymous().categories().await.json().await.unwrap();
    let roots = tree.as_array().unwrap();
    assert_eq!(roots.len(), 2);
    let home_node = roots.iter().find(|c| c["id"] == home.as_str()).unwrap();
    assert_eq!(home_node["slug"], "home-garden");
    assert!(home_node["parent_id"].is_null());
    let kitchen_node = &home_node["children"][0];
    assert_eq!(
        (kitchen_node["name"].as_str(), kitchen_node["slug"].as_str()),
        (Some("Kitchen"), Some("kitchen"))
    );
    assert_eq!(kitchen_node["children"][0]["id"], knives.as_str());
    assert_eq!(kitchen_node["children"][0]["parent_id"], kitchen.as_str());
    let other = roots.iter().find(|c| c["name"] == "Kitchen").unwrap();
    assert_eq!(other["slug"], "kitchen-2", "slugs stay unique");
}

#[actix_web::test]
async fn a_category_cannot_move_under_itself_or_its_descendants() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let a = app.category("A", None).await;
    let b = app.category("B", Some(&a)).await;
    let c = app.category("C", Some(&b)).await;
    let as_admin = app.as_user(&admin);
    for parent in [&a, &c] {
        let response = as_admin
            .update_category(&a, &json!({"parent_id": parent}))
            .await;
        assert_problem(response, StatusCode::CONFLICT, "conflict").await;
    }
    let moved = as_admin
        .update_category(&c, &json!({"parent_id": null, "name": "C Prime"}))
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let moved: Value = moved.json().await.unwrap();
    assert!(moved["parent_id"].is_null());
    assert_eq!(moved["slug"], "c-prime");
    let missing_parent = as_admin
        .update_category(
            &c,
            &json!({"parent_id": "0192f0c1-0000-7000-8000-000000000000"}),
        )
        .await;
    assert_invalid_field(missing_parent, "parent_id").await;
}

#[actix_web::test]
async fn categories_in_use_cannot_be_deleted() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let parent = app.category("Parent", None).await;
    let child = app.category("Child", Some(&parent)).await;
    let with_product = app.category("Stocked", None).await;
    let seller = app.seller().await;
    app.product(
        &seller,
        &product_body(&with_product, json!({"status": "draft"})),
    )
    .await;

    let as_admin = app.as_user(&admin);
    for id in [&parent, &with_product] {
        let response = as_admin.delete_category(id).await;
        assert_problem(response, StatusCode::CONFLICT, "conflict").await;
    }
    assert_eq!(
        as_admin.delete_category(&child).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        as_admin.delete_category(&parent).await.status(),
        StatusCode::NO_CONTENT
    );
    let gone = as_admin.delete_category(&parent).await;
    assert_problem(gone, StatusCode::NOT_FOUND, "not_found").await;
}

#[actix_web::test]
async fn only_admins_shape_the_tree_and_input_is_checked() {
    let app = spawn_app().await;
    let seller = app.seller().await;
    let denied = app
        .as_user(&seller)
        .create_category(&json!({"name": "Mine"}))
        .await;
    assert_problem(denied, StatusCode::FORBIDDEN, "forbidden").await;
    let anonymous = app
        .anonymous()
        .create_category(&json!({"name": "Mine"}))
        .await;
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let admin = app.admin().await;
    let as_admin = app.as_user(&admin);
    let blank = as_admin.create_category(&json!({"name": "  "})).await;
    assert_invalid_field(blank, "name").await;
    let slug = as_admin
        .create_category(&json!({"name": "X", "slug": "x"}))
        .await;
    assert_invalid_field(slug, "slug").await;
    let orphan = as_admin
        .create_category(&json!({"name": "X", "parent_id": "0192f0c1-0000-7000-8000-000000000000"}))
        .await;
    assert_invalid_field(orphan, "parent_id").await;
}
