//! Search: full text with stemming, each filter, each sort, pages, facets.

use crate::helpers::{
    TestApp, TestUser, assert_invalid_field, bazaar_command, product_body, spawn_app,
    spawn_app_with, test_settings,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A small shop: two sellers, a tree Electronics > Audio > Headphones and Home > Kitchen.
struct Shop {
    app: TestApp,
    seller_a: TestUser,
    seller_b: TestUser,
}

async fn shop() -> Shop {
    let app = spawn_app().await;
    let electronics = app.category("Electronics", None).await;
    let audio = app.category("Audio", Some(&electronics)).await;
    let headphones = app.category("Headphones", Some(&audio)).await;
    let home = app.category("Home", None).await;
    let kitchen = app.category("Kitchen", Some(&home)).await;
    let (seller_a, seller_b) = (app.seller().await, app.seller().await);
    let products = [
        (
            &seller_a,
            json!({"sku": "P1", "name": "Wireless Headphones", "brand": "Sony", "category_id": headphones, "price_cents": 9999, "stock": 5, "description": "Over-ear, forty hours of battery."}),
        ),
        (
            &seller_a,
            json!({"sku": "P2", "name": "Noise Cancelling Headphones", "brand": "Bose", "category_id": headphones, "price_cents": 29999, "stock": 0, "description": "Silence on every flight."}),
        ),
        (
            &seller_b,
            json!({"sku": "P3", "name": "Bluetooth Speaker", "brand": "SONY", "category_id": audio, "price_cents": 4999, "stock": 10, "description": "Has a headphone jack and a strap."}),
        ),
        (
            &seller_b,
            json!({"sku": "P4", "name": "Chef Knife", "brand": "Wusthof", "category_id": kitchen, "price_cents": 12999, "stock": 3, "description": "Forged steel for every kitchen."}),
        ),
        (
            &seller_a,
            json!({"sku": "P5", "name": "Draft Headphones", "brand": "Sony", "category_id": headphones, "price_cents": 100, "stock": 1, "status": "draft"}),
        ),
    ];
    for (seller, overrides) in products {
        app.product(seller, &product_body(&headphones, overrides))
            .await;
    }
    Shop {
        app,
        seller_a,
        seller_b,
    }
}

async fn skus(app: &TestApp, query: &str) -> Vec<String> {
    let body = search(app, query).await;
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap().to_owned())
        .collect()
}

async fn search(app: &TestApp, query: &str) -> Value {
    let response = app.anonymous().search(query).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.unwrap()
}

#[actix_web::test]
async fn full_text_search_stems_ranks_and_understands_web_syntax() {
    let Shop { app, .. } = shop().await;
    let found = skus(&app, "q=headphone").await;
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(
        found[2], "P3",
        "a match in the description ranks below matches in the name"
    );
    assert_eq!(skus(&app, "q=HEADPHONES%20-wireless").await.len(), 2);
    assert_eq!(skus(&app, "q=%22noise%20cancelling%22").await, vec!["P2"]);
    assert_eq!(
        skus(&app, "q=cancel").await,
        vec!["P2"],
        "stemming: cancel ~ cancelling"
    );
    assert_eq!(
        skus(&app, "q=sony").await.len(),
        2,
        "brands are searched too"
    );
    assert!(
        !skus(&app, "q=draft").await.contains(&"P5".to_owned()),
        "drafts never appear"
    );
}

#[actix_web::test]
async fn injection_looking_input_is_just_text() {
    let Shop { app, .. } = shop().await;
    for query in [
        "q=%27%3B%20DROP%20TABLE%20products%3B%20--",
        "q=%27%20OR%201%3D1%20--",
        "brand=%27%20OR%20%271%27%3D%271",
        "q=%3A*%20%26%20%7C%20!",
    ] {
        let body = search(&app, query).await;
        assert_eq!(body["total"], 0, "{query}");
    }
    assert_eq!(
        search(&app, "").await["total"],
        4,
        "the table is still there"
    );
}

