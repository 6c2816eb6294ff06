//! The writes of an import on the embedded database (SQLite): one upsert per row, in one
//! transaction per batch.

use super::products::{create_inventory, write_error};
use crate::catalog::CatalogError;
use crate::catalog::import::{Row, Written};
use crate::db::EmbeddedDatabase;
use serde_json::Value;
use sqlx::SqliteConnection;
use std::collections::HashMap;
use uuid::Uuid;

type Result<T> = std::result::Result<T, CatalogError>;

pub(in crate::catalog::store) async fn upsert_products(
    db: &EmbeddedDatabase,
    seller: Uuid,
    catalog: Uuid,
    rows: &[Row],
) -> Result<Written> {
    let mut tx = db.writer.begin().await?;
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
    for id in ids {
        sqlx::query(
            "INSERT INTO catalog_products (catalog_id, product_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
        )
        .bind(catalog)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Written {
        created: created.len() as u64,
        updated,
    })
}

/// Inserts or updates the products of `rows`; (id, sku, inserted) for each.
async fn upsert(
    connection: &mut SqliteConnection,
    seller: Uuid,
    rows: &[Row],
) -> Result<Vec<(Uuid, String, bool)>> {
    let mut upserted = Vec::with_capacity(rows.len());
    for row in rows {
        let product = &row.product;
        // A new row keeps the id bound here; an updated one keeps its own.
        let id = Uuid::now_v7();
        let (kept, sku): (Uuid, String) = sqlx::query_as(
            "INSERT INTO products (id, seller_id, sku, name, description, brand, category_id,
                 price_cents, currency, images, attributes, status, max_per_customer)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT (seller_id, sku) DO UPDATE SET
                 name = excluded.name, description = excluded.description,
                 brand = excluded.brand, category_id = excluded.category_id,
                 price_cents = excluded.price_cents, currency = excluded.currency,
                 images = excluded.images, attributes = excluded.attributes,
                 status = excluded.status, max_per_customer = excluded.max_per_customer,
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             RETURNING id, sku",
        )
        .bind(id)
        .bind(seller)
        .bind(product.sku.as_str())
        .bind(&product.name)
        .bind(&product.description)
        .bind(&product.brand)
        .bind(product.category_id)
        .bind(product.price_cents.cents())
        .bind(product.currency.as_str())
        .bind(Value::from(product.images.clone()).to_string())
        .bind(Value::Object(product.attributes.clone()).to_string())
        .bind(product.status.as_str())
        .bind(product.max_per_customer)
        .fetch_one(&mut *connection)
        .await
        .map_err(write_error)?;
        upserted.push((kept, sku, kept == id));
    }
    Ok(upserted)
}
