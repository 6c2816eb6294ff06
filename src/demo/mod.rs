//! `bazaar seed --demo`: fills an empty shop so that a newcomer who starts the server sees a
//! living store: categories, three sellers with pictured products, coupons, a courier, customers
//! with past orders (delivered, shipped, paid), reviews of what they received, and an admin.
//!
//! The shop is built the way users build one: the application is started on a loopback port and
//! every step is a request to its API, so each order is reserved, paid, shipped and delivered by
//! the same rules as in production, on either backend. Every demo account shares one random
//! password, printed once.

mod catalog;
mod images;

use crate::config::{AdminBootstrap, Settings};
use crate::db::{self, Database};
use crate::startup::Application;
use anyhow::{Context, bail};
use catalog::{CATEGORIES, CUSTOMERS, PRODUCTS, SELLERS};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap, HashSet};

/// The demo admin's email.
const ADMIN_EMAIL: &str = "admin@demo.bazaar.test";
/// The domain of every demo account.
const DOMAIN: &str = "demo.bazaar.test";
/// The built-in test gateway's card that always pays (with any expiry in the future).
const PAYING_CARD: &str = "4242424242424242";

/// What the demo seeding created, and how to sign in.
#[derive(Debug)]
pub struct DemoReport {
    /// The one password of every demo account.
    pub password: String,
    /// The emails of the demo accounts, by role.
    pub admin: String,
    pub sellers: Vec<String>,
    pub courier: String,
    pub customers: Vec<String>,
    /// How many products, orders and reviews the shop holds.
    pub products: usize,
    pub orders: usize,
    pub reviews: usize,
}

impl std::fmt::Display for DemoReport {
    /// What the person who seeded the shop reads once: what is in it, and how to sign in.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "A demo shop is ready: {} products, {} orders, {} reviews.",
            self.products, self.orders, self.reviews
        )?;
        writeln!(
            f,
            "Every demo account's password (shown only now): {}",
            self.password
        )?;
        writeln!(f, "  admin:     {}", self.admin)?;
        writeln!(f, "  sellers:   {}", self.sellers.join(", "))?;
        writeln!(f, "  courier:   {}", self.courier)?;
        write!(f, "  customers: {}", self.customers.join(", "))
    }
}

/// Runs `bazaar seed --demo --if-empty` as a process of its own, so that the demo's in-process
/// server, its background tasks and its claim on the database are gone before serving starts.
pub fn seed_in_child() -> anyhow::Result<()> {
    let status = std::process::Command::new(std::env::current_exe().context("the bazaar binary")?)
        .args(["seed", "--demo", "--if-empty"])
        .status()
        .context("run `bazaar seed --demo`")?;
    anyhow::ensure!(status.success(), "`bazaar seed --demo` failed ({status})");
    Ok(())
}

/// What `seed_demo` did.
#[derive(Debug)]
pub enum DemoOutcome {
    /// The demo shop was created.
    Seeded(DemoReport),
    /// The shop already had products or accounts, and was left as it was.
    AlreadyStocked,
}

/// Seeds the demo shop into the database of `settings`, unless it already holds products or
/// accounts (the demo's admin has a known email: it never joins a shop that is in use). The
/// demo's payments use the built-in test gateway and its mail stays in the outbox, whatever
/// Stripe or SMTP `settings` name.
pub async fn seed_demo(mut settings: Settings) -> anyhow::Result<DemoOutcome> {
    if in_use(&settings.database_url).await? {
        return Ok(DemoOutcome::AlreadyStocked);
    }
    settings.stripe = None;
    settings.smtp = None;
    let password = random_password()?;
    settings.listen = "127.0.0.1:0".into();
    settings.metrics_listen = None;
    settings.rate_limit = false;
    settings.admin = Some(AdminBootstrap {
        email: ADMIN_EMAIL.into(),
        password: password.clone(),
    });
    std::fs::create_dir_all(&settings.media_dir)
        .with_context(|| format!("BAZAAR_MEDIA_DIR: create {}", settings.media_dir.display()))?;
    let media_dir = settings.media_dir.clone();
    let application = Application::build(settings).await?;
    let shop = Shop {
        base: format!("http://127.0.0.1:{}/api/v1", application.port()),
        client: reqwest::Client::new(),
    };
    let handle = application.handle();
    actix_web::rt::spawn(application.run_until_stopped());
    let report = fill(&shop, &password, &media_dir).await;
    handle.stop(true).await;
    report.map(DemoOutcome::Seeded)
}

