//! Bulk import: CSV and NDJSON, good, bad and duplicate rows, upserts, stock and the ledger.

use crate::helpers::{Bind, TestApp, TestUser, assert_invalid_field, assert_problem, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn catalog_of(app: &TestApp, seller: &TestUser) -> String {
    app.catalog(seller, &json!({"name": "Feed"})).await
}

async fn report(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn failed_lines(report: &Value) -> Vec<(u64, Vec<String>)> {
    report["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|failure| {
            let fields = failure["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect();
            (failure["line"].as_u64().unwrap(), fields)
        })
        .collect()
}

async fn stock_of(app: &TestApp, seller: &TestUser, sku: &str) -> (i64, i64) {
    app.db
        .row(
            "SELECT i.on_hand, (SELECT CAST(coalesce(sum(delta), 0) AS BIGINT)
                 FROM inventory_movements m WHERE m.product_id = p.id)
             FROM products p JOIN inventory i ON i.product_id = p.id
             WHERE p.sku = $1 AND p.seller_id = $2",
            &[Bind::from(sku), Bind::Uuid(seller.id.parse().unwrap())],
        )
        .await
}

#[actix_web::test]
async fn csv_rows_land_and_bad_rows_are_reported_by_line() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let seller = app.seller().await;
    let catalog = catalog_of(&app, &seller).await;
    let csv = format!(
        "sku,name,description,brand,category_id,price_cents,currency,stock,status,images\n\
         MUG-1,Blue Mug,\"Holds coffee, tea\nand soup\",Acme,{category},1299,EUR,10,,https://cdn.example.com/1.jpg|https://cdn.example.com/2.jpg\n\
         MUG-2,Red Mug,,Acme,{category},abc,EUR,5,published,\n\
         MUG-3,,,,{category},1299,EUR,5,,\n\
         MUG-4,Green Mug,,,0192f0c1-0000-7000-8000-000000000000,1299,EUR,5,,\n\
         MUG-5,Draft Mug,,,{category},999,usd,,draft,\n\
         MUG-6,Too,Many,Fields,{category},1,EUR,1,,,extra\n"
    );
    let report = report(app.as_user(&seller).import(&catalog, "text/csv", csv).await).await;
    assert_eq!(
        (report["created"].as_u64(), report["updated"].as_u64()),
        (Some(2), Some(0)),
        "{report}"
    );
    assert_eq!(
        failed_lines(&report),
        vec![
            (4, vec!["price_cents".to_owned()]),
            (5, vec!["name".to_owned()]),
            (6, vec!["category_id".to_owned()]),
            (8, vec!["line".to_owned()]),
        ],
        "lines count the header and the quoted line break"
    );
    let listed: Value = app
        .as_user(&seller)
        .catalog(&catalog, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["products"]["total"], 2,
        "imported products join the catalog"
    );
    let blue = listed["products"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sku"] == "MUG-1")
        .unwrap();
    assert_eq!(blue["description"], "Holds coffee, tea\nand soup");
    assert_eq!(blue["images"].as_array().unwrap().len(), 2);
    assert_eq!(stock_of(&app, &seller, "MUG-1").await, (10, 10));
    let draft = listed["products"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sku"] == "MUG-5")
        .unwrap();
    assert_eq!(
        (
            draft["status"].as_str(),
            draft["currency"].as_str(),
            draft["available"].as_i64()
        ),
        (Some("draft"), Some("USD"), Some(0))
    );
}

#[actix_web::test]
async fn re_importing_updates_by_sku_and_moves_stock_through_the_ledger() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let seller = app.seller().await;
    let catalog = catalog_of(&app, &seller).await;
    let first = format!(
        "sku,name,category_id,price_cents,currency,stock\nA,Alpha,{category},100,EUR,10\nB,Beta,{category},200,EUR,5\n"
    );
    report(
        app.as_user(&seller)
            .import(&catalog, "text/csv", first)
            .await,
    )
    .await;
    let product: Value = app
        .anonymous()
        .search("q=alpha")
        .await
        .json()
        .await
        .unwrap();
    let alpha_id = product["items"][0]["id"].as_str().unwrap();
    assert_eq!(app.product_page(alpha_id).await["price_cents"], 100);

    // A without stock (keeps it), B with new stock, C new, and A again later in the file.
    let second = format!(
        "sku,name,category_id,price_cents,currency,stock\nA,Alpha Two,{category},150,EUR,\nB,Beta,{category},200,EUR,2\nC,Gamma,{category},300,EUR,7\nA,Alpha Three,{category},175,EUR,12\n"
    );
    let report = report(
        app.as_user(&seller)
            .import(&catalog, "text/csv", second)
            .await,
    )
    .await;
    assert_eq!(
        (report["created"].as_u64(), report["updated"].as_u64()),
        (Some(1), Some(3)),
        "{report}"
    );
    assert!(report["failed"].as_array().unwrap().is_empty());
    assert_eq!(stock_of(&app, &seller, "A").await, (12, 12));
    assert_eq!(stock_of(&app, &seller, "B").await, (2, 2));
    assert_eq!(stock_of(&app, &seller, "C").await, (7, 7));
    let alpha = app.product_page(alpha_id).await;
    assert_eq!(
        (alpha["name"].as_str(), alpha["price_cents"].as_i64()),
        (Some("Alpha Three"), Some(175)),
        "the cache was invalidated"
    );
    assert_eq!(app.count("SELECT count(*) FROM products").await, 3);
}

#[actix_web::test]
async fn ndjson_rows_are_validated_like_single_creates() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let seller = app.seller().await;
    let catalog = catalog_of(&app, &seller).await;
    let rows = [
        json!({"sku": "N1", "name": "One", "category_id": category, "price_cents": 100, "currency": "EUR", "stock": 3, "attributes": {"size": "L"}}).to_string(),
        String::new(),
        json!({"sku": "N2", "name": "Two", "category_id": category, "price_cents": 0, "currency": "EUR"}).to_string(),
        "{not json".to_owned(),
        json!({"sku": "N3", "name": "Three", "category_id": category, "price_cents": 100, "currency": "EUR", "seller_id": seller.id}).to_string(),
        "[1, 2]".to_owned(),
        json!({"sku": "N4", "name": "Four", "category_id": category, "price_cents": 100, "currency": "EUR"}).to_string(),
    ];
    let report = report(
        app.as_user(&seller)
            .import(&catalog, "application/x-ndjson", rows.join("\n"))
            .await,
    )
    .await;
    assert_eq!(report["created"], 2, "{report}");
    assert_eq!(
        failed_lines(&report),
        vec![
            (3, vec!["price_cents".to_owned()]),
            (4, vec!["line".to_owned()]),
            (5, vec!["seller_id".to_owned()]),
            (6, vec!["line".to_owned()])
        ]
    );
    assert_eq!(stock_of(&app, &seller, "N1").await, (3, 3));
}

