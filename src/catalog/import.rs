//! Bulk import of products into a catalog from CSV (with a header row) or NDJSON.
//!
//! The body is streamed: rows are parsed as they arrive and written in batches, so a file of
//! 100,000 rows never sits in memory whole. Each row is validated exactly like a single create;
//! rows upsert by `sku` among the catalog owner's products and join the catalog. A batch is one
//! transaction of set-based statements; if it fails, its rows are retried one by one so a bad row
//! is reported with its line while the good ones still land.

use super::catalogs::ensure_owner;
use super::products::write_error;
use super::{CatalogError, ProductCache, Viewer};
use crate::db::{codes, violates};
use crate::domain::{FieldErrors, ProductFields, ProductInput};
use crate::error::FieldError;
use crate::extract::from_json_value;
use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::{PgConnection, PgPool};
use std::collections::{HashMap, HashSet};
use tokio::io::AsyncBufReadExt;
use tokio_util::io::StreamReader;
use utoipa::ToSchema;
use uuid::Uuid;

/// The largest file an import accepts.
pub const IMPORT_LIMIT_BYTES: u64 = 50 * 1024 * 1024;
/// Rows written per transaction.
const BATCH_ROWS: usize = 500;

/// The file formats an import reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    /// Comma-separated values with a header row naming the columns.
    Csv,
    /// One JSON object per line.
    Ndjson,
}

/// What an import did.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub created: u64,
    pub updated: u64,
    /// Every row that was not imported, with why.
    pub failed: Vec<LineError>,
    /// Existing products whose stock the file changed: their inventory actors must reload.
    #[serde(skip)]
    pub restocked: Vec<Uuid>,
}

/// A row that was not imported.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineError {
    /// 1-based line of the file (for CSV, the line where the record starts; the header is line 1).
    pub line: u64,
    pub errors: Vec<FieldError>,
}

/// One valid row and what it says about stock (absent columns leave an existing product's stock
/// and threshold as they are).
struct Row {
    line: u64,
    product: ProductInput,
    stock_given: bool,
    threshold_given: bool,
}

/// Imports `body` into catalog `catalog`, owned by `viewer` (or an admin).
#[tracing::instrument(skip(pool, cache, body))]
pub async fn import_products<S>(
    pool: &PgPool,
    cache: &ProductCache,
    viewer: Viewer,
    catalog: Uuid,
    format: ImportFormat,
    body: S,
) -> Result<ImportReport, CatalogError>
where
    S: Stream<Item = std::io::Result<Bytes>> + Send + Unpin,
{
    let seller = {
        let mut connection = pool.acquire().await?;
        ensure_owner(&mut connection, viewer, catalog).await?
    };
    let categories: HashSet<Uuid> = sqlx::query_scalar("SELECT id FROM categories")
        .fetch_all(pool)
        .await?
        .into_iter()
        .collect();
    let mut importer = Importer {
        pool,
        cache,
        seller,
        catalog,
        categories,
        batch: Vec::with_capacity(BATCH_ROWS),
        skus_in_batch: HashSet::new(),
        report: ImportReport::default(),
    };
    let reader = StreamReader::new(limited(body));
    match format {
        ImportFormat::Csv => read_csv(reader, &mut importer).await?,
        ImportFormat::Ndjson => read_ndjson(reader, &mut importer).await?,
    }
    importer.flush().await?;
    Ok(importer.report)
}

/// The body as an I/O stream that fails once it exceeds [`IMPORT_LIMIT_BYTES`].
fn limited<S>(body: S) -> impl Stream<Item = std::io::Result<Bytes>> + Send + Unpin
where
    S: Stream<Item = std::io::Result<Bytes>> + Send + Unpin,
{
    let mut seen: u64 = 0;
    body.map(move |chunk| {
        let chunk = chunk?;
        seen += chunk.len() as u64;
        if seen > IMPORT_LIMIT_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "import too large",
            ));
        }
        Ok(chunk)
    })
}

fn read_error(error: &std::io::Error) -> CatalogError {
    if error.kind() == std::io::ErrorKind::FileTooLarge {
        CatalogError::TooLarge(IMPORT_LIMIT_BYTES)
    } else {
        CatalogError::invalid("body", format!("the upload could not be read: {error}"))
    }
}

/// Columns an import understands.
const COLUMNS: [&str; 13] = [
    "sku",
    "name",
    "description",
    "brand",
    "category_id",
    "price_cents",
    "currency",
    "stock",
    "status",
    "images",
    "low_stock_threshold",
    "max_per_customer",
    "attributes",
];
const REQUIRED_COLUMNS: [&str; 5] = ["sku", "name", "category_id", "price_cents", "currency"];
const NUMERIC_COLUMNS: [&str; 4] = [
    "price_cents",
    "stock",
    "low_stock_threshold",
    "max_per_customer",
];

