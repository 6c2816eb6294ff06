//! `bazaar seed --products N`: fills a database with a realistic catalog for demos and benchmarks.
//!
//! A three-level category tree, a few sellers and N products with varied names, brands,
//! descriptions, prices and stock. Generation is deterministic (a fixed-seed PRNG), so two
//! databases seeded with the same N hold the same catalog and benchmarks are comparable.
//! Products are written in large set-based batches.

use super::store::CatalogStore;
use crate::auth::PasswordHasher;
use crate::db::Database;
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
pub async fn hot_product(db: &Database, stock: i64) -> anyhow::Result<Uuid> {
    Ok(CatalogStore::new(db.clone())
        .seed_hot_product(stock)
        .await?)
}

/// A product to seed.
pub(crate) struct SeedProduct {
    pub id: Uuid,
    pub seller: Uuid,
    pub sku: String,
    pub name: String,
    pub description: String,
    pub brand: String,
    pub category: Uuid,
    pub price_cents: i64,
    pub stock: i64,
}

/// Seeds `products` products (and the categories and sellers they need).
pub async fn seed(db: &Database, products: usize) -> anyhow::Result<SeedReport> {
    let store = CatalogStore::new(db.clone());
    let leaves = seed_categories(&store).await?;
    let sellers = seed_sellers(&store, (products / 2_000).clamp(1, 50)).await?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut written = 0;
    while written < products {
        let count = BATCH.min(products - written);
        let batch = generate(&mut rng, &leaves, &sellers, written, count);
        store.insert_seed_products(&batch).await?;
        written += count;
        tracing::info!(written, "seeded products");
    }
    // Without fresh statistics the first searches of a freshly seeded catalog get poor plans.
    store.analyze().await?;
    Ok(SeedReport {
        categories: TREE.len() * 13,
        sellers: sellers.len(),
        products: written,
    })
}

/// Creates the category tree (idempotent by slug); returns the leaves with their names.
async fn seed_categories(store: &CatalogStore) -> anyhow::Result<Vec<(Uuid, String)>> {
    let mut leaves = Vec::new();
    for (top, middles) in TREE {
        let top_id = store.seed_category(top, None).await?;
        for (middle, bottoms) in middles {
            let middle_id = store.seed_category(middle, Some(top_id)).await?;
            for bottom in bottoms {
                let leaf = store.seed_category(bottom, Some(middle_id)).await?;
                leaves.push((leaf, bottom.to_owned()));
            }
        }
    }
    Ok(leaves)
}

async fn seed_sellers(store: &CatalogStore, count: usize) -> anyhow::Result<Vec<Uuid>> {
    let hash = PasswordHasher::default().hash(SELLER_PASSWORD).await?;
    let mut sellers = Vec::with_capacity(count);
    for n in 1..=count {
        sellers.push(store.seed_seller(n, &hash).await?);
    }
    Ok(sellers)
}

/// `count` products numbered from `first`, spread over the leaves and sellers.
fn generate(
    rng: &mut Rng,
    leaves: &[(Uuid, String)],
    sellers: &[Uuid],
    first: usize,
    count: usize,
) -> Vec<SeedProduct> {
    (first..first + count)
        .map(|n| {
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
            let magnitude =
                [199_i64, 999, 2_499, 4_999, 9_999, 24_999, 99_999, 199_999][rng.below(8)];
            let price_cents = magnitude / 2 + (rng.next() % (magnitude as u64)) as i64;
            let stock = if rng.below(10) == 0 {
                0
            } else {
                rng.below(500) as i64
            };
            SeedProduct {
                id: Uuid::now_v7(),
                seller: sellers[n % sellers.len()],
                sku: format!("SEED-{n:08}"),
                name,
                description,
                brand: brand.to_owned(),
                category: *category,
                price_cents,
                stock,
            }
        })
        .collect()
}
