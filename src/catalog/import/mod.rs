//! Bulk import of products into a catalog from CSV (with a header row) or NDJSON.
//!
//! The body is streamed: rows are parsed as they arrive and written in batches, so a file of
//! 100,000 rows never sits in memory whole. Each row is validated exactly like a single create;
//! rows upsert by `sku` among the catalog owner's products and join the catalog. A batch is one
//! transaction of set-based statements (new products get their inventory row in it); if it fails,
//! its rows are retried one by one so a bad row is reported with its line while the good ones
//! still land. Then the stock and threshold a row gives a product that existed go through that
//! product's inventory actor, the single writer of its stock.
//!
//! What one upload can cost is bounded: the body is at most [`IMPORT_LIMIT_BYTES`], a record is
//! read only up to [`records::MAX_RECORD_BYTES`], the report lists the first
//! [`REPORTED_FAILURES`] failed rows and counts the rest, and a seller runs one import at a time
//! ([`RunningImports`]).

mod formats;
mod records;
mod running;

pub(crate) use running::RunningImports;

use super::{Catalog, CatalogError};
use crate::db::violates;
use crate::domain::Caller;
use crate::domain::{FieldError, ProductFields, ProductInput, SaleTerms, from_json_value};
use actix_web::web::Bytes;
use bazaar_actors::inventory::InventoryError;
use bazaar_actors::journal::LedgerReason;
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::error::ErrorKind;
use std::collections::{HashMap, HashSet};
use tokio_util::io::StreamReader;
use utoipa::ToSchema;
use uuid::Uuid;

/// The largest file an import accepts.
pub(crate) const IMPORT_LIMIT_BYTES: u64 = 50 * 1024 * 1024;
/// Rows written per transaction.
const BATCH_ROWS: usize = 500;
/// Failed rows the report lists; later failures are only counted.
pub(crate) const REPORTED_FAILURES: usize = 1_000;
/// The most characters of a field name or message the report keeps: a parser's message may quote
/// the row's text (an unknown 60 KiB key, a value of the wrong type), and a thousand such quotes
/// would make the report as large as the upload.
const REPORTED_TEXT: usize = 200;

/// The file formats an import reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ImportFormat {
    /// Comma-separated values with a header row naming the columns.
    Csv,
    /// One JSON object per line.
    Ndjson,
}

/// What an import did.
#[derive(Debug, Default, Serialize, ToSchema)]
pub(crate) struct ImportReport {
    pub created: u64,
    pub updated: u64,
    /// The first 1,000 rows that were not imported, in file order, with why.
    pub failed: Vec<LineError>,
    /// How many rows were not imported, including those past the ones `failed` lists.
    pub failed_count: u64,
}

/// A row that was not imported.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LineError {
    /// 1-based line of the file (for CSV, the line where the record starts; the header is line 1).
    pub line: u64,
    pub errors: Vec<FieldError>,
}

/// One valid row and what it says about stock (absent columns leave an existing product's stock
/// and threshold as they are).
pub(crate) struct Row {
    pub line: u64,
    pub product: ProductInput,
    pub stock_given: bool,
    pub threshold_given: bool,
}

impl Catalog {
    /// Imports `body` into catalog `catalog`, owned by `viewer` (or an admin).
    #[tracing::instrument(skip(self, body))]
    pub(crate) async fn import_products<S>(
        &self,
        viewer: Caller,
        catalog: Uuid,
        format: ImportFormat,
        body: S,
    ) -> Result<ImportReport, CatalogError>
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + Unpin,
    {
        let seller = self.ensure_owner(viewer, catalog).await?;
        let _running = self
            .imports
            .start(seller)
            .ok_or(CatalogError::ImportRunning)?;
        let categories: HashSet<Uuid> = self.store.category_ids().await?.into_iter().collect();
        let mut importer = Importer {
            catalog: self,
            seller,
            target: catalog,
            categories,
            batch: Vec::with_capacity(BATCH_ROWS),
            skus_in_batch: HashSet::new(),
            report: ImportReport::default(),
        };
        let reader = StreamReader::new(limited(body));
        match format {
            ImportFormat::Csv => formats::read_csv(reader, &mut importer).await?,
            ImportFormat::Ndjson => formats::read_ndjson(reader, &mut importer).await?,
        }
        importer.flush().await?;
        Ok(importer.report)
    }
}

/// `text` cut to [`REPORTED_TEXT`] characters, marked with an ellipsis where it was cut.
fn shortened(text: String) -> String {
    match text.char_indices().nth(REPORTED_TEXT) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
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

/// Collects valid rows into batches and writes them.
struct Importer<'a> {
    catalog: &'a Catalog,
    seller: Uuid,
    /// The catalog the rows join.
    target: Uuid,
    categories: HashSet<Uuid>,
    batch: Vec<Row>,
    skus_in_batch: HashSet<String>,
    report: ImportReport,
}

