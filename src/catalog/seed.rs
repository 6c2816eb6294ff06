//! `bazaar seed --products N`: fills a database with a realistic catalog for demos and benchmarks.
//!
//! A three-level category tree, a few sellers and N products with varied names, brands,
//! descriptions, prices and stock. Generation is deterministic (a fixed-seed PRNG), so two
//! databases seeded with the same N hold the same catalog and benchmarks are comparable.
//! Products are written in large set-based batches.

use crate::auth::PasswordHasher;
use sqlx::PgPool;
use uuid::Uuid;

/// The password of every seeded seller.
pub const SELLER_PASSWORD: &str = "seed seller password";
const BATCH: usize = 5_000;

/// What a seed run created.
#[derive(Debug)]
pub struct SeedReport {
    pub categories: usize,
    pub sellers: usize,
    pub products: usize,
}

/// A second-level category and its three leaves.
type Branch = (&'static str, [&'static str; 3]);

/// Top-level categories, each with three branches.
const TREE: [(&str, [Branch; 3]); 6] = [
    (
        "Electronics",
        [
            ("Phones", ["Smartphones", "Cases", "Chargers"]),
            ("Computers", ["Laptops", "Monitors", "Keyboards"]),
            ("Audio", ["Headphones", "Speakers", "Microphones"]),
        ],
    ),
    (
        "Home",
        [
            ("Kitchen", ["Cookware", "Knives", "Coffee"]),
            ("Furniture", ["Chairs", "Desks", "Shelves"]),
            ("Lighting", ["Lamps", "Bulbs", "Lanterns"]),
        ],
    ),
    (
        "Fashion",
        [
            ("Shoes", ["Sneakers", "Boots", "Sandals"]),
            ("Clothing", ["Shirts", "Jackets", "Trousers"]),
            ("Accessories", ["Bags", "Watches", "Belts"]),
        ],
    ),
    (
        "Sports",
        [
            ("Outdoor", ["Tents", "Backpacks", "Climbing"]),
            ("Fitness", ["Weights", "Mats", "Trackers"]),
            ("Cycling", ["Bikes", "Helmets", "Lights"]),
        ],
    ),
    (
        "Books",
        [
            ("Fiction", ["Novels", "Thrillers", "Fantasy"]),
            ("Science", ["Physics", "Biology", "Computing"]),
            ("Kids", ["Picture Books", "Early Readers", "Comics"]),
        ],
    ),
    (
        "Garden",
        [
            ("Tools", ["Shovels", "Pruners", "Hoses"]),
            ("Plants", ["Seeds", "Bulbs And Tubers", "Houseplants"]),
            ("Furniture And Decor", ["Benches", "Planters", "Parasols"]),
        ],
    ),
];

const ADJECTIVES: [&str; 24] = [
    "Classic",
    "Compact",
    "Deluxe",
    "Ergonomic",
    "Lightweight",
    "Premium",
    "Rugged",
    "Sleek",
    "Smart",
    "Vintage",
    "Wireless",
    "Portable",
    "Heavy-Duty",
    "Eco",
    "Ultra",
    "Pro",
    "Mini",
    "Modular",
    "Foldable",
    "Waterproof",
    "Quiet",
    "Rapid",
    "Essential",
    "Signature",
];
const MATERIALS: [&str; 12] = [
    "Bamboo",
    "Steel",
    "Leather",
    "Cotton",
    "Aluminium",
    "Oak",
    "Ceramic",
    "Carbon",
    "Wool",
    "Glass",
    "Linen",
    "Titanium",
];
const BRANDS: [&str; 20] = [
    "Acme",
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Tyrell",
    "Soylent",
    "Cyberdyne",
    "Aperture",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Monarch",
    "Zorg",
    "Nakatomi",
    "Pendant",
];
const PHRASES: [&str; 10] = [
    "Built to last for years of daily use.",
    "Designed with comfort and durability in mind.",
    "A favourite of professionals and beginners alike.",
    "Easy to clean and simple to store.",
    "Tested in demanding conditions.",
    "Made from responsibly sourced materials.",
    "Ships in recyclable packaging.",
    "Backed by a two-year warranty.",
    "Pairs well with the rest of the range.",
    "Award-winning design, refined over many seasons.",
];

/// A small deterministic PRNG (xorshift64*): plenty for sample data, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// One published product with `stock` units, its own seller and category: the hot product of a
/// benchmark or a test.
pub async fn hot_product(pool: &PgPool, stock: i64) -> anyhow::Result<Uuid> {
    let (seller, category, product) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, name, role, status)
         VALUES ($1, $2, 'no-login', 'Hot seller', 'seller', 'active')",
    )
    .bind(seller)
    .bind(format!("{}@hot.bazaar.test", seller.simple()))
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO categories (id, name, slug) VALUES ($1, 'Hot', $2)")
        .bind(category)
        .bind(format!("hot-{}", category.simple()))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO products (id, seller_id, sku, name, category_id, price_cents, currency, status)
         VALUES ($1, $2, 'HOT', 'Hot product', $3, 100, 'EUR', 'published')",
    )
    .bind(product)
    .bind(seller)
    .bind(category)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "WITH stock AS (INSERT INTO inventory (product_id, on_hand) VALUES ($1, $2) RETURNING product_id, on_hand)
         INSERT INTO inventory_movements (product_id, delta, reason)
         SELECT product_id, on_hand, 'initial' FROM stock WHERE on_hand > 0",
    )
    .bind(product)
    .bind(stock)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(product)
}

