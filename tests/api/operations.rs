//! Liveness, readiness, metrics, request ids, the OpenAPI document, `/docs` and shutdown.

use crate::helpers::{
    assert_problem, bazaar_command, deployment_settings, spawn_app, spawn_app_with, test_settings,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[actix_web::test]
async fn healthz_and_readyz_answer_when_everything_is_up() {
    let app = spawn_app().await;
    let health = app.anonymous().healthz().await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.json::<Value>().await.unwrap()["status"], "ok");
    let ready = app.anonymous().readyz().await;
    assert_eq!(ready.status(), StatusCode::OK);
    let body: Value = ready.json().await.unwrap();
    let redis = app.settings.redis_url.as_ref().map(|_| "up");
    assert_eq!(
        (body["postgres"].as_str(), body["redis"].as_str()),
        (Some("up"), redis),
        "Redis is reported when the server has it"
    );
}

#[actix_web::test]
async fn without_redis_the_server_is_ready_and_keeps_carts_and_logouts_across_a_restart() {
    let mut settings = test_settings();
    settings.redis_url = None;
    let first = spawn_app_with(settings.clone()).await;
    let ready: Value = first.anonymous().readyz().await.json().await.unwrap();
    assert_eq!(
        (ready["status"].as_str(), ready.get("redis")),
        (Some("ready"), None)
    );
    let (_, mug) = first.stocked_product(5, json!({})).await;
    let (shopper, leaver) = (first.customer().await, first.customer().await);
    let added = first
        .as_user(&shopper)
        .add_to_cart(&json!({"product_id": mug, "qty": 3}))
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    let logout = first.as_user(&leaver).logout(&leaver.refresh_token).await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        first.as_user(&leaver).me().await.status(),
        StatusCode::UNAUTHORIZED
    );
    first.handle.stop(true).await;

    let restarted = spawn_app_with(settings).await;
    let cart: Value = restarted
        .as_user(&shopper)
        .cart()
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            cart["items"][0]["product_id"].as_str(),
            cart["items"][0]["qty"].as_i64()
        ),
        (Some(mug.as_str()), Some(3)),
        "the cart is in the database"
    );
    assert_eq!(
        restarted.as_user(&leaver).me().await.status(),
        StatusCode::UNAUTHORIZED,
        "the logout is in the database"
    );
    assert_eq!(
        restarted.as_user(&shopper).me().await.status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_second_server_of_a_one_process_deployment_is_refused() {
    // The embedded database, or PostgreSQL without Redis: nothing would keep two processes'
    // carts, caches and revocations in step.
    let mut settings = test_settings();
    settings.redis_url = None;
    let first = spawn_app_with(settings.clone()).await;
    let second = bazaar::startup::Application::build(settings.clone()).await;
    let refusal = second
        .err()
        .expect("a second server is refused")
        .to_string();
    assert!(refusal.contains("serves this database"), "{refusal}");
    // Once the first has stopped, a server starts again.
    first.handle.stop(true).await;
    let restarted = spawn_app_with(settings).await;
    assert_eq!(
        restarted.anonymous().healthz().await.status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_previous_release_restarts_on_a_database_a_newer_release_migrated() {
    // During a rolling deploy a process of the previous release may restart after the new one
    // migrated: it finds a migration it does not know.
    let Some(settings) = deployment_settings() else {
        return;
    };
    let running = spawn_app_with(settings.clone()).await;
    running
        .db
        .execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (99991231000001, 'a later release', true, '\\x00', 0)",
            &[],
        )
        .await;
    let restarted = spawn_app_with(settings).await;
    assert_eq!(
        restarted.anonymous().healthz().await.status(),
        StatusCode::OK
    );
}

/// What the binary prints on standard error when it refuses to start with `database_url`.
fn start_up_refusal(settings: &bazaar::config::Settings, database_url: &str) -> String {
    let started = bazaar_command(settings)
        .env("BAZAAR_DATABASE_URL", database_url)
        .env("BAZAAR_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::null())
        .output()
        .expect("run the server");
    assert!(!started.status.success(), "{database_url} is refused");
    let refusal = String::from_utf8(started.stderr).unwrap();
    assert_eq!(refusal.trim_end().lines().count(), 1, "one line: {refusal}");
    assert!(!refusal.contains("panicked"), "{refusal}");
    refusal
}

#[actix_web::test]
async fn a_database_that_cannot_be_used_stops_start_up_with_one_line_naming_it() {
    let settings = test_settings();
    let scratch = std::env::temp_dir().join(format!("bazaar-refusals-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&scratch).unwrap();

    let unknown = start_up_refusal(&settings, "mysql://shop:s3cret@127.0.0.1/shop");
    assert!(unknown.contains("BAZAAR_DATABASE_URL"), "{unknown}");
    assert!(
        unknown.contains("sqlite://"),
        "says what to write: {unknown}"
    );
    assert!(
        !unknown.contains("s3cret"),
        "no password in logs: {unknown}"
    );

    // A directory that cannot be created: its parent is a file.
    let file = scratch.join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let unwritable = start_up_refusal(
        &settings,
        &format!("sqlite://{}/data/bazaar.db", file.display()),
    );
    assert!(unwritable.contains("BAZAAR_DATABASE_URL"), "{unwritable}");
    assert!(
        unwritable.contains(&format!("{}/data", file.display())),
        "{unwritable}"
    );

    let corrupt = scratch.join("corrupt.db");
    std::fs::write(&corrupt, vec![0x5a_u8; 8192]).unwrap();
    let refusal = start_up_refusal(&settings, &format!("sqlite://{}", corrupt.display()));
    assert!(
        refusal.contains(&corrupt.display().to_string()),
        "{refusal}"
    );
    assert!(refusal.contains("not a database"), "{refusal}");

    // A file another server holds: the refusal names that process (this test's).
    let mut held = test_settings();
    held.database_url = format!("sqlite://{}", scratch.join("held.db").display());
    held.redis_url = None;
    let _holder = spawn_app_with(held.clone()).await;
    let locked = start_up_refusal(&held, &held.database_url);
    assert!(
        locked.contains(&format!("process {} serves", std::process::id())),
        "{locked}"
    );
    assert!(locked.contains("held.db.lock"), "{locked}");
    std::fs::remove_dir_all(&scratch).ok();
}

#[actix_web::test]
async fn readyz_is_503_with_retry_after_when_redis_does_not_answer() {
    let mut settings = test_settings();
    settings.redis_url = Some("redis://127.0.0.1:1".into());
    let app = spawn_app_with(settings).await;
    let response = app.anonymous().readyz().await;
    assert!(response.headers().contains_key("retry-after"));
    let body = assert_problem(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
    )
    .await;
    assert!(
        !body["detail"].as_str().unwrap().contains("127.0.0.1"),
        "no internals: {body}"
    );
    // Liveness does not depend on Redis.
    assert_eq!(app.anonymous().healthz().await.status(), StatusCode::OK);
}

/// A private redis-server on a free port, killed on drop.
struct OwnRedis {
    port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    fn start(port: u16) -> Child {
        Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed")
    }

    fn new() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self {
            port,
            child: Some(Self::start(port)),
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    fn restart(&mut self) {
        self.stop();
        self.child = Some(Self::start(self.port));
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn wait_for_status(app: &crate::helpers::TestApp, status: StatusCode) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let current = app.anonymous().readyz().await.status();
        if current == status {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "readyz stayed {current}, expected {status}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn readyz_recovers_without_a_restart_when_redis_returns() {
    // A Redis deployment (and a redis-server binary to start).
    if crate::helpers::deployment_settings().is_none() {
        return;
    }
    let mut redis = OwnRedis::new();
    let mut settings = test_settings();
    settings.redis_url = Some(format!("redis://127.0.0.1:{}", redis.port));
    let app = spawn_app_with(settings).await;
    wait_for_status(&app, StatusCode::OK).await;
    redis.stop();
    wait_for_status(&app, StatusCode::SERVICE_UNAVAILABLE).await;
    redis.restart();
    wait_for_status(&app, StatusCode::OK).await;
}

#[actix_web::test]
async fn every_response_carries_a_fresh_request_id() {
    let app = spawn_app().await;
    let first = app.anonymous().healthz().await;
    let second = app.get("/no/such/route", None).await;
    let id = |r: &reqwest::Response| r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let (a, b) = (id(&first), id(&second));
    assert_ne!(a, b);
    assert!(uuid::Uuid::parse_str(&a).is_ok(), "{a}");
}

#[actix_web::test]
async fn metrics_count_requests_by_route_and_status_with_a_latency_histogram() {
    let app = spawn_app().await;
    app.anonymous().healthz().await;
    app.anonymous().me().await;
    let public = app.get("/metrics", None).await;
    assert_problem(public, StatusCode::NOT_FOUND, "not_found").await;
    let response = app.metrics().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    let counted = |route: &str, status: &str| {
        text.lines().any(|line| {
            line.starts_with("http_requests_total{")
                && line.contains(&format!("route=\"{route}\""))
                && line.contains(&format!("status=\"{status}\""))
        })
    };
    assert!(counted("/healthz", "200"), "{text}");
    assert!(counted("/api/v1/users/me", "401"), "{text}");
    assert!(
        text.contains("http_request_duration_seconds_bucket{"),
        "{text}"
    );
}

#[actix_web::test]
async fn the_openapi_document_lists_every_route() {
    let app = spawn_app().await;
    let doc: Value = app.anonymous().openapi().await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let expected = [
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/.well-known/jwks.json", "get"),
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/activate", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/activation/resend", "post"),
        ("/api/v1/auth/password/forgot", "post"),
        ("/api/v1/auth/password/reset", "post"),
        ("/api/v1/users/me", "get"),
        ("/api/v1/users/me", "patch"),
        ("/api/v1/users/me/addresses", "get"),
        ("/api/v1/users/me/addresses", "post"),
        ("/api/v1/users/me/addresses/{id}", "patch"),
        ("/api/v1/users/me/addresses/{id}", "delete"),
        ("/api/v1/admin/users", "get"),
        ("/api/v1/admin/users", "post"),
        ("/api/v1/admin/users/{id}", "get"),
        ("/api/v1/admin/users/{id}", "patch"),
        ("/api/v1/admin/users/{id}", "delete"),
        ("/api/v1/admin/outbox", "get"),
        ("/api/v1/categories", "get"),
        ("/api/v1/categories", "post"),
        ("/api/v1/categories/{id}", "patch"),
        ("/api/v1/categories/{id}", "delete"),
        ("/api/v1/products", "get"),
        ("/api/v1/products", "post"),
        ("/api/v1/products/{id}", "get"),
        ("/api/v1/products/{id}", "patch"),
        ("/api/v1/products/{id}", "delete"),
        ("/api/v1/products/{id}/reviews", "get"),
        ("/api/v1/products/{id}/reviews", "post"),
        ("/api/v1/reviews/{id}", "delete"),
        ("/api/v1/catalogs", "get"),
        ("/api/v1/catalogs", "post"),
        ("/api/v1/catalogs/{id}", "get"),
        ("/api/v1/catalogs/{id}", "patch"),
        ("/api/v1/catalogs/{id}", "delete"),
        ("/api/v1/catalogs/{id}/products/{product_id}", "put"),
        ("/api/v1/catalogs/{id}/products/{product_id}", "delete"),
        ("/api/v1/catalogs/{id}/import", "post"),
        ("/api/v1/products/{id}/inventory", "get"),
        ("/api/v1/products/{id}/inventory/adjustments", "post"),
        ("/api/v1/products/{id}/queue", "post"),
        ("/api/v1/products/{id}/queue", "get"),
        ("/api/v1/products/{id}/waitlist", "post"),
        ("/api/v1/products/{id}/waitlist", "delete"),
        ("/api/v1/products/{id}/waitlist", "get"),
        ("/api/v1/admin/flash/{product_id}/report", "get"),
        ("/api/v1/cart", "get"),
        ("/api/v1/cart", "delete"),
        ("/api/v1/cart/items", "post"),
        ("/api/v1/cart/items/{product_id}", "patch"),
        ("/api/v1/cart/items/{product_id}", "delete"),
        ("/api/v1/cart/coupon", "post"),
        ("/api/v1/cart/coupon", "delete"),
        ("/api/v1/checkout", "post"),
        ("/api/v1/orders", "get"),
        ("/api/v1/orders/{id}", "get"),
        ("/api/v1/orders/{id}/pay", "post"),
        ("/api/v1/orders/{id}/cancel", "post"),
        ("/api/v1/orders/{id}/status", "post"),
        ("/api/v1/orders/{id}/refunds", "post"),
        ("/api/v1/orders/{id}/returns", "post"),
        ("/api/v1/orders/{id}/returns", "get"),
        ("/api/v1/returns/{id}/decision", "post"),
        ("/api/v1/deliveries", "get"),
        ("/api/v1/shipping-methods", "get"),
        ("/api/v1/coupons", "get"),
        ("/api/v1/coupons", "post"),
        ("/api/v1/coupons/{code}", "delete"),
        ("/api/v1/wallet", "get"),
        ("/api/v1/wallet/top-up", "post"),
        ("/api/v1/payments/stripe/webhook", "post"),
        ("/api/v1/seller/analytics", "get"),
        ("/api/v1/seller/products", "get"),
        ("/api/v1/couriers", "get"),
        ("/api/v1/ws", "get"),
        ("/api/v1/events", "get"),
        ("/api/v1/notifications", "get"),
        ("/api/v1/notifications/{id}/read", "post"),
    ];
    for (path, method) in expected {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing"
        );
    }
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        expected.len(),
        "undocumented or unexpected operations"
    );

    for (path, method) in expected {
        let operation = &doc["paths"][path][method];
        let responses = operation["responses"].as_object().unwrap();
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                let content = response["content"].as_object().unwrap();
                assert_eq!(
                    content.keys().collect::<Vec<_>>(),
                    ["application/problem+json"],
                    "{method} {path} {status}"
                );
                assert_eq!(
                    content["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem"
                );
            }
        }
        if operation["security"].is_array() {
            assert!(
                responses.contains_key("401"),
                "{method} {path} needs a token"
            );
        }
        if path != "/healthz" && path != "/.well-known/jwks.json" {
            assert!(responses.contains_key("503"), "{method} {path}");
        }
    }
    let seller_order = &doc["components"]["schemas"]["SellerOrder"];
    assert_eq!(
        seller_order["additionalProperties"], false,
        "{seller_order}"
    );
}

#[actix_web::test]
async fn docs_are_served_without_any_cdn() {
    let app = spawn_app().await;
    let redirect = app.get("/docs", None).await;
    assert!(redirect.status().is_redirection());
    let page = app.get("/docs/", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    for line in html
        .lines()
        .filter(|l| l.contains("<script") || l.contains("<link"))
    {
        assert!(
            !line.contains("http://") && !line.contains("https://"),
            "external asset: {line}"
        );
    }
    let bundle = app.get("/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(bundle.status(), StatusCode::OK);
    let initializer = app
        .get("/docs/swagger-initializer.js", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(initializer.contains("/api/openapi.json"), "{initializer}");
}

#[actix_web::test]
async fn the_binary_exits_zero_on_sigterm() {
    let settings = test_settings();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = bazaar_command(&settings)
        .env("BAZAAR_LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start bazaar");
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/healthz");
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.get(&url).send().await.is_err() {
        assert!(Instant::now() < deadline, "bazaar did not start");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(40);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "bazaar did not stop");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status}");
}

#[actix_web::test]
async fn every_answer_is_nosniff_pages_get_a_policy_and_credentials_are_not_cached() {
    let app = spawn_app().await;
    let customer = app.customer().await;
    let answers = [
        app.anonymous().healthz().await,
        app.get("/api/v1/nowhere", None).await,
        app.anonymous().me().await,
        app.get("/docs/", None).await,
    ];
    for answer in &answers {
        let headers = answer.headers();
        assert_eq!(
            headers["x-content-type-options"],
            "nosniff",
            "{}",
            answer.url()
        );
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("default-src 'self'"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    }
    assert!(
        answers[3].headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "the Swagger UI page is a browser page"
    );

    let login = app
        .anonymous()
        .login(&customer.email, crate::helpers::PASSWORD)
        .await;
    assert_eq!(login.status(), StatusCode::OK);
    assert_eq!(login.headers()["cache-control"], "no-store");
    let refresh = app.anonymous().refresh(&customer.refresh_token).await;
    assert_eq!(refresh.status(), StatusCode::OK);
    assert_eq!(refresh.headers()["cache-control"], "no-store");
    app.anonymous().forgot_password(&customer.email).await;
    let token = app
        .outbox_token(&customer.email, "password_reset")
        .await
        .unwrap();
    let reset = app
        .anonymous()
        .reset_password(&token, "a brand new password")
        .await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_eq!(reset.headers()["cache-control"], "no-store");
}

#[actix_web::test]
async fn metrics_can_be_switched_off() {
    let mut settings = test_settings();
    settings.metrics_listen = None;
    let application = bazaar::startup::Application::build(settings)
        .await
        .expect("builds");
    assert_eq!(application.metrics_port(), None);
}