async fn read_csv<R>(reader: R, importer: &mut Importer<'_>) -> Result<(), CatalogError>
where
    R: tokio::io::AsyncRead + Unpin + Send,
{
    let mut csv = csv_async::AsyncReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv_async::Trim::All)
        .create_reader(reader);
    let headers: Vec<String> = csv
        .headers()
        .await
        .map_err(|error| csv_error(&error))?
        .iter()
        .map(|header| header.trim().to_lowercase())
        .collect();
    check_columns(&headers)?;
    let mut records = csv.records();
    while let Some(record) = records.next().await {
        let record = record.map_err(|error| csv_error(&error))?;
        let line = record.position().map_or(0, csv_async::Position::line);
        if record.len() > headers.len() {
            importer.fail(
                line,
                FieldError::new(
                    "line",
                    format!(
                        "has {} fields but the header names {}",
                        record.len(),
                        headers.len()
                    ),
                ),
            );
            continue;
        }
        let mut object = Map::new();
        for (header, cell) in headers.iter().zip(record.iter()) {
            if let Some(value) = cell_value(header, cell) {
                object.insert(header.clone(), value);
            }
        }
        importer.add(line, object).await?;
    }
    Ok(())
}

fn csv_error(error: &csv_async::Error) -> CatalogError {
    match error.kind() {
        csv_async::ErrorKind::Io(io) => read_error(io),
        _ => CatalogError::invalid("body", format!("not valid CSV: {error}")),
    }
}

fn check_columns(headers: &[String]) -> Result<(), CatalogError> {
    if let Some(unknown) = headers.iter().find(|h| !COLUMNS.contains(&h.as_str())) {
        return Err(CatalogError::invalid(
            "columns",
            format!(
                "unknown column {unknown:?}; the columns are {}",
                COLUMNS.join(", ")
            ),
        ));
    }
    let missing: Vec<&str> = REQUIRED_COLUMNS
        .iter()
        .filter(|required| !headers.iter().any(|h| h == *required))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(CatalogError::invalid(
            "columns",
            format!("missing required columns: {}", missing.join(", ")),
        ));
    }
    Ok(())
}

/// A CSV cell as the JSON value of its column; an empty cell is an absent field.
fn cell_value(column: &str, cell: &str) -> Option<Value> {
    if cell.is_empty() {
        return None;
    }
    let value = match column {
        _ if NUMERIC_COLUMNS.contains(&column) => cell
            .parse::<i64>()
            .map_or_else(|_| Value::String(cell.to_owned()), Value::from),
        "images" => Value::Array(
            cell.split('|')
                .map(str::trim)
                .filter(|url| !url.is_empty())
                .map(|url| Value::String(url.to_owned()))
                .collect(),
        ),
        "attributes" => {
            serde_json::from_str(cell).unwrap_or_else(|_| Value::String(cell.to_owned()))
        }
        _ => Value::String(cell.to_owned()),
    };
    Some(value)
}

async fn read_ndjson<R>(reader: R, importer: &mut Importer<'_>) -> Result<(), CatalogError>
where
    R: tokio::io::AsyncRead + Unpin,
{
    let mut lines = tokio::io::BufReader::new(reader).lines();
    let mut line: u64 = 0;
    while let Some(text) = lines
        .next_line()
        .await
        .map_err(|error| read_error(&error))?
    {
        line += 1;
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(object)) => importer.add(line, object).await?,
            Ok(_) => importer.fail(line, FieldError::new("line", "must be a JSON object")),
            Err(error) => importer.fail(
                line,
                FieldError::new("line", format!("malformed JSON: {error}")),
            ),
        }
    }
    Ok(())
}

/// Collects valid rows into batches and writes them.
struct Importer<'a> {
    pool: &'a PgPool,
    cache: &'a ProductCache,
    seller: Uuid,
    catalog: Uuid,
    categories: HashSet<Uuid>,
    batch: Vec<Row>,
    skus_in_batch: HashSet<String>,
    report: ImportReport,
}