#[actix_web::test]
async fn imports_are_for_the_catalog_owner_and_well_formed_files() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let (owner, other) = (app.seller().await, app.seller().await);
    let catalog = catalog_of(&app, &owner).await;
    let csv = format!("sku,name,category_id,price_cents,currency\nA,Alpha,{category},100,EUR\n");
    let forbidden = app
        .as_user(&other)
        .import(&catalog, "text/csv", csv.clone())
        .await;
    assert_problem(forbidden, StatusCode::FORBIDDEN, "forbidden").await;
    let missing = app
        .as_user(&owner)
        .import(
            "0192f0c1-0000-7000-8000-000000000000",
            "text/csv",
            csv.clone(),
        )
        .await;
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
    let wrong_type = app
        .as_user(&owner)
        .import(&catalog, "application/pdf", csv)
        .await;
    assert_problem(
        wrong_type,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let unknown_column = app
        .as_user(&owner)
        .import(
            &catalog,
            "text/csv",
            "sku,name,category_id,price_cents,currency,seller_id\n".into(),
        )
        .await;
    assert_invalid_field(unknown_column, "columns").await;
    let missing_column = app
        .as_user(&owner)
        .import(&catalog, "text/csv", "sku,name\nA,B\n".into())
        .await;
    assert_invalid_field(missing_column, "columns").await;
    assert_eq!(app.count("SELECT count(*) FROM products").await, 0);
}