/// Whether the database at `url` holds any product or account (checked before the demo creates
/// its admin).
async fn in_use(url: &str) -> anyhow::Result<bool> {
    const COUNT: &str = "SELECT EXISTS (SELECT 1 FROM products) OR EXISTS (SELECT 1 FROM users)";
    let db = db::connect_and_migrate(url)
        .await
        .context("BAZAAR_DATABASE_URL")?;
    let held = match &db {
        Database::Postgres(pool) => {
            let held = sqlx::query_scalar(COUNT).fetch_one(pool).await?;
            pool.close().await;
            held
        }
        Database::Sqlite(embedded) => {
            let held = sqlx::query_scalar(COUNT).fetch_one(&embedded.reads).await?;
            embedded.reads.close().await;
            embedded.writer.close().await;
            held
        }
    };
    Ok(held)
}

/// 18 random letters and digits.
fn random_password() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("random password: {error}"))?;
    Ok(bytes
        .iter()
        .map(|byte| ALPHABET[usize::from(*byte) % ALPHABET.len()] as char)
        .collect())
}

/// The demo's API client.
struct Shop {
    base: String,
    client: reqwest::Client,
}

impl Shop {
    /// Sends `body` to `path` as `token`'s user; the answer's JSON, or an error naming the call.
    async fn call(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {path}"))?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("{method} {path} answered {status}: {text}");
        }
        Ok(if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)?
        })
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call(reqwest::Method::POST, Some(token), path, Some(body))
            .await
    }

    async fn login(&self, email: &str, password: &str) -> anyhow::Result<String> {
        let signed_in = self
            .call(
                reqwest::Method::POST,
                None,
                "/auth/login",
                Some(json!({"email": email, "password": password})),
            )
            .await?;
        Ok(text(&signed_in["access_token"])?.to_owned())
    }
}

/// A string field of an answer.
fn text(value: &Value) -> anyhow::Result<&str> {
    value
        .as_str()
        .context("the answer lacks a field the demo needs")
}

/// A demo account's email: `login@demo.bazaar.test`.
fn email(login: &str) -> String {
    format!("{login}@{DOMAIN}")
}

