//! A crash in the middle of a flash sale: the server is killed with SIGKILL and started again.
//! Every order acknowledged to a client is in the database, nothing is sold twice, and holds
//! left behind expire. Once with buyers who only hold, once with buyers who pay in the checkout:
//! every purchase answered `paid` is paid, with its payment, after the restart.

use crate::helpers::{
    Bind, GOOD_CARD, TestDb, bazaar_command, checkout_body, paying_checkout_body, test_settings,
};
use bazaar::config::Settings;
use reqwest::StatusCode;
use serde_json::Value;
use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

fn start(settings: &Settings, port: u16) -> Child {
    bazaar_command(settings)
        .env("BAZAAR_LISTEN", format!("127.0.0.1:{port}"))
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

/// The stock of the hot product.
const STOCK: usize = 60;

/// What a sale cut short by SIGKILL left: the server, started again, and the database.
struct AfterTheCrash {
    server: Child,
    db: TestDb,
    product: Uuid,
    /// The orders answered 201 before the kill, with the status they were answered with.
    acknowledged: Vec<(Uuid, String)>,
}

/// Sells the hot product to 150 buyers (paying by card in the checkout if `paying`), kills the
/// server with SIGKILL in the middle of the sale and starts it again.
async fn sale_cut_short_by_a_kill(paying: bool) -> AfterTheCrash {
    let settings = test_settings();
    let db = bazaar::db::connect_and_migrate(&settings.database_url)
        .await
        .unwrap();
    let test_db = TestDb::connect(&settings.database_url).await;
    let keys = bazaar::JwtKeys::load_or_generate(&settings.jwt_key_file, Duration::from_secs(900))
        .unwrap();
    let product = bazaar::seed::hot_product(&db, STOCK as i64).await.unwrap();
    let buyers: Vec<(Uuid, String)> = (0..150)
        .map(|_| Uuid::now_v7())
        .map(|id| (id, keys.issue(id, bazaar::Role::Customer).unwrap().token))
        .collect();
    for (id, _) in &buyers {
        test_db
            .execute(
                "INSERT INTO users (id, email, password_hash, name, role, status)
                 VALUES ($1, $2, 'x', 'B', 'customer', 'active')",
                &[Bind::Uuid(*id), Bind::Text(format!("{id}@example.com"))],
            )
            .await;
    }
    // The server opens the database itself.
    db.close().await;

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
    let body = if paying {
        paying_checkout_body(&[(&product_id, 1)], GOOD_CARD)
    } else {
        checkout_body(&[(&product_id, 1)])
    };
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
                    let answer: Value = r.json().await.ok()?;
                    let order = answer["order"]["id"].as_str()?.parse::<Uuid>().ok()?;
                    Some((order, answer["order"]["status"].as_str()?.to_owned()))
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
        acknowledged.extend(attempt.await.unwrap());
    }

    assert!(!acknowledged.is_empty(), "the kill came before any sale");
    assert!(
        acknowledged.len() < STOCK,
        "the kill came after the stock sold out"
    );
    eprintln!("acknowledged before the kill: {}", acknowledged.len());

    let server = start(&settings, port);
    wait_until_up(&client, &base).await;
    AfterTheCrash {
        server,
        db: test_db,
        product,
        acknowledged,
    }
}

impl AfterTheCrash {
    /// Every acknowledged order is stored with at least the status it was answered with.
    async fn assert_acknowledged_orders_survived(&self) {
        for (order, answered) in &self.acknowledged {
            let status: Vec<(String,)> = self
                .db
                .rows(
                    "SELECT status FROM orders WHERE id = $1",
                    &[Bind::Uuid(*order)],
                )
                .await;
            let (status,) = status
                .into_iter()
                .next()
                .unwrap_or_else(|| panic!("acknowledged order {order} was lost"));
            if answered == "paid" {
                assert_eq!(status, "paid", "order {order} was answered paid");
            }
        }
    }

    /// Stock, open holds, sales and the ledger agree: nothing was sold twice.
    async fn assert_stock_agrees(&self) {
        let (held, sold) = (
            self.units_in("held").await,
            self.units_in("committed").await,
        );
        let (on_hand, reserved, ledger): (i64, i64, i64) = self
            .db
            .row(
                "SELECT on_hand, reserved, (SELECT CAST(sum(delta) AS BIGINT)
                     FROM inventory_movements WHERE product_id = $1)
                 FROM inventory WHERE product_id = $1",
                &[Bind::Uuid(self.product)],
            )
            .await;
        assert_eq!(reserved, held, "reserved is exactly the open holds");
        assert!(
            reserved <= on_hand && on_hand == ledger && on_hand + sold == STOCK as i64,
            "on hand {on_hand}, reserved {reserved}, ledger {ledger}, sold {sold}"
        );
    }

    /// Unpaid holds left behind expire (2 s) and go back on the shelf.
    async fn wait_until_holds_expired(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let reserved: i64 = self
                .db
                .value(
                    "SELECT reserved FROM inventory WHERE product_id = $1",
                    &[Bind::Uuid(self.product)],
                )
                .await;
            if reserved == 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "holds were not released after the restart"
            );
            actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The units of the holds in `state`.
    async fn units_in(&self, state: &str) -> i64 {
        self.db
            .value(
                "SELECT CAST(coalesce(sum(qty), 0) AS BIGINT) FROM holds WHERE state = $1",
                &[Bind::from(state)],
            )
            .await
    }

    /// The number of orders in `status`.
    async fn orders_in(&self, status: &str) -> i64 {
        self.db
            .count(
                "SELECT count(*) FROM orders WHERE status = $1",
                &[Bind::from(status)],
            )
            .await
    }

    fn stop(mut self) {
        self.server.kill().unwrap();
        self.server.wait().unwrap();
    }
}

#[actix_web::test]
async fn a_killed_server_loses_no_acknowledged_order_and_oversells_nothing() {
    let crash = sale_cut_short_by_a_kill(false).await;
    crash.assert_acknowledged_orders_survived().await;
    crash.assert_stock_agrees().await;
    crash.wait_until_holds_expired().await;
    let orders = crash.db.count("SELECT count(*) FROM orders", &[]).await;
    assert_eq!(crash.orders_in("expired").await, orders);
    crash.stop();
}

#[actix_web::test]
async fn a_killed_server_loses_no_acknowledged_payment_and_sells_only_what_was_paid() {
    let crash = sale_cut_short_by_a_kill(true).await;
    assert!(
        crash
            .acknowledged
            .iter()
            .all(|(_, status)| status == "paid"),
        "the test card pays every purchase"
    );
    crash.assert_acknowledged_orders_survived().await;
    crash.assert_stock_agrees().await;
    crash.wait_until_holds_expired().await;
    crash.assert_stock_agrees().await;

    // Every paid order has exactly one succeeded payment, of its total; no other order has one.
    let unmatched = crash
        .db
        .count(
            "SELECT count(*) FROM orders o
             WHERE (o.status = 'paid') <> ((SELECT count(*) FROM payments p
                 WHERE p.order_id = o.id AND p.status = 'succeeded') = 1)
                OR EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id
                    AND p.status = 'succeeded' AND p.amount_cents <> o.total_cents)",
            &[],
        )
        .await;
    assert_eq!(
        unmatched, 0,
        "paid orders and their payments match one to one"
    );
    let paid = crash.orders_in("paid").await;
    assert!(paid as usize >= crash.acknowledged.len());
    let orders = crash.db.count("SELECT count(*) FROM orders", &[]).await;
    assert_eq!(
        paid + crash.orders_in("expired").await,
        orders,
        "an order cut off before its payment expires"
    );
    crash.stop();
}
