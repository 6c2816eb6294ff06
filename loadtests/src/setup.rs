//! A shop to load-test, made through Bazaar's admin API: a seller, a category, products with
//! stock and signed-in buyers. Every scenario that talks to a server starts from one.

use crate::api::{login, post};
use serde_json::json;
use std::str::FromStr;
use uuid::Uuid;

/// What to make.
pub struct Plan {
    /// Stock of each product to make; the first is the hot product.
    pub stocks: Vec<i64>,
    pub buyers: usize,
    pub price_cents: i64,
}

/// A product of the shop.
#[derive(Clone, Copy, Debug)]
pub struct Product {
    pub id: Uuid,
    pub stock: i64,
}

/// A signed-in customer.
#[derive(Clone, Debug)]
pub struct Buyer {
    pub id: Uuid,
    pub token: String,
}

/// The shop made for one run.
pub struct Shop {
    pub client: reqwest::Client,
    pub server: String,
    pub category: Uuid,
    /// The hot product first.
    pub products: Vec<Product>,
    pub buyers: Vec<Buyer>,
    /// The access tokens of the admin and of the products' seller.
    pub admin: String,
    pub seller: String,
}

/// The password of every account a run makes.
const PASSWORD: &str = "load test password";
/// How long an idle connection is kept for reuse.
const IDLE_CONNECTION: std::time::Duration = std::time::Duration::from_secs(2);
/// Accounts made at once while preparing.
const PREPARE_IN_FLIGHT: usize = 16;

impl Shop {
    /// Makes the shop on `server`, signed in as `admin` (email, password).
    pub async fn prepare(
        server: &str,
        admin: &(String, String),
        plan: &Plan,
    ) -> anyhow::Result<Shop> {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(plan.buyers.max(PREPARE_IN_FLIGHT))
            // Below the server's keep-alive (5 s): a connection the server is closing for being
            // idle must not be reused, or the request on it gets no answer.
            .pool_idle_timeout(IDLE_CONNECTION)
            .build()?;
        let admin = login(&client, server, &admin.0, &admin.1).await?;
        let tag = Uuid::now_v7().simple().to_string();
        let seller_email = format!("seller-{tag}@load.example");
        create_user(&client, server, &admin, &seller_email, "seller").await?;
        let seller = login(&client, server, &seller_email, PASSWORD).await?;
        let category = post(
            &client,
            format!("{server}/api/v1/categories"),
            Some(&admin),
            json!({"name": format!("Load {tag}")}),
        )
        .await?;
        let category: Uuid = category["id"].as_str().unwrap_or_default().parse()?;
        let mut products = Vec::with_capacity(plan.stocks.len());
        for (n, &stock) in plan.stocks.iter().enumerate() {
            let product = post(
                &client,
                format!("{server}/api/v1/products"),
                Some(&seller),
                json!({
                    "sku": format!("LOAD-{tag}-{n}"), "name": format!("Load product {n}"),
                    "description": "A product made by bazaar-loadtest", "brand": "Loadtest",
                    "category_id": category, "price_cents": plan.price_cents, "currency": "EUR",
                    "stock": stock
                }),
            )
            .await?;
            products.push(Product {
                id: product["id"].as_str().unwrap_or_default().parse()?,
                stock,
            });
        }

        eprintln!("preparing {} buyers...", plan.buyers);
        let mut buyers = Vec::with_capacity(plan.buyers);
        let mut pending = futures_util::stream::FuturesOrdered::new();
        for n in 0..plan.buyers {
            let (client, admin, server) = (client.clone(), admin.clone(), server.to_owned());
            let email = format!("buyer{n}-{tag}@load.example");
            pending.push_back(async move {
                let id = create_user(&client, &server, &admin, &email, "customer").await?;
                let token = login(&client, &server, &email, PASSWORD).await?;
                anyhow::Ok(Buyer { id, token })
            });
            if pending.len() >= PREPARE_IN_FLIGHT
                && let Some(buyer) = futures_util::StreamExt::next(&mut pending).await
            {
                buyers.push(buyer?);
            }
        }
        while let Some(buyer) = futures_util::StreamExt::next(&mut pending).await {
            buyers.push(buyer?);
        }
        Ok(Shop {
            client,
            server: server.to_owned(),
            category,
            products,
            buyers,
            admin,
            seller,
        })
    }

    /// A new active account of `role`, signed in: its id and access token.
    pub async fn user(&self, role: &str) -> anyhow::Result<(Uuid, String)> {
        let email = format!("{role}-{}@load.example", Uuid::now_v7().simple());
        let id = create_user(&self.client, &self.server, &self.admin, &email, role).await?;
        let token = login(&self.client, &self.server, &email, PASSWORD).await?;
        Ok((id, token))
    }

    /// The hot product.
    pub fn hot(&self) -> Product {
        self.products[0]
    }
}

/// Creates an active account through the admin API; its id.
async fn create_user(
    client: &reqwest::Client,
    server: &str,
    admin: &str,
    email: &str,
    role: &str,
) -> anyhow::Result<Uuid> {
    let user = post(
        client,
        format!("{server}/api/v1/admin/users"),
        Some(admin),
        json!({"email": email, "password": PASSWORD, "name": "Load tester", "role": role}),
    )
    .await?;
    Ok(user["id"].as_str().unwrap_or_default().parse()?)
}

/// Makes `count` active customers straight in the server's database (`database_url`) and signs
/// their access tokens with the server's key (`key_file`): how a run gets tens of thousands of
/// signed-in buyers without hashing a password for each. They cannot sign in with a password.
pub async fn mint_buyers(
    database_url: &str,
    key_file: &std::path::Path,
    count: usize,
) -> anyhow::Result<Vec<Buyer>> {
    anyhow::ensure!(
        key_file.exists(),
        "no signing key at {}: give the server's BAZAAR_JWT_KEY_FILE",
        key_file.display()
    );
    let keys = bazaar::JwtKeys::load_or_generate(key_file, std::time::Duration::from_secs(7_200))?;
    let tag = Uuid::now_v7().simple().to_string();
    let ids: Vec<Uuid> = (0..count).map(|_| Uuid::now_v7()).collect();
    let emails: Vec<String> = (0..count)
        .map(|n| format!("minted{n}-{tag}@load.example"))
        .collect();
    eprintln!("minting {count} buyers...");
    if database_url.starts_with("sqlite:") {
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(database_url)?
            .busy_timeout(std::time::Duration::from_secs(30));
        let pool = sqlx::SqlitePool::connect_with(options).await?;
        for (ids, emails) in ids.chunks(5_000).zip(emails.chunks(5_000)) {
            let mut tx = pool.begin().await?;
            for (id, email) in ids.iter().zip(emails) {
                sqlx::query(
                    "INSERT INTO users (id, email, password_hash, name, role, status)
                     VALUES ($1, $2, 'minted', 'Load tester', 'customer', 'active')",
                )
                .bind(id)
                .bind(email)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        }
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(database_url).await?;
        for (ids, emails) in ids.chunks(5_000).zip(emails.chunks(5_000)) {
            sqlx::query(
                "INSERT INTO users (id, email, password_hash, name, role, status)
                 SELECT id, email, 'minted', 'Load tester', 'customer', 'active'
                 FROM unnest($1::uuid[], $2::text[]) AS t (id, email)",
            )
            .bind(ids)
            .bind(emails)
            .execute(&pool)
            .await?;
        }
        pool.close().await;
    }
    ids.into_iter()
        .map(|id| {
            let token = keys.issue(id, bazaar::Role::Customer)?.token;
            Ok(Buyer { id, token })
        })
        .collect()
}
