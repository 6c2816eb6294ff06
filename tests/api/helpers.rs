//! `spawn_app()`: the real server on a random port with a fresh database and Redis prefix, and
//! a `TestApp` whose `Api` has one method per endpoint.
//!
//! `BAZAAR_TEST_DATABASE` picks the backend of the whole suite: `sqlite` (the default: a fresh
//! file per app, no Redis, nothing to install) or `postgres` (a fresh database per app on the
//! server of `BAZAAR_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432`, with Redis
//! at `BAZAAR_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`, empty for none). The embedded
//! run reads neither: CI points both at a dead port there to prove that nothing reaches them. Tests of deployments of several processes (PostgreSQL and Redis) run in the
//! PostgreSQL run ([`deployment_settings`]).

use bazaar::config::{AdminBootstrap, Settings};
use bazaar::startup::Application;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Once;
use uuid::Uuid;

pub use crate::db::{Bind, TestDb};

pub const PASSWORD: &str = "correct horse battery";
pub const ADMIN_EMAIL: &str = "admin@bazaar.test";
pub const ADMIN_PASSWORD: &str = "admin password 123";

/// A running application and a client for it.
pub struct TestApp {
    pub address: String,
    /// Where the app serves its metrics.
    pub metrics_address: String,
    pub client: reqwest::Client,
    pub db: TestDb,
    pub settings: Settings,
    pub handle: actix_web::dev::ServerHandle,
    actors: actix::ArbiterHandle,
}

/// A signed-in user.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: String,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
}

/// Settings for a fresh, isolated application: its own database, Redis prefix and key file.
pub fn test_settings() -> Settings {
    let id = Uuid::now_v7().simple().to_string();
    let mut settings = Settings::from_lookup(|_| None).expect("default settings");
    settings.listen = "127.0.0.1:0".into();
    settings.metrics_listen = Some("127.0.0.1:0".into());
    let embedded = suite_is_embedded();
    settings.database_url = if embedded {
        let file = std::env::temp_dir().join(format!("bazaar-test-{id}.db"));
        format!("sqlite://{}", file.display())
    } else {
        postgres_url(&id)
    };
    settings.redis_url = if embedded {
        None
    } else {
        match std::env::var("BAZAAR_TEST_REDIS_URL") {
            Ok(url) if url.is_empty() => None,
            Ok(url) => Some(url),
            Err(_) => Some(DEFAULT_REDIS_URL.into()),
        }
    };
    settings.redis_prefix = format!("bazaar-test-{id}");
    settings.jwt_key_file = std::env::temp_dir().join(format!("bazaar-test-{id}.pem"));
    settings.media_dir = std::env::temp_dir().join(format!("bazaar-test-{id}-media"));
    settings.rate_limit = false;
    settings.admin = Some(AdminBootstrap {
        email: ADMIN_EMAIL.into(),
        password: ADMIN_PASSWORD.into(),
    });
    settings
}

/// Where the tests find Redis unless `BAZAAR_TEST_REDIS_URL` says otherwise.
const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// A fresh PostgreSQL database named after `id`.
fn postgres_url(id: &str) -> String {
    let server = std::env::var("BAZAAR_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    format!("{}/bazaar_test_{id}", server.trim_end_matches('/'))
}

/// Whether the suite runs on the embedded database (the default) rather than PostgreSQL.
fn suite_is_embedded() -> bool {
    match std::env::var("BAZAAR_TEST_DATABASE").as_deref() {
        Ok("sqlite") | Err(_) => true,
        Ok("postgres") => false,
        Ok(other) => panic!("BAZAAR_TEST_DATABASE is postgres or sqlite, not {other}"),
    }
}

/// Settings of a deployment of several processes on PostgreSQL and Redis, when the suite runs
/// on PostgreSQL; `None` on the embedded run, which has neither (the embedded database serves
/// one process). The tests that take them run in the PostgreSQL run of the suite.
pub fn deployment_settings() -> Option<Settings> {
    if suite_is_embedded() {
        eprintln!(
            "a test of a PostgreSQL and Redis deployment: runs with BAZAAR_TEST_DATABASE=postgres"
        );
        return None;
    }
    let mut settings = test_settings();
    if settings.redis_url.is_none() {
        settings.redis_url = Some(DEFAULT_REDIS_URL.into());
    }
    Some(settings)
}

/// The server binary with the environment of `settings` (database, Redis, signing key), to run
/// as a process of its own.
pub fn bazaar_command(settings: &Settings) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_bazaar"));
    command
        .env("BAZAAR_DATABASE_URL", &settings.database_url)
        .env(
            "BAZAAR_REDIS_URL",
            settings.redis_url.as_deref().unwrap_or(""),
        )
        .env("BAZAAR_REDIS_PREFIX", &settings.redis_prefix)
        .env("BAZAAR_JWT_KEY_FILE", &settings.jwt_key_file)
        .env("BAZAAR_METRICS_LISTEN", "127.0.0.1:0");
    command
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_settings()).await
}

