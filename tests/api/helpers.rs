//! `spawn_app()`: the real server on a random port with a fresh database and Redis prefix, and
//! a `TestApp` client with one method per endpoint.

use bazaar::config::{AdminBootstrap, Settings};
use bazaar::startup::Application;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;
use std::path::PathBuf;
use std::sync::Once;
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery";
pub const ADMIN_EMAIL: &str = "admin@bazaar.test";
pub const ADMIN_PASSWORD: &str = "admin password 123";

/// A running application and a client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub pool: PgPool,
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
    settings.database_url = format!("postgres://postgres@127.0.0.1:5432/bazaar_test_{id}");
    settings.redis_prefix = format!("bazaar-test-{id}");
    settings.jwt_key_file = std::env::temp_dir().join(format!("bazaar-test-{id}.pem"));
    settings.rate_limit = false;
    settings.admin = Some(AdminBootstrap {
        email: ADMIN_EMAIL.into(),
        password: ADMIN_PASSWORD.into(),
    });
    settings
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
    let handle = application.handle();
    let pool = application
        .database()
        .postgres()
        .expect("the tests run on PostgreSQL")
        .clone();
    let actors = application.actors();
    actix_web::rt::spawn(application.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client"),
        pool,
        settings,
        handle,
        actors,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Sends `method path` with an optional JSON body and bearer token.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("send request")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::DELETE, path, token, None).await
    }

    pub async fn register(&self, email: &str, role: Option<&str>) -> Response {
        let mut body = json!({"email": email, "password": PASSWORD, "name": "Test User"});
        if let Some(role) = role {
            body["role"] = json!(role);
        }
        self.post("/api/v1/auth/register", None, &body).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post(
            "/api/v1/auth/login",
            None,
            &json!({"email": email, "password": password}),
        )
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        let body = json!({"refresh_token": refresh_token});
        self.post("/api/v1/auth/refresh", None, &body).await
    }

    pub async fn logout(&self, access_token: &str, refresh_token: &str) -> Response {
        let body = json!({"refresh_token": refresh_token});
        self.post("/api/v1/auth/logout", Some(access_token), &body)
            .await
    }

    pub async fn forgot_password(&self, email: &str) -> Response {
        let body = json!({"email": email});
        self.post("/api/v1/auth/password/forgot", None, &body).await
    }

    pub async fn reset_password(&self, token: &str, new_password: &str) -> Response {
        let body = json!({"token": token, "new_password": new_password});
        self.post("/api/v1/auth/password/reset", None, &body).await
    }

    pub async fn me(&self, access_token: &str) -> Response {
        self.get("/api/v1/users/me", Some(access_token)).await
    }

    /// Logs in and returns the signed-in user, failing the test otherwise.
    pub async fn sign_in(&self, email: &str, password: &str) -> TestUser {
        let response = self.login(email, password).await;
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
            .post(
                "/api/v1/admin/users",
                Some(&admin.access_token),
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
        sqlx::query(
            "INSERT INTO users (id, email, password_hash, name, role, status)
             SELECT id, email, 'no-login', 'Buyer', 'customer', 'active'
             FROM unnest($1::uuid[], $2::text[]) AS t (id, email)",
        )
        .bind(&ids)
        .bind(&emails)
        .execute(&self.pool)
        .await
        .expect("insert buyers");
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
            .post(
                "/api/v1/categories",
                Some(&admin.access_token),
                &json!({"name": name, "parent_id": parent}),
            )
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
        let response = self
            .post("/api/v1/products", Some(&seller.access_token), body)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "create product {body}"
        );
        response.json().await.expect("product body")
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

    /// `POST /api/v1/checkout` of `items` shipped to a fixed address, with an optional key.
    pub async fn checkout(
        &self,
        customer: &TestUser,
        body: &Value,
        idempotency_key: Option<&str>,
    ) -> Response {
        let mut request = self
            .client
            .post(self.url("/api/v1/checkout"))
            .bearer_auth(&customer.access_token)
            .json(body);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        request.send().await.expect("checkout")
    }

    /// `POST /api/v1/orders/{id}/pay` with a card number.
    pub async fn pay(&self, customer: &TestUser, order: &str, card: &str) -> Response {
        self.post(
            &format!("/api/v1/orders/{order}/pay"),
            Some(&customer.access_token),
            &json!({"method": "card", "card": card_body(card)}),
        )
        .await
    }

    /// The `available` a product page shows.
    pub async fn available(&self, product: &str) -> i64 {
        let page: Value = self
            .get(&format!("/api/v1/products/{product}"), None)
            .await
            .json()
            .await
            .expect("product page");
        page["available"].as_i64().expect("available")
    }

    /// The stock row of a product and the sum of its ledger.
    pub async fn stock(&self, product: &str) -> (i64, i64, i64) {
        let id: Uuid = product.parse().expect("uuid");
        sqlx::query_as(
            "SELECT on_hand, reserved,
                 (SELECT coalesce(sum(delta), 0)::bigint FROM inventory_movements WHERE product_id = $1)
             FROM inventory WHERE product_id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await
        .expect("stock")
    }

    /// The token in the newest outbox message of `kind` to `email`.
    pub async fn outbox_token(&self, email: &str, kind: &str) -> Option<String> {
        let admin = self.admin().await;
        let response = self
            .get(
                &format!("/api/v1/admin/outbox?to={email}&per_page=100"),
                Some(&admin.access_token),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("outbox body");
        let message = body["items"]
            .as_array()?
            .iter()
            .find(|message| message["kind"] == kind)?;
        let text = message["body"].as_str()?;
        let (_, rest) = text.split_once("?token=")?;
        Some(rest.split_whitespace().next()?.to_owned())
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

/// A card with a future expiry.
pub fn card_body(number: &str) -> Value {
    json!({"number": number, "exp_month": 12, "exp_year": 2031, "cvc": "123"})
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
