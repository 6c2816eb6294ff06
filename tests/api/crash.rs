//! A crash in the middle of a flash sale: the server is killed with SIGKILL and started again.
//! Every order acknowledged to a client is in the database, nothing is sold twice, and holds
//! left behind expire.

use crate::helpers::{checkout_body, test_settings};
use bazaar::config::Settings;
use reqwest::StatusCode;
use serde_json::Value;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

fn start(settings: &Settings, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_bazaar"))
        .env("BAZAAR_LISTEN", format!("127.0.0.1:{port}"))
        .env("BAZAAR_DATABASE_URL", &settings.database_url)
        .env("BAZAAR_REDIS_PREFIX", &settings.redis_prefix)
        .env("BAZAAR_JWT_KEY_FILE", &settings.jwt_key_file)
        .env("BAZAAR_RATE_LIMIT", "off")
        .env("BAZAAR_HOLD_TTL_SECS", "2")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("start bazaar")
}

async fn wait_until_up(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "bazaar did not start");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn a_killed_server_loses_no_acknowledged_order_and_oversells_nothing() {
    let settings = test_settings();
    let db = bazaar::db::connect_and_migrate(&settings.database_url)
        .await
        .unwrap();
    let pool = db.postgres().unwrap().clone();
    let keys = bazaar::JwtKeys::load_or_generate(&settings.jwt_key_file, Duration::from_secs(900))
        .unwrap();
    let product = bazaar::seed::hot_product(&db, 60).await.unwrap();
    let buyers: Vec<(Uuid, String)> = (0..150)
        .map(|_| Uuid::now_v7())
        .map(|id| (id, keys.issue(id, bazaar::Role::Customer).unwrap().token))
        .collect();
    for (id, _) in &buyers {
        sqlx::query("INSERT INTO users (id, email, password_hash, name, role, status) VALUES ($1, $2, 'x', 'B', 'customer', 'active')")
            .bind(id).bind(format!("{id}@example.com")).execute(&pool).await.unwrap();
    }

    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut server = start(&settings, port);
    wait_until_up(&client, &base).await;

    let product_id = product.to_string();
    let body = checkout_body(&[(&product_id, 1)]);
    let sold = Arc::new(AtomicUsize::new(0));
    let attempts = buyers.iter().enumerate().map(|(i, (_, token))| {
        let (client, base, body) = (client.clone(), base.clone(), body.clone());
        let (token, sold) = (token.clone(), sold.clone());
        actix_web::rt::spawn(async move {
            // Spread over time so the kill lands in the middle of the sale.
            actix_web::rt::time::sleep(Duration::from_millis(i as u64 * 2)).await;
            let response = client
                .post(format!("{base}/api/v1/checkout"))
                .bearer_auth(token)
                .header("Idempotency-Key", format!("crash-{i}"))
                .json(&body)
                .send()
                .await;
            match response {
                Ok(r) if r.status() == StatusCode::CREATED => {
                    sold.fetch_add(1, Ordering::Relaxed);
                    r.json::<Value>()
                        .await
                        .ok()
                        .map(|b| b["order"]["id"].as_str().unwrap_or_default().to_owned())
                }
                _ => None,
            }
        })
    });
    let attempts: Vec<_> = attempts.collect();
    // Kill once the sale is under way, whatever the speed of this machine.
    let deadline = Instant::now() + Duration::from_secs(30);
    while sold.load(Ordering::Relaxed) < 5 && Instant::now() < deadline {
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    let mut acknowledged = Vec::new();
    for attempt in attempts {
        if let Some(order) = attempt.await.unwrap() {
            acknowledged.push(order.parse::<Uuid>().unwrap());
        }
    }

    assert!(!acknowledged.is_empty(), "the kill came before any sale");
    assert!(
        acknowledged.len() < 60,
        "the kill came after the stock sold out"
    );
    eprintln!("acknowledged before the kill: {}", acknowledged.len());

    let mut server = start(&settings, port);
    wait_until_up(&client, &base).await;
    let found: i64 = sqlx::query_scalar("SELECT count(*) FROM orders WHERE id = ANY($1)")
        .bind(&acknowledged)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        found as usize,
        acknowledged.len(),
        "every acknowledged order survived the crash"
    );
    let held: i64 =
        sqlx::query_scalar("SELECT coalesce(sum(qty), 0)::bigint FROM holds WHERE state = 'held'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let (on_hand, reserved, ledger): (i64, i64, i64) = sqlx::query_as(
        "SELECT on_hand, reserved, (SELECT sum(delta)::bigint FROM inventory_movements WHERE product_id = $1) FROM inventory WHERE product_id = $1",
    )
    .bind(product)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(reserved, held, "reserved is exactly the open holds");
    assert!(
        reserved <= on_hand && on_hand == ledger && on_hand == 60,
        "({on_hand}, {reserved}, {ledger})"
    );

    // The unpaid holds of the acknowledged orders expire (2 s) and go back on the shelf.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let reserved: i64 =
            sqlx::query_scalar("SELECT reserved FROM inventory WHERE product_id = $1")
                .bind(product)
                .fetch_one(&pool)
                .await
                .unwrap();
        if reserved == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "holds were not released after the restart"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    let expired: i64 = sqlx::query_scalar("SELECT count(*) FROM orders WHERE status = 'expired'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(expired, orders);
    server.kill().unwrap();
    server.wait().unwrap();
}