async fn fill(
    shop: &Shop,
    password: &str,
    media_dir: &std::path::Path,
) -> anyhow::Result<DemoReport> {
    let admin = shop.login(ADMIN_EMAIL, password).await?;
    let categories = create_categories(shop, &admin).await?;

    let admin = &admin;
    let create_user = |login: String, name: &'static str, role: &'static str| {
        let body =
            json!({"email": email(&login), "password": password, "name": name, "role": role});
        async move {
            let user = shop.post(admin, "/admin/users", body).await?;
            anyhow::Ok((email(&login), text(&user["id"])?.to_owned()))
        }
    };
    let mut sellers = Vec::new();
    for seller in &SELLERS {
        sellers.push(create_user(seller.login.into(), seller.name, "seller").await?);
    }
    let (courier_email, courier_id) =
        create_user("courier".into(), "Casey Courier", "courier").await?;
    let mut customers = Vec::new();
    for (n, name) in CUSTOMERS.iter().enumerate() {
        customers.push(create_user(format!("customer{}", n + 1), name, "customer").await?);
    }

    let mut seller_tokens = Vec::new();
    for (seller_email, _) in &sellers {
        seller_tokens.push(shop.login(seller_email, password).await?);
    }
    let mut product_ids = Vec::new();
    for (position, product) in PRODUCTS.iter().enumerate() {
        let sku = format!("DEMO-{:03}", position + 1);
        let picture = format!("{}.svg", sku.to_ascii_lowercase());
        std::fs::write(
            media_dir.join(&picture),
            images::draw(product.motif, product.name, position),
        )
        .with_context(|| format!("BAZAAR_MEDIA_DIR: write {picture}"))?;
        let attributes: serde_json::Map<String, Value> = product
            .attributes
            .iter()
            .map(|(name, value)| ((*name).to_owned(), json!(value)))
            .collect();
        let created = shop
            .post(
                &seller_tokens[product.seller],
                "/products",
                json!({
                    "sku": sku,
                    "name": product.name,
                    "description": product.description,
                    "brand": product.brand,
                    "category_id": categories[product.category],
                    "price_cents": product.price_cents,
                    "currency": "EUR",
                    "images": [format!("/media/{picture}")],
                    "attributes": attributes,
                    "stock": product.stock,
                    "low_stock_threshold": 5,
                    "status": "published",
                }),
            )
            .await?;
        product_ids.push(text(&created["id"])?.to_owned());
    }
    let coupons = [
        json!({"code": "WELCOME10", "kind": "percent", "value": 10}),
        json!({"code": "LUMEN5", "kind": "fixed", "value": 500, "currency": "EUR", "min_subtotal_cents": 2000}),
    ];
    for (token, coupon) in seller_tokens.iter().zip(coupons) {
        shop.post(token, "/coupons", coupon).await?;
    }

    let orders = place_orders(shop, password, &customers, &product_ids).await?;
    let courier = shop.login(&courier_email, password).await?;
    let mut reviews = 0;
    let mut reviewed = HashSet::new();
    for (n, order) in orders.iter().enumerate() {
        // Three orders in five travel the whole way; one is shipped, one waits for its sellers.
        let stage = match n % 5 {
            0 => Stage::Paid,
            1 => Stage::Shipped,
            _ => Stage::Delivered,
        };
        if stage == Stage::Paid {
            continue;
        }
        for seller in order.sellers() {
            fulfil(shop, &seller_tokens[seller], &order.id, &courier_id).await?;
        }
        if stage == Stage::Delivered {
            for status in ["out_for_delivery", "delivered"] {
                shop.post(
                    &courier,
                    &format!("/orders/{}/status", order.id),
                    json!({"status": status}),
                )
                .await?;
            }
            reviews += review(shop, order, n, &product_ids, &mut reviewed).await?;
        }
    }
    Ok(DemoReport {
        password: password.to_owned(),
        admin: ADMIN_EMAIL.into(),
        sellers: sellers.into_iter().map(|(email, _)| email).collect(),
        courier: courier_email,
        customers: customers.into_iter().map(|(email, _)| email).collect(),
        products: product_ids.len(),
        orders: orders.len(),
        reviews,
    })
}

/// How far a demo order has come.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Paid,
    Shipped,
    Delivered,
}

/// Creates the category tree; returns every category's id by name.
async fn create_categories(
    shop: &Shop,
    admin: &str,
) -> anyhow::Result<HashMap<&'static str, String>> {
    let mut ids = HashMap::new();
    for (top, children) in CATEGORIES {
        let parent = shop
            .post(admin, "/categories", json!({"name": top}))
            .await?;
        let parent_id = text(&parent["id"])?.to_owned();
        for child in children {
            let created = shop
                .post(
                    admin,
                    "/categories",
                    json!({"name": child, "parent_id": parent_id}),
                )
                .await?;
            ids.insert(child, text(&created["id"])?.to_owned());
        }
        ids.insert(top, parent_id);
    }
    Ok(ids)
}