/// Seeds `products` products (and the categories and sellers they need).
pub async fn seed(pool: &PgPool, products: usize) -> anyhow::Result<SeedReport> {
    let leaves = seed_categories(pool).await?;
    let sellers = seed_sellers(pool, (products / 2_000).clamp(1, 50)).await?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut written = 0;
    while written < products {
        let count = BATCH.min(products - written);
        insert_batch(pool, &mut rng, &leaves, &sellers, written, count).await?;
        written += count;
        tracing::info!(written, "seeded products");
    }
    Ok(SeedReport {
        categories: TREE.len() * 13,
        sellers: sellers.len(),
        products: written,
    })
}

/// Creates the category tree (idempotent by slug); returns the leaves with their names.
async fn seed_categories(pool: &PgPool) -> anyhow::Result<Vec<(Uuid, String)>> {
    let mut leaves = Vec::new();
    for (top, middles) in TREE {
        let top_id = upsert_category(pool, top, None).await?;
        for (middle, bottoms) in middles {
            let middle_id = upsert_category(pool, middle, Some(top_id)).await?;
            for bottom in bottoms {
                leaves.push((
                    upsert_category(pool, bottom, Some(middle_id)).await?,
                    bottom.to_owned(),
                ));
            }
        }
    }
    Ok(leaves)
}

async fn upsert_category(pool: &PgPool, name: &str, parent: Option<Uuid>) -> anyhow::Result<Uuid> {
    let slug = format!("seed-{}", name.to_lowercase().replace(' ', "-"));
    let id = sqlx::query_scalar(
        "INSERT INTO categories (id, name, slug, parent_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(name)
    .bind(slug)
    .bind(parent)
    .fetch_one(pool)
    .await?;
    Ok(id)
}

async fn seed_sellers(pool: &PgPool, count: usize) -> anyhow::Result<Vec<Uuid>> {
    let hash = PasswordHasher::default().hash(SELLER_PASSWORD).await?;
    let mut sellers = Vec::with_capacity(count);
    for n in 1..=count {
        let id = sqlx::query_scalar(
            "INSERT INTO users (id, email, password_hash, name, role, status)
             VALUES ($1, $2, $3, $4, 'seller', 'active')
             ON CONFLICT (email) WHERE deleted_at IS NULL DO UPDATE SET name = EXCLUDED.name
             RETURNING id",
        )
        .bind(Uuid::now_v7())
        .bind(format!("seller{n}@seed.bazaar.test"))
        .bind(&hash)
        .bind(format!("Seed Shop {n}"))
        .fetch_one(pool)
        .await?;
        sellers.push(id);
    }
    Ok(sellers)
}

async fn insert_batch(
    pool: &PgPool,
    rng: &mut Rng,
    leaves: &[(Uuid, String)],
    sellers: &[Uuid],
    first: usize,
    count: usize,
) -> anyhow::Result<()> {
    let mut ids = Vec::with_capacity(count);
    let mut seller_ids = Vec::with_capacity(count);
    let mut skus = Vec::with_capacity(count);
    let mut names = Vec::with_capacity(count);
    let mut descriptions = Vec::with_capacity(count);
    let mut brands = Vec::with_capacity(count);
    let mut categories = Vec::with_capacity(count);
    let mut prices = Vec::with_capacity(count);
    let mut stock = Vec::with_capacity(count);
    for n in first..first + count {
        let (category, leaf) = &leaves[rng.below(leaves.len())];
        let brand = rng.pick(&BRANDS);
        let name = format!(
            "{} {} {} {}",
            rng.pick(&ADJECTIVES),
            rng.pick(&MATERIALS),
            leaf.trim_end_matches('s'),
            100 + rng.below(900)
        );
        let description = format!(
            "The {name} by {brand}. {} {} {}",
            rng.pick(&PHRASES),
            rng.pick(&PHRASES),
            rng.pick(&PHRASES)
        );
        // Prices spread over orders of magnitude, as in a real shop: 1.99 to ~2,000.
        let magnitude = [199_i64, 999, 2_499, 4_999, 9_999, 24_999, 99_999, 199_999][rng.below(8)];
        ids.push(Uuid::now_v7());
        seller_ids.push(sellers[n % sellers.len()]);
        skus.push(format!("SEED-{n:08}"));
        names.push(name);
        descriptions.push(description);
        brands.push(brand.to_owned());
        categories.push(*category);
        prices.push(magnitude / 2 + (rng.next() % (magnitude as u64)) as i64);
        stock.push(if rng.below(10) == 0 {
            0_i64
        } else {
            rng.below(500) as i64
        });
    }
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO products (id, seller_id, sku, name, description, brand, category_id,
             price_cents, currency, status)
         SELECT t.*, 'EUR', 'published'
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::uuid[], $8::bigint[]) AS t
         ON CONFLICT (seller_id, sku) DO NOTHING",
    )
    .bind(&ids)
    .bind(&seller_ids)
    .bind(&skus)
    .bind(&names)
    .bind(&descriptions)
    .bind(&brands)
    .bind(&categories)
    .bind(&prices)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "WITH new AS (
             INSERT INTO inventory (product_id, on_hand, low_stock_threshold)
             SELECT t.id, t.stock, 5 FROM unnest($1::uuid[], $2::bigint[]) AS t (id, stock)
             WHERE EXISTS (SELECT 1 FROM products p WHERE p.id = t.id)
             RETURNING product_id, on_hand)
         INSERT INTO inventory_movements (product_id, delta, reason)
         SELECT product_id, on_hand, 'initial' FROM new WHERE on_hand > 0",
    )
    .bind(&ids)
    .bind(&stock)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