#[actix_web::test]
async fn a_large_file_imports_in_batches() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let seller = app.seller().await;
    let catalog = catalog_of(&app, &seller).await;
    let mut csv = String::from("sku,name,category_id,price_cents,currency,stock\n");
    for n in 0..2_500 {
        csv.push_str(&format!(
            "BULK-{n},Bulk item {n},{category},{},EUR,{}\n",
            100 + n,
            n % 7
        ));
    }
    csv.push_str(&format!("BULK-BAD,,{category},100,EUR,1\n"));
    let report = report(app.as_user(&seller).import(&catalog, "text/csv", csv).await).await;
    assert_eq!(report["created"], 2_500);
    assert_eq!(
        failed_lines(&report),
        vec![(2_502, vec!["name".to_owned()])]
    );
    let (products, ledger_off): (i64, i64) = app
        .db
        .row(
            "SELECT count(*), CAST(coalesce(sum(CASE WHEN i.on_hand = (SELECT coalesce(sum(delta), 0)
                 FROM inventory_movements m WHERE m.product_id = i.product_id) THEN 0 ELSE 1 END), 0)
                 AS BIGINT)
             FROM inventory i",
            &[],
        )
        .await;
    assert_eq!(
        (products, ledger_off),
        (2_500, 0),
        "on_hand equals the ledger"
    );
}

#[actix_web::test]
async fn a_re_import_reaches_the_running_inventory_actor() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let seller = app.seller().await;
    let catalog = catalog_of(&app, &seller).await;
    let as_seller = app.as_user(&seller);
    let csv = |stock: i64| {
        format!(
            "sku,name,category_id,price_cents,currency,stock\nLIVE,Live,{category},100,EUR,{stock}\n"
        )
    };
    report(as_seller.import(&catalog, "text/csv", csv(5)).await).await;
    let found: Value = app.anonymous().search("q=live").await.json().await.unwrap();
    let id = found["items"][0]["id"].as_str().unwrap();
    let before: Value = as_seller.inventory(id).await.json().await.unwrap();
    assert_eq!(before["on_hand"], 5, "the actor is running now");

    report(as_seller.import(&catalog, "text/csv", csv(9)).await).await;
    let after: Value = as_seller.inventory(id).await.json().await.unwrap();
    assert_eq!(after["on_hand"], 9);
    assert_eq!(app.available(id).await, 9);
}

#[actix_web::test]
async fn a_flood_of_bad_rows_reports_the_first_thousand_and_counts_the_rest() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let seller = app.seller().await;
    let catalog = catalog_of(&app, &seller).await;
    let mut csv = String::from("sku,name,category_id,price_cents,currency\n");
    csv.push_str(&"x\n".repeat(5_000));
    csv.push_str(&format!("LAST,Last,{category},100,EUR\n"));
    let report = report(app.as_user(&seller).import(&catalog, "text/csv", csv).await).await;
    let failed = failed_lines(&report);
    assert_eq!(failed.len(), 1_000, "the report lists the first 1,000");
    assert_eq!((failed[0].0, failed[999].0), (2, 1_001), "in file order");
    assert_eq!(report["failed_count"], 5_000, "and counts them all");
    assert_eq!(report["created"], 1, "a good row after them still lands");
}

#[actix_web::test]
async fn an_overlong_line_or_cell_fails_its_row_alone() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let seller = app.seller().await;
    let catalog = catalog_of(&app, &seller).await;
    let as_seller = app.as_user(&seller);
    let line = "d".repeat(70 * 1024);
    let cell = "c".repeat(50_000);
    let csv = format!(
        "sku,name,description,category_id,price_cents,currency\n\
         A,Alpha,{line},{category},100,EUR\n\
         B,Beta,\"{cell}\",{category},100,EUR\n\
         C,Gamma,,{category},100,EUR\n"
    );
    let csv_report = report(as_seller.import(&catalog, "text/csv", csv).await).await;
    assert_eq!(
        failed_lines(&csv_report),
        vec![
            (2, vec!["line".to_owned()]),
            (3, vec!["description".to_owned()])
        ],
        "{csv_report}"
    );
    assert!(
        csv_report["failed"][1]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("longer than 40000 bytes"),
        "the cell cap, not the description's own limit: {csv_report}"
    );
    assert_eq!(csv_report["created"], 1);

    let ndjson = format!(
        "{{\"sku\":\"D\",\"name\":\"{line}\"}}\n\
         {{\"sku\":\"E\",\"name\":\"Epsilon\",\"category_id\":\"{category}\",\"price_cents\":1,\"currency\":\"EUR\"}}\n"
    );
    let ndjson_report = report(
        as_seller
            .import(&catalog, "application/x-ndjson", ndjson)
            .await,
    )
    .await;
    assert_eq!(
        failed_lines(&ndjson_report),
        vec![(1, vec!["line".to_owned()])],
        "{ndjson_report}"
    );
    assert_eq!(ndjson_report["created"], 1);
}