/// A placed demo order: whose, and what it holds.
struct DemoOrder {
    id: String,
    customer: usize,
    customer_token: String,
    /// Indexes into [`PRODUCTS`].
    products: Vec<usize>,
}

impl DemoOrder {
    /// The sellers of its lines, as indexes into [`SELLERS`].
    fn sellers(&self) -> BTreeSet<usize> {
        self.products
            .iter()
            .map(|&product| PRODUCTS[product].seller)
            .collect()
    }
}

/// Each customer buys three times, paying by card, two or three products each time.
async fn place_orders(
    shop: &Shop,
    password: &str,
    customers: &[(String, String)],
    products: &[String],
) -> anyhow::Result<Vec<DemoOrder>> {
    let mut orders = Vec::new();
    for (c, (customer_email, _)) in customers.iter().enumerate() {
        let token = shop.login(customer_email, password).await?;
        let name = CUSTOMERS[c];
        let address = shop
            .post(&token, "/users/me/addresses", json!({
                "label": "Home", "name": name, "line1": format!("{} Harbour Street", 10 + c),
                "city": "Hamburg", "postal_code": format!("2045{c}"), "country": "DE", "is_default": true,
            }))
            .await?;
        for round in 0..3 {
            let picks: Vec<usize> = (0..2 + (c + round) % 2)
                .map(|k| (c * 7 + round * 5 + k * 3) % products.len())
                .collect();
            let items: Vec<Value> = picks
                .iter()
                .map(|&p| json!({"product_id": products[p], "qty": 1}))
                .collect();
            let placed = shop
                .post(&token, "/checkout", json!({
                    "items": items,
                    "shipping_address_id": address["id"],
                    "payment": {"method": "card", "card": {"number": PAYING_CARD, "exp_month": 12, "exp_year": time::OffsetDateTime::now_utc().year() + 5, "cvc": "123"}},
                }))
                .await?;
            orders.push(DemoOrder {
                id: text(&placed["order"]["id"])?.to_owned(),
                customer: c,
                customer_token: token.clone(),
                products: picks,
            });
        }
    }
    Ok(orders)
}

/// Processes and ships `seller`'s part of an order.
async fn fulfil(shop: &Shop, seller: &str, order: &str, courier: &str) -> anyhow::Result<()> {
    let path = format!("/orders/{order}/status");
    shop.post(seller, &path, json!({"status": "processing"}))
        .await?;
    shop.post(seller, &path, json!({
        "status": "shipped", "tracking_number": format!("DEMO{}", &order[order.len() - 8..]), "courier_id": courier,
    }))
    .await?;
    Ok(())
}

/// The customer reviews what an order brought them, each product once however often they bought
/// it (`reviewed`: customer and product pairs already reviewed); how many reviews were written.
async fn review(
    shop: &Shop,
    order: &DemoOrder,
    n: usize,
    products: &[String],
    reviewed: &mut HashSet<(usize, usize)>,
) -> anyhow::Result<usize> {
    const REVIEWS: [(i64, &str, &str); 4] = [
        (
            5,
            "Exactly as described",
            "Arrived quickly and well packed. Very happy with it.",
        ),
        (
            4,
            "Good value",
            "Does what it should. The finish could be a little better.",
        ),
        (
            5,
            "Love it",
            "Second one I have bought; I keep recommending it to friends.",
        ),
        (
            3,
            "Fine",
            "Works, but the photos made it look bigger than it is.",
        ),
    ];
    let mut written = 0;
    for (k, &product) in order.products.iter().enumerate() {
        if !reviewed.insert((order.customer, product)) {
            continue;
        }
        let (rating, title, body) = REVIEWS[(n + k) % REVIEWS.len()];
        let path = format!("/products/{}/reviews", products[product]);
        shop.post(
            &order.customer_token,
            &path,
            json!({"rating": rating, "title": title, "body": body}),
        )
        .await?;
        written += 1;
    }
    Ok(written)
}