#[actix_web::test]
async fn each_filter_narrows_the_results() {
    let Shop {
        app,
        seller_a,
        seller_b,
    } = shop().await;
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        sorted(skus(&app, "category=electronics").await),
        ["P1", "P2", "P3"],
        "subcategories included"
    );
    assert_eq!(
        sorted(skus(&app, "category=headphones").await),
        ["P1", "P2"]
    );
    assert_eq!(skus(&app, "category=kitchen").await, ["P4"]);
    let headphones = search(&app, "category=headphones").await["items"][0]["category_id"].clone();
    assert_eq!(
        sorted(skus(&app, &format!("category={}", headphones.as_str().unwrap())).await),
        ["P1", "P2"],
        "a category by id as by slug"
    );
    assert_eq!(
        sorted(skus(&app, &format!("seller={}", seller_a.id)).await),
        ["P1", "P2"]
    );
    assert_eq!(sorted(skus(&app, "brand=sony").await), ["P1", "P3"]);
    assert_eq!(
        sorted(skus(&app, "min_price=5000&max_price=20000").await),
        ["P1", "P4"]
    );
    assert_eq!(
        skus(&app, "max_price=4999").await,
        ["P3"],
        "bounds are inclusive"
    );
    assert_eq!(
        sorted(skus(&app, "in_stock=true").await),
        ["P1", "P3", "P4"]
    );
    assert_eq!(skus(&app, "in_stock=false").await, ["P2"]);
    assert_eq!(
        skus(
            &app,
            "q=headphones&brand=bose&in_stock=false&category=audio"
        )
        .await,
        ["P2"]
    );

    let catalog = app.catalog(&seller_b, &json!({"name": "Picks"})).await;
    let all = search(&app, "").await;
    let p4 = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sku"] == "P4")
        .unwrap()
        .clone();
    let put = app
        .as_user(&seller_b)
        .add_to_catalog(&catalog, p4["id"].as_str().unwrap())
        .await;
    assert_eq!(put.status(), StatusCode::NO_CONTENT);
    assert_eq!(skus(&app, &format!("catalog={catalog}")).await, ["P4"]);
}