pub async fn spawn_app_with(settings: Settings) -> TestApp {
    static TRACING: Once = Once::new();
    TRACING.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            bazaar::telemetry::init("debug");
        }
    });
    let application = Application::build(settings.clone())
        .await
        .expect("build the application");
    let address = format!("http://127.0.0.1:{}", application.port());
    let metrics_port = application.metrics_port().expect("test apps serve metrics");
    let metrics_address = format!("http://127.0.0.1:{metrics_port}");
    let handle = application.handle();
    let db = TestDb::connect(&settings.database_url).await;
    let actors = application.actors();
    actix_web::rt::spawn(application.run_until_stopped());
    TestApp {
        address,
        metrics_address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client"),
        db,
        settings,
        handle,
        actors,
    }
}

/// The API as one caller sees it: one method per endpoint, each answering the raw response so a
/// test can assert its status and body.
#[derive(Clone, Copy)]
pub struct Api<'a> {
    app: &'a TestApp,
    client: &'a reqwest::Client,
    token: Option<&'a str>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The API without a token.
    pub fn anonymous(&self) -> Api<'_> {
        self.api(None)
    }

    /// The API as `user`.
    pub fn as_user<'a>(&'a self, user: &'a TestUser) -> Api<'a> {
        self.with_token(&user.access_token)
    }

    /// The API with any bearer token (a forged or expired one, say).
    pub fn with_token<'a>(&'a self, token: &'a str) -> Api<'a> {
        self.api(Some(token))
    }

    fn api<'a>(&'a self, token: Option<&'a str>) -> Api<'a> {
        Api {
            app: self,
            client: &self.client,
            token,
        }
    }

    /// Sends `method path` with an optional JSON body and bearer token: for the routing and
    /// error tests that need paths no endpoint has.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        self.api(token).send(method, path, body).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token, None).await
    }
}

/// `?query` when there is one.
fn with_query(path: String, query: &str) -> String {
    if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    }
}

impl<'a> Api<'a> {
    /// The same caller through another client (one bound to another source address, say).
    pub fn via(self, client: &'a reqwest::Client) -> Self {
        Api { client, ..self }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = self.client.request(method, self.app.url(path));
        match self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("send request")
    }

