//! Seeding on PostgreSQL: the sample tree, sellers and products, in large set-based batches.

use crate::catalog::CatalogError;
use crate::catalog::seed::SeedProduct;
use bazaar_actors::journal::LedgerReason;
use sqlx::PgPool;
use uuid::Uuid;

type Result<T> = std::result::Result<T, CatalogError>;

pub(in crate::catalog::store) async fn seed_category(
    pool: &PgPool,
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
    .fetch_one(pool)
    .await?)
}

pub(in crate::catalog::store) async fn seed_seller(
    pool: &PgPool,
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
    .fetch_one(pool)
    .await?)
}

pub(in crate::catalog::store) async fn insert_seed_products(
    pool: &PgPool,
    products: &[SeedProduct],
) -> Result<()> {
    let column = |f: fn(&SeedProduct) -> String| products.iter().map(f).collect::<Vec<_>>();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO products (id, seller_id, sku, name, description, brand, category_id,
             price_cents, currency, status)
         SELECT t.*, 'EUR', 'published'
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::uuid[], $8::bigint[]) AS t
         ON CONFLICT (seller_id, sku) DO NOTHING",
    )
    .bind(products.iter().map(|p| p.id).collect::<Vec<_>>())
    .bind(products.iter().map(|p| p.seller).collect::<Vec<_>>())
    .bind(column(|p| p.sku.clone()))
    .bind(column(|p| p.name.clone()))
    .bind(column(|p| p.description.clone()))
    .bind(column(|p| p.brand.clone()))
    .bind(products.iter().map(|p| p.category).collect::<Vec<_>>())
    .bind(products.iter().map(|p| p.price_cents).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "WITH new AS (
             INSERT INTO inventory (product_id, on_hand, low_stock_threshold)
             SELECT t.id, t.stock, 5 FROM unnest($1::uuid[], $2::bigint[]) AS t (id, stock)
             WHERE EXISTS (SELECT 1 FROM products p WHERE p.id = t.id)
             RETURNING product_id, on_hand)
         INSERT INTO inventory_movements (product_id, delta, reason)
         SELECT product_id, on_hand, $3 FROM new WHERE on_hand > 0",
    )
    .bind(products.iter().map(|p| p.id).collect::<Vec<_>>())
    .bind(products.iter().map(|p| p.stock).collect::<Vec<_>>())
    .bind(LedgerReason::Initial)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(in crate::catalog::store) async fn seed_hot_product(pool: &PgPool, stock: i64) -> Result<Uuid> {
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
    super::products::create_inventory(&mut tx, &[(product, stock, 0)]).await?;
    tx.commit().await?;
    Ok(product)
}

/// Brings the planner's statistics and the visibility map (which index-only scans of the facets
/// rely on) up to date after a bulk load.
pub(in crate::catalog::store) async fn analyze(pool: &PgPool) -> Result<()> {
    sqlx::query("VACUUM ANALYZE").execute(pool).await?;
    Ok(())
}