#[actix_web::test]
async fn min_rating_uses_the_review_average() {
    let Shop { app, .. } = shop().await;
    let all = search(&app, "").await;
    let id_of = |sku: &str| {
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["sku"] == sku)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for (sku, rating) in [("P4", 5), ("P1", 2)] {
        let customer = app.customer().await;
        let response = app
            .as_user(&customer)
            .review(
                &id_of(sku),
                &json!({"rating": rating, "title": "t", "body": "b"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    assert_eq!(skus(&app, "min_rating=4").await, ["P4"]);
    assert_eq!(
        skus(&app, "min_rating=2&sort=price_asc").await,
        ["P1", "P4"]
    );
    assert_eq!(
        skus(&app, "sort=rating").await[..2],
        ["P4", "P1"],
        "rated first, best first"
    );
}

#[actix_web::test]
async fn each_sort_orders_the_results() {
    let Shop { app, .. } = shop().await;
    assert_eq!(skus(&app, "sort=price_asc").await, ["P3", "P1", "P4", "P2"]);
    assert_eq!(
        skus(&app, "sort=price_desc").await,
        ["P2", "P4", "P1", "P3"]
    );
    assert_eq!(skus(&app, "sort=newest").await, ["P4", "P3", "P2", "P1"]);
    assert_eq!(
        skus(&app, "").await,
        ["P4", "P3", "P2", "P1"],
        "newest is the default without q"
    );
}

#[actix_web::test]
async fn a_text_search_pages_by_relevance_and_combines_with_stock_and_every_sort() {
    let Shop { app, .. } = shop().await;
    let ranked = skus(&app, "q=headphone").await;
    assert_eq!(ranked.len(), 3, "{ranked:?}");
    let mut paged = Vec::new();
    for page in 1..=4 {
        paged.extend(skus(&app, &format!("q=headphone&per_page=1&page={page}")).await);
    }
    assert_eq!(paged, ranked, "pages of one follow the relevance order");
    assert_eq!(
        skus(&app, "q=headphone&in_stock=true").await,
        ranked
            .iter()
            .filter(|sku| *sku != "P2")
            .cloned()
            .collect::<Vec<_>>(),
        "the sold-out product leaves, the order stays"
    );
    assert_eq!(skus(&app, "q=headphone&in_stock=false").await, ["P2"]);
    assert_eq!(
        skus(&app, "q=headphone&sort=price_asc").await,
        ["P3", "P1", "P2"]
    );
    assert_eq!(
        skus(&app, "q=headphone&sort=price_desc&per_page=2&page=2").await,
        ["P3"]
    );
    assert_eq!(
        skus(&app, "q=headphone&sort=rating").await,
        ["P1", "P2", "P3"],
        "unrated products in creation order"
    );
    assert_eq!(
        skus(&app, "q=headphone&sort=newest").await,
        ["P3", "P2", "P1"]
    );
}

#[actix_web::test]
async fn pages_cover_the_results_exactly_once() {
    let Shop { app, .. } = shop().await;
    let first = search(&app, "sort=price_asc&per_page=3").await;
    let second = search(&app, "sort=price_asc&per_page=3&page=2").await;
    let beyond = search(&app, "sort=price_asc&per_page=3&page=3").await;
    assert_eq!(
        (
            first["total"].as_i64(),
            second["total"].as_i64(),
            beyond["total"].as_i64()
        ),
        (Some(4), Some(4), Some(4))
    );
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    assert_eq!(second["items"][0]["sku"], "P2");
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert!(beyond["items"].as_array().unwrap().is_empty());
    assert_eq!(
        (second["page"].as_i64(), second["per_page"].as_i64()),
        (Some(2), Some(3))
    );
    assert_eq!(
        search(&app, "per_page=100").await["items"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[actix_web::test]
async fn facets_count_the_whole_result_set() {
    let Shop { app, .. } = shop().await;
    let facets = search(&app, "per_page=1").await["facets"].clone();
    let brands: Vec<(String, i64)> = facets["brands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["value"].as_str().unwrap().to_owned(),
                b["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(brands.len(), 3, "{brands:?}");
    assert_eq!(
        brands[0].0.to_lowercase(),
        "sony",
        "Sony and SONY are one brand: {brands:?}"
    );
    assert_eq!(brands[0].1, 2);
    let categories: Vec<(String, i64)> = facets["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["slug"].as_str().unwrap().to_owned(),
                c["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(categories[0], ("headphones".to_owned(), 2));
    assert_eq!(categories.len(), 3);
    let prices: Vec<(i64, i64)> = facets["price"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["min_cents"].as_i64().unwrap(),
                p["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(prices, vec![(2500, 1), (5000, 1), (10000, 1), (25000, 1)]);

    let narrowed = search(&app, "q=headphone").await["facets"].clone();
    let total: i64 = narrowed["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 3, "facets follow the query");
}

#[actix_web::test]
async fn invalid_parameters_are_named() {
    let Shop { app, .. } = shop().await;
    for (query, field) in [
        ("min_price=abc", "min_price"),
        ("max_price=-1", "max_price"),
        ("min_price=500&max_price=100", "min_price"),
        ("min_rating=7", "min_rating"),
        ("in_stock=maybe", "in_stock"),
        ("sort=cheapest", "sort"),
        ("sort=relevance", "sort"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("page=x", "page"),
        ("seller=x", "seller"),
        ("catalog=x", "catalog"),
        ("category=no-such-category", "category"),
    ] {
        assert_invalid_field(app.anonymous().search(query).await, field).await;
    }
}

#[actix_web::test]
async fn a_seeded_catalog_is_searched_faceted_and_sold_by_its_sellers() {
    let settings = test_settings();
    let seeded = bazaar_command(&settings)
        .args(["seed", "--products", "300"])
        .output()
        .expect("run bazaar seed");
    let stdout = String::from_utf8_lossy(&seeded.stdout);
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    assert!(stdout.contains("seeded 300 products"), "{stdout}");

    let app = spawn_app_with(settings).await;
    let everything = search(&app, "per_page=5").await;
    assert_eq!(everything["total"], 300);
    let leaf = &everything["facets"]["categories"][0];
    let in_leaf = search(
        &app,
        &format!("category={}", leaf["slug"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        in_leaf["total"], leaf["count"],
        "the facet counts what the filter finds"
    );
    let tree: Value = app.anonymous().categories().await.json().await.unwrap();
    let mut in_tree = 0;
    for top in tree.as_array().unwrap() {
        let slug = top["slug"].as_str().unwrap();
        in_tree += search(&app, &format!("category={slug}&per_page=1")).await["total"]
            .as_i64()
            .unwrap();
    }
    assert_eq!(
        in_tree, 300,
        "every product sits under one top-level category"
    );
    let laptops = search(&app, "q=laptops&per_page=100").await;
    let names: Vec<&str> = laptops["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["name"].as_str().unwrap())
        .collect();
    assert!(!names.is_empty(), "the seed has laptops");
    assert!(
        names.iter().all(|name| name.contains("Laptop")),
        "stemmed: {names:?}"
    );
    let product = everything["items"][0]["id"].as_str().unwrap();
    assert!(app.available(product).await >= 0);
    let seller = app
        .anonymous()
        .login("seller1@seed.bazaar.test", bazaar::seed::SELLER_PASSWORD)
        .await;
    assert_eq!(seller.status(), StatusCode::OK);
}