    async fn get(&self, path: &str) -> Response {
        self.send(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: &Value) -> Response {
        self.send(Method::POST, path, Some(body)).await
    }

    async fn patch(&self, path: &str, body: &Value) -> Response {
        self.send(Method::PATCH, path, Some(body)).await
    }

    async fn put(&self, path: &str) -> Response {
        self.send(Method::PUT, path, None).await
    }

    async fn delete(&self, path: &str) -> Response {
        self.send(Method::DELETE, path, None).await
    }

    /// A POST with an optional `Idempotency-Key`.
    async fn post_keyed(&self, path: &str, body: &Value, key: Option<&str>) -> Response {
        let mut request = self.request(Method::POST, path).json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        request.send().await.expect("send request")
    }

    // Operations.

    pub async fn healthz(&self) -> Response {
        self.get("/healthz").await
    }

    pub async fn readyz(&self) -> Response {
        self.get("/readyz").await
    }

    pub async fn openapi(&self) -> Response {
        self.get("/api/openapi.json").await
    }

    pub async fn jwks(&self) -> Response {
        self.get("/.well-known/jwks.json").await
    }

    // Accounts.

    pub async fn register(&self, body: &Value) -> Response {
        self.post("/api/v1/auth/register", body).await
    }

    pub async fn activate(&self, token: &str) -> Response {
        self.post("/api/v1/auth/activate", &json!({"token": token}))
            .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        let body = json!({"email": email, "password": password});
        self.post("/api/v1/auth/login", &body).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        let body = json!({"refresh_token": refresh_token});
        self.post("/api/v1/auth/refresh", &body).await
    }

    pub async fn logout(&self, refresh_token: &str) -> Response {
        let body = json!({"refresh_token": refresh_token});
        self.post("/api/v1/auth/logout", &body).await
    }

    pub async fn resend_activation(&self, email: &str) -> Response {
        let body = json!({"email": email});
        self.post("/api/v1/auth/activation/resend", &body).await
    }

    pub async fn forgot_password(&self, email: &str) -> Response {
        let body = json!({"email": email});
        self.post("/api/v1/auth/password/forgot", &body).await
    }

    pub async fn reset_password(&self, token: &str, new_password: &str) -> Response {
        let body = json!({"token": token, "new_password": new_password});
        self.post("/api/v1/auth/password/reset", &body).await
    }

    pub async fn me(&self) -> Response {
        self.get("/api/v1/users/me").await
    }

    pub async fn update_me(&self, body: &Value) -> Response {
        self.patch("/api/v1/users/me", body).await
    }

    pub async fn addresses(&self, query: &str) -> Response {
        self.get(&with_query("/api/v1/users/me/addresses".into(), query))
            .await
    }

    pub async fn add_address(&self, body: &Value) -> Response {
        self.post("/api/v1/users/me/addresses", body).await
    }

    pub async fn update_address(&self, id: &str, body: &Value) -> Response {
        self.patch(&format!("/api/v1/users/me/addresses/{id}"), body)
            .await
    }

    pub async fn delete_address(&self, id: &str) -> Response {
        self.delete(&format!("/api/v1/users/me/addresses/{id}"))
            .await
    }

    pub async fn users(&self, query: &str) -> Response {
        self.get(&with_query("/api/v1/admin/users".into(), query))
            .await
    }

    pub async fn create_user(&self, body: &Value) -> Response {
        self.post("/api/v1/admin/users", body).await
    }

    pub async fn user(&self, id: &str) -> Response {
        self.get(&format!("/api/v1/admin/users/{id}")).await
    }

    pub async fn update_user(&self, id: &str, body: &Value) -> Response {
        self.patch(&format!("/api/v1/admin/users/{id}"), body).await
    }

    pub async fn delete_user(&self, id: &str) -> Response {
        self.delete(&format!("/api/v1/admin/users/{id}")).await
    }

    pub async fn outbox(&self, query: &str) -> Response {
        self.get(&with_query("/api/v1/admin/outbox".into(), query))
            .await
    }

    // Catalog.

    pub async fn categories(&self) -> Response {
        self.get("/api/v1/categories").await
    }

    pub async fn create_category(&self, body: &Value) -> Response {
        self.post("/api/v1/categories", body).await
    }

    pub async fn update_category(&self, id: &str, body: &Value) -> Response {
        self.patch(&format!("/api/v1/categories/{id}"), body).await
    }

    pub async fn delete_category(&self, id: &str) -> Response {
        self.delete(&format!("/api/v1/categories/{id}")).await
    }

    pub async fn search(&self, query: &str) -> Response {
        self.get(&with_query("/api/v1/products".into(), query))
            .await
    }

    pub async fn product(&self, id: &str) -> Response {
        self.get(&format!("/api/v1/products/{id}")).await
    }

    pub async fn create_product(&self, body: &Value) -> Response {
        self.post("/api/v1/products", body).await
    }

    pub async fn update_product(&self, id: &str, body: &Value) -> Response {
        self.patch(&format!("/api/v1/products/{id}"), body).await
    }

    pub async fn archive_product(&self, id: &str) -> Response {
        self.delete(&format!("/api/v1/products/{id}")).await
    }

    pub async fn reviews(&self, product: &str, query: &str) -> Response {
        self.get(&with_query(
            format!("/api/v1/products/{product}/reviews"),
            query,
        ))
        .await
    }

    pub async fn review(&self, product: &str, body: &Value) -> Response {
        self.post(&format!("/api/v1/products/{product}/reviews"), body)
            .await
    }

    pub async fn delete_review(&self, id: &str) -> Response {
        self.delete(&format!("/api/v1/reviews/{id}")).await
    }

    pub async fn catalogs(&self, query: &str) -> Response {
        self.get(&with_query("/api/v1/catalogs".into(), query))
            .await
    }

    pub async fn create_catalog(&self, body: &Value) -> Response {
        self.post("/api/v1/catalogs", body).await
    }

    pub async fn catalog(&self, id: &str, query: &str) -> Response {
        self.get(&with_query(format!("/api/v1/catalogs/{id}"), query))
            .await
    }

    pub async fn update_catalog(&self, id: &str, body: &Value) -> Response {
        self.patch(&format!("/api/v1/catalogs/{id}"), body).await
    }

    pub async fn delete_catalog(&self, id: &str) -> Response {
        self.delete(&format!("/api/v1/catalogs/{id}")).await
    }

    pub async fn add_to_catalog(&self, catalog: &str, product: &str) -> Response {
        self.put(&format!("/api/v1/catalogs/{catalog}/products/{product}"))
            .await
    }

    pub async fn remove_from_catalog(&self, catalog: &str, product: &str) -> Response {
        self.delete(&format!("/api/v1/catalogs/{catalog}/products/{product}"))
            .await
    }

    /// Uploads `body` as `content_type` to the catalog's import.
    pub async fn import(&self, catalog: &str, content_type: &str, body: String) -> Response {
        self.request(Method::POST, &format!("/api/v1/catalogs/{catalog}/import"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("import")
    }

    pub async fn inventory(&self, product: &str) -> Response {
        self.get(&format!("/api/v1/products/{product}/inventory"))
            .await
    }

    pub async fn adjust_inventory(&self, product: &str, body: &Value) -> Response {
        self.post(
            &format!("/api/v1/products/{product}/inventory/adjustments"),
            body,
        )
        .await
    }

    // Cart.

    pub async fn cart(&self) -> Response {
        self.get("/api/v1/cart").await
    }

    pub async fn add_to_cart(&self, body: &Value) -> Response {
        self.post("/api/v1/cart/items", body).await
    }

    pub async fn set_cart_item(&self, product: &str, body: &Value) -> Response {
        self.patch(&format!("/api/v1/cart/items/{product}"), body)
            .await
    }

    pub async fn remove_cart_item(&self, product: &str) -> Response {
        self.delete(&format!("/api/v1/cart/items/{product}")).await
    }

    pub async fn clear_cart(&self) -> Response {
        self.delete("/api/v1/cart").await
    }

    // Orders.

    pub async fn checkout(&self, body: &Value, key: Option<&str>) -> Response {
        self.post_keyed("/api/v1/checkout", body, key).await
    }

    pub async fn pay(&self, order: &str, body: &Value, key: Option<&str>) -> Response {
        self.post_keyed(&format!("/api/v1/orders/{order}/pay"), body, key)
            .await
    }

    pub async fn orders(&self, query: &str) -> Response {
        self.get(&with_query("/api/v1/orders".into(), query)).await
    }

    pub async fn order(&self, id: &str) -> Response {
        self.get(&format!("/api/v1/orders/{id}")).await
    }

    pub async fn cancel(&self, order: &str) -> Response {
        self.post(&format!("/api/v1/orders/{order}/cancel"), &json!({}))
            .await
    }

    pub async fn change_status(&self, order: &str, body: &Value) -> Response {
        self.post(&format!("/api/v1/orders/{order}/status"), body)
            .await
    }

    pub async fn deliveries(&self, query: &str) -> Response {
        self.get(&format!("/api/v1/deliveries{query}")).await
    }

    pub async fn shipping_methods(&self) -> Response {
        self.get("/api/v1/shipping-methods").await
    }

    // Coupons and wallet.

    pub async fn coupons(&self, query: &str) -> Response {
        self.get(&with_query("/api/v1/coupons".into(), query)).await
    }

    pub async fn create_coupon(&self, body: &Value) -> Response {
        self.post("/api/v1/coupons", body).await
    }

    pub async fn withdraw_coupon(&self, code: &str) -> Response {
        self.delete(&format!("/api/v1/coupons/{code}")).await
    }

    pub async fn apply_coupon(&self, code: &str) -> Response {
        self.post("/api/v1/cart/coupon", &json!({"code": code}))
            .await
    }

    pub async fn remove_coupon(&self) -> Response {
        self.delete("/api/v1/cart/coupon").await
    }

    pub async fn wallet(&self, query: &str) -> Response {
        self.get(&with_query("/api/v1/wallet".into(), query)).await
    }

    pub async fn top_up(&self, body: &Value, key: Option<&str>) -> Response {
        self.post_keyed("/api/v1/wallet/top-up", body, key).await
    }

    // Drops.

    pub async fn join_queue(&self, product: &str) -> Response {
        self.post(&format!("/api/v1/products/{product}/queue"), &json!({}))
            .await
    }

    pub async fn queue(&self, product: &str) -> Response {
        self.get(&format!("/api/v1/products/{product}/queue")).await
    }

    pub async fn join_waitlist(&self, product: &str) -> Response {
        self.post(&format!("/api/v1/products/{product}/waitlist"), &json!({}))
            .await
    }

    pub async fn leave_waitlist(&self, product: &str) -> Response {
        self.delete(&format!("/api/v1/products/{product}/waitlist"))
            .await
    }

    pub async fn waitlist(&self, product: &str) -> Response {
        self.get(&format!("/api/v1/products/{product}/waitlist"))
            .await
    }

    pub async fn flash_report(&self, product: &str, query: &str) -> Response {
        self.get(&with_query(
            format!("/api/v1/admin/flash/{product}/report"),
            query,
        ))
        .await
    }

    // Live.

    pub async fn notifications(&self, query: &str) -> Response {
        self.get(&with_query("/api/v1/notifications".into(), query))
            .await
    }

    pub async fn mark_read(&self, id: &str) -> Response {
        self.post(&format!("/api/v1/notifications/{id}/read"), &json!({}))
            .await
    }

    /// `GET /api/v1/events` with `query`, streamed.
    pub async fn events(&self, query: &str) -> Response {
        self.get(&with_query("/api/v1/events".into(), query)).await
    }
}

impl TestApp {
    /// Registers `email` with the test password (and `role`, if given).
    pub async fn register(&self, email: &str, role: Option<&str>) -> Response {
        let mut body = json!({"email": email, "password": PASSWORD, "name": "Test User"});
        if let Some(role) = role {
            body["role"] = json!(role);
        }
        self.anonymous().register(&body).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.anonymous().login(email, password).await
    }

    /// Logs in and returns the signed-in user, failing the test otherwise.
    pub async fn sign_in(&self, email: &str, password: &str) -> TestUser {
        let response = self.anonymous().login(email, password).await;
        assert_eq!(response.status(), StatusCode::OK, "login of {email}");
        let body: Value = response.json().await.expect("login body");
        TestUser {
            id: body["user"]["id"].as_str().expect("user id").to_owned(),
            email: email.to_owned(),
            access_token: body["access_token"].as_str().expect("access").to_owned(),
            refresh_token: body["refresh_token"].as_str().expect("refresh").to_owned(),
        }
    }

    pub async fn admin(&self) -> TestUser {
        self.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// A new active user of `role` (created by the admin) who is signed in.
    pub async fn user_with_role(&self, role: &str) -> TestUser {
        let admin = self.admin().await;
        let email = format!("{role}-{}@example.com", Uuid::now_v7().simple());
        let response = self
            .as_user(&admin)
            .create_user(
                &json!({"email": email, "password": PASSWORD, "name": "Test User", "role": role}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "create {role}");
        self.sign_in(&email, PASSWORD).await
    }

    /// `count` active customers created straight in the database, with access tokens signed by
    /// the app's key: for tests that need hundreds of buyers without hundreds of argon2 hashes.
    pub async fn many_customers(&self, count: usize) -> Vec<TestUser> {
        let keys = bazaar::JwtKeys::load_or_generate(
            &self.settings.jwt_key_file,
            self.settings.access_token_ttl,
        )
        .expect("the app's key");
        let ids: Vec<Uuid> = (0..count).map(|_| Uuid::now_v7()).collect();
        let emails: Vec<String> = ids
            .iter()
            .map(|id| format!("buyer-{}@example.com", id.simple()))
            .collect();
        for (id, email) in ids.iter().zip(&emails) {
            self.db
                .execute(
                    "INSERT INTO users (id, email, password_hash, name, role, status)
                     VALUES ($1, $2, 'no-login', 'Buyer', 'customer', 'active')",
                    &[Bind::Uuid(*id), Bind::from(email.as_str())],
                )
                .await;
        }
        ids.into_iter()
            .zip(emails)
            .map(|(id, email)| TestUser {
                id: id.to_string(),
                email,
                access_token: keys.issue(id, bazaar::Role::Customer).expect("token").token,
                refresh_token: String::new(),
            })
            .collect()
    }

    pub async fn customer(&self) -> TestUser {
        self.user_with_role("customer").await
    }

    pub async fn seller(&self) -> TestUser {
        self.user_with_role("seller").await
    }

    /// Creates a category as the admin; returns its id.
    pub async fn category(&self, name: &str, parent: Option<&str>) -> String {
        let admin = self.admin().await;
        let response = self
            .as_user(&admin)
            .create_category(&json!({"name": name, "parent_id": parent}))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "create category {name}"
        );
        let body: Value = response.json().await.expect("category body");
        body["id"].as_str().expect("category id").to_owned()
    }

    /// Creates a product of `seller` from `body`; returns the product.
    pub async fn product(&self, seller: &TestUser, body: &Value) -> Value {
        let response = self.as_user(seller).create_product(body).await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "create product {body}"
        );
        response.json().await.expect("product body")
    }

    /// Creates a catalog of `seller` from `body`; returns its id.
    pub async fn catalog(&self, seller: &TestUser, body: &Value) -> String {
        let response = self.as_user(seller).create_catalog(body).await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "create catalog {body}"
        );
        let catalog: Value = response.json().await.expect("catalog body");
        catalog["id"].as_str().expect("catalog id").to_owned()
    }

    /// A published product of a new seller with `stock` units; returns (seller, product id).
    pub async fn stocked_product(&self, stock: i64, overrides: Value) -> (TestUser, String) {
        let category = self
            .category(&format!("Cat {}", Uuid::now_v7().simple()), None)
            .await;
        let seller = self.seller().await;
        let mut body = product_body(&category, overrides);
        body["stock"] = json!(stock);
        let product = self.product(&seller, &body).await;
        (
            seller,
            product["id"].as_str().expect("product id").to_owned(),
        )
    }

    /// `customer` checks out `body` (with an optional key).
    pub async fn checkout(
        &self,
        customer: &TestUser,
        body: &Value,
        idempotency_key: Option<&str>,
    ) -> Response {
        self.as_user(customer).checkout(body, idempotency_key).await
    }

    /// `customer` pays `order` with the card `number`.
    pub async fn pay(&self, customer: &TestUser, order: &str, number: &str) -> Response {
        self.as_user(customer)
            .pay(order, &card_payment(number), None)
            .await
    }

    /// `customer` checks out `items` to the test address; the order, failing the test
    /// otherwise.
    pub async fn place_order(&self, customer: &TestUser, items: &[(&str, i64)]) -> Value {
        let response = self.checkout(customer, &checkout_body(items), None).await;
        assert_eq!(response.status(), StatusCode::CREATED, "checkout");
        let body: Value = response.json().await.expect("checkout body");
        body["order"].clone()
    }

    /// `customer`'s order `id` once it has reached `status`, read every 100 ms for at most 10 s;
    /// fails the test otherwise.
    pub async fn wait_for_order_status(
        &self,
        customer: &TestUser,
        id: &str,
        status: &str,
    ) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let read: Value = self.as_user(customer).order(id).await.json().await.unwrap();
            if read["status"] == status {
                return read;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the order did not become {status}: {read}"
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Order `id` as `user` reads it.
    pub async fn order_as(&self, user: &TestUser, id: &str) -> Value {
        self.as_user(user).order(id).await.json().await.unwrap()
    }

    /// `customer` checks out `items` and pays by the good test card; the paid order.
    pub async fn paid_order(&self, customer: &TestUser, items: &[(&str, i64)]) -> Value {
        let order = self.place_order(customer, items).await;
        let id = order["id"].as_str().expect("order id");
        let response = self.pay(customer, id, GOOD_CARD).await;
        assert_eq!(response.status(), StatusCode::OK, "pay");
        response.json().await.expect("paid order")
    }

    /// A product page as the public sees it.
    pub async fn product_page(&self, product: &str) -> Value {
        let page = self.anonymous().product(product).await;
        page.json().await.expect("product page")
    }

    /// The `available` a product page shows.
    pub async fn available(&self, product: &str) -> i64 {
        self.product_page(product).await["available"]
            .as_i64()
            .expect("available")
    }

    /// What a `SELECT count(*) ...` answers.
    pub async fn count(&self, sql: &'static str) -> i64 {
        self.db.count(sql, &[]).await
    }

    /// The stock row of a product and the sum of its ledger.
    pub async fn stock(&self, product: &str) -> (i64, i64, i64) {
        let id: Uuid = product.parse().expect("uuid");
        self.db
            .row(
                "SELECT on_hand, reserved, (SELECT CAST(coalesce(sum(delta), 0) AS BIGINT)
                     FROM inventory_movements WHERE product_id = $1)
                 FROM inventory WHERE product_id = $1",
                &[Bind::Uuid(id)],
            )
            .await
    }

    /// The token in the newest outbox message of `kind` to `email`.
    pub async fn outbox_token(&self, email: &str, kind: &str) -> Option<String> {
        self.outbox_tokens(email, kind).await.into_iter().next()
    }

    /// The tokens of every `kind` message to `email` in the outbox, newest first.
    pub async fn outbox_tokens(&self, email: &str, kind: &str) -> Vec<String> {
        let admin = self.admin().await;
        let response = self
            .as_user(&admin)
            .outbox(&format!("to={email}&per_page=100"))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("outbox body");
        body["items"]
            .as_array()
            .expect("outbox items")
            .iter()
            .filter(|message| message["kind"] == kind)
            .filter_map(|message| {
                let (_, rest) = message["body"].as_str()?.split_once("?token=")?;
                Some(rest.split_whitespace().next()?.to_owned())
            })
            .collect()
    }

    /// The metrics, from the app's metrics listener.
    pub async fn metrics(&self) -> Response {
        self.client
            .get(format!("{}/metrics", self.metrics_address))
            .send()
            .await
            .expect("metrics")
    }

    pub fn key_file(&self) -> PathBuf {
        self.settings.jwt_key_file.clone()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop serving: the server's workers and actors would otherwise keep their database
        // connections after the test, and parallel tests would run out of them.
        let _stopping = self.handle.stop(false);
        self.actors.stop();
        // Another app sharing these settings may still run; it has the key in memory already.
        let _ = std::fs::remove_file(&self.settings.jwt_key_file);
    }
}

/// A valid product body in `category`, with `overrides` applied.
pub fn product_body(category: &str, overrides: Value) -> Value {
    let mut body = json!({
        "sku": format!("SKU-{}", Uuid::now_v7().simple()),
        "name": "Enamel Mug",
        "description": "A sturdy mug for camp coffee.",
        "brand": "Acme",
        "category_id": category,
        "price_cents": 1299,
        "currency": "EUR",
        "stock": 10,
    });
    for (key, value) in overrides.as_object().expect("overrides object") {
        body[key] = value.clone();
    }
    body
}

/// A checkout body for `items` (`[(product, qty)]`), shipped to an inline address.
pub fn checkout_body(items: &[(&str, i64)]) -> Value {
    json!({
        "items": items.iter().map(|(product, qty)| json!({"product_id": product, "qty": qty})).collect::<Vec<_>>(),
        "shipping_address": {
            "name": "Ada Lovelace", "line1": "12 St James's Square", "city": "London",
            "postal_code": "SW1Y 4JH", "country": "GB"
        }
    })
}

/// A checkout body for `items` that pays by the card `number` in the same call.
pub fn paying_checkout_body(items: &[(&str, i64)], number: &str) -> Value {
    let mut body = checkout_body(items);
    body["payment"] = card_payment(number);
    body
}

/// A card with a future expiry.
pub fn card_body(number: &str) -> Value {
    json!({"number": number, "exp_month": 12, "exp_year": 2031, "cvc": "123"})
}

/// A card payment with the card `number`, for a checkout's `payment` or an order's pay.
pub fn card_payment(number: &str) -> Value {
    json!({"method": "card", "card": card_body(number)})
}

pub const GOOD_CARD: &str = "4242424242424242";
pub const DECLINED_CARD: &str = "4000000000000002";

/// Asserts `response` is a problem+json of `status` and `code`; returns its body.
pub async fn assert_problem(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "status (expected code {code})");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.expect("problem body");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    for field in ["type", "title", "detail"] {
        assert!(body[field].is_string(), "{field} missing in {body}");
    }
    body
}

/// Asserts a 422 whose `errors` name `field`.
pub async fn assert_invalid_field(response: Response, field: &str) {
    let body = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors list")
        .iter()
        .filter_map(|error| error["field"].as_str())
        .collect();
    assert!(fields.contains(&field), "{field} not in {fields:?}");
}