#[actix_web::test]
async fn a_seller_runs_one_import_at_a_time() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let (seller, other) = (app.seller().await, app.seller().await);
    let catalog = catalog_of(&app, &seller).await;
    let other_catalog = catalog_of(&app, &other).await;
    let header = "sku,name,category_id,price_cents,currency\n";
    // One full batch of rows (the importer writes 500 at a time) is written while the upload is
    // still open, which shows that the import has started; the last row is held back.
    let batch: String = (0..500)
        .map(|n| format!("FIRST-{n},First {n},{category},100,EUR\n"))
        .collect();
    let last = format!("LAST,Last,{category},100,EUR\n");

    let host = app.address.trim_start_matches("http://");
    let mut slow = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!(
        "POST /api/v1/catalogs/{catalog}/import HTTP/1.1\r\nhost: {host}\r\n\
         authorization: Bearer {}\r\ncontent-type: text/csv\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{header}{batch}",
        seller.access_token,
        header.len() + batch.len() + last.len()
    );
    slow.write_all(request.as_bytes()).await.unwrap();
    let as_seller = app.as_user(&seller);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let view = as_seller.catalog(&catalog, "").await;
        assert_eq!(view.status(), StatusCode::OK);
        let view: Value = view.json().await.unwrap();
        let total = view["products"]["total"].as_u64().expect("a product count");
        if total > 0 {
            assert_eq!(total, 500, "the first batch is written whole");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the first import writes its first batch: {view}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let second = as_seller.import(&catalog, "text/csv", header.into()).await;
    assert_problem(second, StatusCode::CONFLICT, "import_in_progress").await;
    let elsewhere = app
        .as_user(&other)
        .import(&other_catalog, "text/csv", header.into())
        .await;
    report(elsewhere).await;

    slow.write_all(last.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut slow, &mut answer)
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"created\":501"), "{answer}");
    let next = as_seller.import(&catalog, "text/csv", header.into()).await;
    report(next).await;
}

#[actix_web::test]
async fn the_report_never_quotes_a_row_at_length() {
    let app = spawn_app().await;
    let seller = app.seller().await;
    let catalog = catalog_of(&app, &seller).await;
    let key = "k".repeat(60_000);
    let ndjson = format!("{{\"{key}\": 1}}\n{{\"sku\": \"{key}\"}}\n");
    let report = report(
        app.as_user(&seller)
            .import(&catalog, "application/x-ndjson", ndjson)
            .await,
    )
    .await;
    assert_eq!(report["failed_count"], 2, "{report}");
    let shown = report.to_string();
    assert!(shown.len() < 4_000, "{} bytes of report", shown.len());
}

#[actix_web::test]
async fn a_bare_carriage_return_never_hides_a_row() {
    let app = spawn_app().await;
    let category = app.category("Mugs", None).await;
    let seller = app.seller().await;
    let catalog = catalog_of(&app, &seller).await;
    let csv = format!(
        "sku,name,category_id,price_cents,currency\r\n\
         A,Alpha,{category},100,EUR\rB,Beta,{category},100,EUR\r\n\
         C,Gamma,{category},100,EUR\r\n"
    );
    let report = report(app.as_user(&seller).import(&catalog, "text/csv", csv).await).await;
    assert_eq!(
        (report["created"].as_u64(), report["failed_count"].as_u64()),
        (Some(1), Some(1)),
        "every row is created or reported: {report}"
    );
    assert_eq!(failed_lines(&report), vec![(2, vec!["line".to_owned()])]);
}