impl Importer<'_> {
    fn fail(&mut self, line: u64, error: FieldError) {
        self.fail_with(line, vec![error]);
    }

    /// Counts a failed row and lists it, its texts shortened, while the report has room.
    fn fail_with(&mut self, line: u64, errors: Vec<FieldError>) {
        self.report.failed_count += 1;
        if self.report.failed.len() < REPORTED_FAILURES {
            let errors = errors
                .into_iter()
                .map(|error| FieldError::new(shortened(error.field), shortened(error.message)))
                .collect();
            self.report.failed.push(LineError { line, errors });
        }
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
        let known_category = self.categories.contains(&fields.category_id);
        let mut problems = match ProductInput::parse(fields) {
            Ok(product) if product.sale != SaleTerms::default() => vec![FieldError::new(
                "line",
                "sale terms (sale_*, waiting_room, max_per_order) are set on a product with \
                 PATCH /api/v1/products/{id}, not by import",
            )],
            Ok(product) if known_category => {
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
                return Ok(());
            }
            Ok(_) => Vec::new(),
            Err(invalid) => invalid.into_errors(),
        };
        if !known_category {
            problems.insert(0, FieldError::new("category_id", "no such category"));
        }
        self.fail_with(line, problems);
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
            Ok(written) => self.record(written, &rows).await,
            Err(error) if !is_row_error(&error) => Err(error),
            Err(_) => {
                for row in rows {
                    match self.write(std::slice::from_ref(&row)).await {
                        Ok(written) => self.record(written, std::slice::from_ref(&row)).await?,
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

    /// Counts what a written batch did and sets the stock and threshold its rows give the
    /// products that existed, through their inventory actors (the single writer of stock). A
    /// stock below what open orders hold fails its row's stock, the rest of the row stays.
    async fn record(&mut self, written: Written, rows: &[Row]) -> Result<(), CatalogError> {
        self.report.created += written.created;
        self.report.updated += written.updated.len() as u64;
        let updated: Vec<Uuid> = written.updated.iter().map(|(id, _)| *id).collect();
        self.catalog.cache.invalidate(&updated).await;
        let by_sku: HashMap<&str, &Row> = rows
            .iter()
            .map(|row| (row.product.sku.as_str(), row))
            .collect();
        let inventory = &self.catalog.inventory;
        let changes = written.updated.iter().filter_map(|(id, sku)| {
            let row = *by_sku.get(sku.as_str())?;
            (row.stock_given || row.threshold_given).then_some(async move {
                let changed = async {
                    if row.stock_given {
                        inventory
                            .set_stock(*id, row.product.stock, LedgerReason::Import)
                            .await?;
                    }
                    if row.threshold_given {
                        let threshold = i64::from(row.product.low_stock_threshold);
                        inventory.set_threshold(*id, threshold).await?;
                    }
                    Ok::<(), InventoryError>(())
                };
                (row.line, changed.await)
            })
        });
        for (line, outcome) in futures_util::future::join_all(changes).await {
            match outcome {
                Ok(()) => {}
                Err(InventoryError::BelowReserved { .. }) => self.fail(
                    line,
                    FieldError::new(
                        "stock",
                        "must not be below the units reserved by open orders (the rest of the \
                         row was imported)",
                    ),
                ),
                Err(error) => return Err(error.into()),
            }
        }
        Ok(())
    }

    /// Upserts `rows` in one transaction.
    async fn write(&self, rows: &[Row]) -> Result<Written, CatalogError> {
        self.catalog
            .store
            .upsert_products(self.seller, self.target, rows)
            .await
    }
}

/// What one written batch did.
pub(crate) struct Written {
    pub created: u64,
    /// The products that existed, with their skus.
    pub updated: Vec<(Uuid, String)>,
}

/// Errors that belong to one row (a constraint it breaks) rather than to the whole import.
fn is_row_error(error: &CatalogError) -> bool {
    match error {
        CatalogError::Database(error) => {
            violates(error, ErrorKind::CheckViolation)
                || violates(error, ErrorKind::ForeignKeyViolation)
        }
        CatalogError::Invalid(_) | CatalogError::Conflict(_) => true,
        _ => false,
    }
}

fn row_error(error: &CatalogError) -> (String, String) {
    match error {
        CatalogError::Database(e) if violates(e, ErrorKind::CheckViolation) => (
            "line".to_owned(),
            "breaks a rule of the catalog (a price or limit out of range)".to_owned(),
        ),
        CatalogError::Database(_) => ("category_id".to_owned(), "no such category".to_owned()),
        CatalogError::Invalid(invalid) => invalid
            .errors()
            .first()
            .map(|error| (error.field.clone(), error.message.clone()))
            .unwrap_or_else(|| ("line".to_owned(), invalid.to_string())),
        other => ("line".to_owned(), other.to_string()),
    }
}