impl Importer<'_> {
    fn fail(&mut self, line: u64, error: FieldError) {
        self.report.failed.push(LineError {
            line,
            errors: vec![error],
        });
    }

    /// Validates one row like a single create and queues it.
    async fn add(&mut self, line: u64, object: Map<String, Value>) -> Result<(), CatalogError> {
        let stock_given = object.contains_key("stock");
        let threshold_given = object.contains_key("low_stock_threshold");
        let fields: ProductFields = match from_json_value(Value::Object(object)) {
            Ok(fields) => fields,
            Err(error) => {
                self.fail(line, error);
                return Ok(());
            }
        };
        let mut errors = FieldErrors::default();
        if !self.categories.contains(&fields.category_id) {
            errors.add("category_id", "no such category");
        }
        let product = ProductInput::parse(fields, &mut errors);
        let problems = errors.into_vec();
        let Some(product) = product.filter(|_| problems.is_empty()) else {
            self.report.failed.push(LineError {
                line,
                errors: problems,
            });
            return Ok(());
        };
        // One batch writes each product once: a repeated sku goes into the next batch.
        if self.skus_in_batch.contains(product.sku.as_str()) {
            self.flush().await?;
        }
        self.skus_in_batch.insert(product.sku.as_str().to_owned());
        self.batch.push(Row {
            line,
            product,
            stock_given,
            threshold_given,
        });
        if self.batch.len() >= BATCH_ROWS {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes the queued rows: all together, or one by one if that fails.
    async fn flush(&mut self) -> Result<(), CatalogError> {
        let rows = std::mem::take(&mut self.batch);
        self.skus_in_batch.clear();
        if rows.is_empty() {
            return Ok(());
        }
        match self.write(&rows).await {
            Ok(written) => self.record(written).await,
            Err(error) if !is_row_error(&error) => Err(error),
            Err(_) => {
                for row in rows {
                    match self.write(std::slice::from_ref(&row)).await {
                        Ok(written) => self.record(written).await?,
                        Err(error) if is_row_error(&error) => {
                            let (field, message) = row_error(&error);
                            self.fail(row.line, FieldError::new(field, message));
                        }
                        Err(error) => return Err(error),
                    }
                }
                Ok(())
            }
        }
    }

    async fn record(&mut self, written: Written) -> Result<(), CatalogError> {
        self.report.created += written.created;
        self.report.updated += written.updated.len() as u64;
        self.cache.invalidate(&written.updated).await;
        self.report.restocked.extend(written.restocked);
        Ok(())
    }

    /// Upserts `rows` in one transaction.
    async fn write(&self, rows: &[Row]) -> Result<Written, CatalogError> {
        let mut tx = self.pool.begin().await?;
        let upserted = upsert_products(&mut tx, self.seller, rows).await?;
        let by_sku: HashMap<&str, &Row> =
            rows.iter().map(|r| (r.product.sku.as_str(), r)).collect();
        let (mut created, mut updated) = (Vec::new(), Vec::new());
        for (id, sku, inserted) in upserted {
            let row = by_sku
                .get(sku.as_str())
                .ok_or_else(|| anyhow::anyhow!("upsert returned unknown sku {sku}"))?;
            if inserted {
                created.push((id, *row));
            } else {
                updated.push((id, *row));
            }
        }
        create_inventory(&mut tx, &created).await?;
        update_inventory(&mut tx, &updated).await?;
        let ids: Vec<Uuid> = created.iter().chain(&updated).map(|(id, _)| *id).collect();
        sqlx::query(
            "INSERT INTO catalog_products (catalog_id, product_id)
             SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING",
        )
        .bind(self.catalog)
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Written {
            created: created.len() as u64,
            updated: updated.iter().map(|(id, _)| *id).collect(),
            restocked: updated
                .iter()
                .filter(|(_, row)| row.stock_given)
                .map(|(id, _)| *id)
                .collect(),
        })
    }
}

/// What one written batch did.
struct Written {
    created: u64,
    updated: Vec<Uuid>,
    restocked: Vec<Uuid>,
}

/// Errors that belong to one row (a constraint it breaks) rather than to the whole import.
fn is_row_error(error: &CatalogError) -> bool {
    match error {
        CatalogError::Database(error) => {
            violates(error, codes::CHECK_VIOLATION) || violates(error, codes::FOREIGN_KEY_VIOLATION)
        }
        CatalogError::InvalidField { .. } | CatalogError::Conflict(_) => true,
        _ => false,
    }
}

fn row_error(error: &CatalogError) -> (&'static str, String) {
    match error {
        CatalogError::Database(e) if violates(e, codes::CHECK_VIOLATION) => (
            "stock",
            "must not be below the units reserved by open orders".to_owned(),
        ),
        CatalogError::Database(_) => ("category_id", "no such category".to_owned()),
        CatalogError::InvalidField { field, message } => (field, message.clone()),
        other => ("line", other.to_string()),
    }
}

