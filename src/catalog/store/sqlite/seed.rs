//! Seeding on the embedded database (SQLite): the sample tree, sellers and products, one transaction per batch.

use crate::catalog::CatalogError;
use crate::catalog::seed::SeedProduct;
use crate::db::EmbeddedDatabase;
use uuid::Uuid;

type Result<T> = std::result::Result<T, CatalogError>;

pub(in crate::catalog::store) async fn seed_category(
    db: &EmbeddedDatabase,
    name: &str,
    parent: Option<Uuid>,
) -> Result<Uuid> {
    let slug = format!("seed-{}", name.to_lowercase().replace(' ', "-"));
    Ok(sqlx::query_scalar(
        "INSERT INTO categories (id, name, slug, parent_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(name)
    .bind(slug)
    .bind(parent)
    .fetch_one(&db.writer)
    .await?)
}

pub(in crate::catalog::store) async fn seed_seller(
    db: &EmbeddedDatabase,
    n: usize,
    password_hash: &str,
) -> Result<Uuid> {
    Ok(sqlx::query_scalar(
        "INSERT INTO users (id, email, password_hash, name, role, status)
         VALUES ($1, $2, $3, $4, 'seller', 'active')
         ON CONFLICT (email) WHERE deleted_at IS NULL DO UPDATE SET name = EXCLUDED.name
         RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(format!("seller{n}@seed.bazaar.test"))
    .bind(password_hash)
    .bind(format!("Seed Shop {n}"))
    .fetch_one(&db.writer)
    .await?)
}

pub(in crate::catalog::store) async fn insert_seed_products(
    db: &EmbeddedDatabase,
    products: &[SeedProduct],
) -> Result<()> {
    let mut tx = db.writer.begin().await?;
    let mut new = Vec::with_capacity(products.len());
    for p in products {
        let inserted = sqlx::query(
            "INSERT INTO products (id, seller_id, sku, name, description, brand, category_id,
                 price_cents, currency, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'EUR', 'published')
             ON CONFLICT (seller_id, sku) DO NOTHING",
        )
        .bind(p.id)
        .bind(p.seller)
        .bind(&p.sku)
        .bind(&p.name)
        .bind(&p.description)
        .bind(&p.brand)
        .bind(p.category)
        .bind(p.price_cents)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 1 {
            new.push((p.id, p.stock, 5));
        }
    }
    super::products::create_inventory(&mut tx, &new).await?;
    tx.commit().await?;
    Ok(())
}

pub(in crate::catalog::store) async fn seed_hot_product(
    db: &EmbeddedDatabase,
    stock: i64,
) -> Result<Uuid> {
    let (seller, category, product) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let mut tx = db.writer.begin().await?;
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
    super::products::create_inventory(&mut tx, &[(product, stock, 0)]).await?;
    tx.commit().await?;
    Ok(product)
}

/// Brings the query planner's statistics up to date after a bulk load.
pub(in crate::catalog::store) async fn analyze(db: &EmbeddedDatabase) -> Result<()> {
    sqlx::query("ANALYZE").execute(&db.writer).await?;
    Ok(())
}
