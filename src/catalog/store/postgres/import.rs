//! The writes of an import on PostgreSQL: one set-based upsert per batch.

use super::products::{create_inventory, write_error};
use crate::catalog::CatalogError;
use crate::catalog::import::{Row, Written};
use crate::domain::ProductInput;
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;
use uuid::Uuid;

type Result<T> = std::result::Result<T, CatalogError>;

pub(in crate::catalog::store) async fn upsert_products(
    pool: &PgPool,
    seller: Uuid,
    catalog: Uuid,
    rows: &[Row],
) -> Result<Written> {
    let mut tx = pool.begin().await?;
    let upserted = upsert(&mut tx, seller, rows).await?;
    let by_sku: HashMap<&str, &Row> = rows.iter().map(|r| (r.product.sku.as_str(), r)).collect();
    let mut created = Vec::new();
    let mut updated = Vec::new();
    for (id, sku, inserted) in &upserted {
        let row = by_sku
            .get(sku.as_str())
            .ok_or_else(|| anyhow::anyhow!("upsert returned unknown sku {sku}"))?;
        if *inserted {
            created.push((*id, row.product.stock, row.product.low_stock_threshold));
        } else {
            updated.push((*id, sku.clone()));
        }
    }
    create_inventory(&mut tx, &created).await?;
    let ids: Vec<Uuid> = upserted.iter().map(|(id, _, _)| *id).collect();
    sqlx::query(
        "INSERT INTO catalog_products (catalog_id, product_id)
         SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING",
    )
    .bind(catalog)
    .bind(&ids)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Written {
        created: created.len() as u64,
        updated,
    })
}

/// Inserts or updates the products of `rows`; (id, sku, inserted) for each.
async fn upsert(
    connection: &mut PgConnection,
    seller: Uuid,
    rows: &[Row],
) -> Result<Vec<(Uuid, String, bool)>> {
    let column = |f: fn(&ProductInput) -> String| -> Vec<String> {
        rows.iter().map(|row| f(&row.product)).collect()
    };
    let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::now_v7()).collect();
    let brands: Vec<Option<String>> = rows.iter().map(|r| r.product.brand.clone()).collect();
    let categories: Vec<Uuid> = rows.iter().map(|r| r.product.category_id).collect();
    let prices: Vec<i64> = rows.iter().map(|r| r.product.price_cents.cents()).collect();
    let limits: Vec<Option<i32>> = rows.iter().map(|r| r.product.max_per_customer).collect();
    let upserted = sqlx::query_as(
        "INSERT INTO products (id, seller_id, sku, name, description, brand, category_id,
             price_cents, currency, images, attributes, status, max_per_customer)
         SELECT t.id, $1, t.sku, t.name, t.description, t.brand, t.category_id, t.price_cents,
             t.currency, t.images::jsonb, t.attributes::jsonb, t.status, t.max_per_customer
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[],
                     $8::bigint[], $9::text[], $10::text[], $11::text[], $12::text[], $13::int[])
              AS t (id, sku, name, description, brand, category_id, price_cents, currency,
                    images, attributes, status, max_per_customer)
         ON CONFLICT (seller_id, sku) DO UPDATE SET
             name = EXCLUDED.name, description = EXCLUDED.description, brand = EXCLUDED.brand,
             category_id = EXCLUDED.category_id, price_cents = EXCLUDED.price_cents,
             currency = EXCLUDED.currency, images = EXCLUDED.images,
             attributes = EXCLUDED.attributes, status = EXCLUDED.status,
             max_per_customer = EXCLUDED.max_per_customer, updated_at = now()
         RETURNING id, sku, (xmax = 0) AS inserted",
    )
    .bind(seller)
    .bind(&ids)
    .bind(column(|p| p.sku.as_str().to_owned()))
    .bind(column(|p| p.name.clone()))
    .bind(column(|p| p.description.clone()))
    .bind(&brands)
    .bind(&categories)
    .bind(&prices)
    .bind(column(|p| p.currency.as_str().to_owned()))
    .bind(column(|p| Value::from(p.images.clone()).to_string()))
    .bind(column(|p| Value::Object(p.attributes.clone()).to_string()))
    .bind(column(|p| p.status.as_str().to_owned()))
    .bind(&limits)
    .fetch_all(connection)
    .await
    .map_err(write_error)?;
    Ok(upserted)
}