/// Inserts or updates the products of `rows`; returns (id, sku, inserted) for each.
async fn upsert_products(
    connection: &mut PgConnection,
    seller: Uuid,
    rows: &[Row],
) -> Result<Vec<(Uuid, String, bool)>, CatalogError> {
    let column = |f: fn(&ProductInput) -> String| -> Vec<String> {
        rows.iter().map(|row| f(&row.product)).collect()
    };
    let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::now_v7()).collect();
    let brands: Vec<Option<String>> = rows.iter().map(|r| r.product.brand.clone()).collect();
    let categories: Vec<Uuid> = rows.iter().map(|r| r.product.category_id).collect();
    let prices: Vec<i64> = rows.iter().map(|r| r.product.price_cents).collect();
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

/// Inventory rows and the first ledger entries of new products.
async fn create_inventory(
    connection: &mut PgConnection,
    created: &[(Uuid, &Row)],
) -> Result<(), CatalogError> {
    let ids: Vec<Uuid> = created.iter().map(|(id, _)| *id).collect();
    let stock: Vec<i64> = created.iter().map(|(_, row)| row.product.stock).collect();
    let thresholds: Vec<i32> = created
        .iter()
        .map(|(_, r)| r.product.low_stock_threshold)
        .collect();
    sqlx::query(
        "WITH new AS (
             INSERT INTO inventory (product_id, on_hand, low_stock_threshold)
             SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::int[])
             RETURNING product_id, on_hand)
         INSERT INTO inventory_movements (product_id, delta, reason)
         SELECT product_id, on_hand, 'initial' FROM new WHERE on_hand > 0",
    )
    .bind(&ids)
    .bind(&stock)
    .bind(&thresholds)
    .execute(connection)
    .await?;
    Ok(())
}

/// Sets the stock of updated products where the file gives it, recording each change in the
/// ledger. The rows are locked first so the ledger delta is computed against the current value.
async fn update_inventory(
    connection: &mut PgConnection,
    updated: &[(Uuid, &Row)],
) -> Result<(), CatalogError> {
    let changes: Vec<&(Uuid, &Row)> = updated
        .iter()
        .filter(|(_, row)| row.stock_given || row.threshold_given)
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = changes.iter().map(|(id, _)| *id).collect();
    let stock: Vec<Option<i64>> = changes
        .iter()
        .map(|(_, row)| row.stock_given.then_some(row.product.stock))
        .collect();
    let thresholds: Vec<Option<i32>> = changes
        .iter()
        .map(|(_, row)| {
            row.threshold_given
                .then_some(row.product.low_stock_threshold)
        })
        .collect();
    sqlx::query(
        "SELECT 1 FROM inventory WHERE product_id = ANY($1) ORDER BY product_id FOR UPDATE",
    )
    .bind(&ids)
    .execute(&mut *connection)
    .await?;
    sqlx::query(
        "WITH target AS (
             SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::int[])
                 AS t (product_id, stock, threshold)),
         old AS (
             SELECT i.product_id, i.on_hand FROM inventory i JOIN target USING (product_id)),
         changed AS (
             UPDATE inventory i SET on_hand = coalesce(t.stock, i.on_hand),
                 low_stock_threshold = coalesce(t.threshold, i.low_stock_threshold),
                 updated_at = now()
             FROM target t WHERE i.product_id = t.product_id
             RETURNING i.product_id, i.on_hand)
         INSERT INTO inventory_movements (product_id, delta, reason)
         SELECT c.product_id, c.on_hand - o.on_hand, 'import'
         FROM changed c JOIN old o USING (product_id) WHERE c.on_hand <> o.on_hand",
    )
    .bind(&ids)
    .bind(&stock)
    .bind(&thresholds)
    .execute(connection)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_become_typed_values() {
        assert_eq!(cell_value("price_cents", "1299"), Some(Value::from(1299)));
        assert_eq!(
            cell_value("price_cents", "12.99"),
            Some(Value::from("12.99"))
        );
        assert_eq!(cell_value("name", ""), None);
        assert_eq!(
            cell_value("images", "https://a/1.jpg| https://a/2.jpg |"),
            Some(serde_json::json!(["https://a/1.jpg", "https://a/2.jpg"]))
        );
        assert_eq!(
            cell_value("attributes", r#"{"color":"red"}"#),
            Some(serde_json::json!({"color": "red"}))
        );
    }

    #[test]
    fn columns_are_checked_before_any_row() {
        let headers = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert!(check_columns(&headers(&REQUIRED_COLUMNS)).is_ok());
        assert!(check_columns(&headers(&["sku", "name"])).is_err());
        let mut with_unknown = headers(&REQUIRED_COLUMNS);
        with_unknown.push("seller_id".into());
        assert!(check_columns(&with_unknown).is_err());
    }
}
