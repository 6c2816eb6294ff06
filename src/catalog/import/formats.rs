//! The two upload formats: CSV with a header row naming the columns, and NDJSON (one JSON object
//! per line). Each record becomes a JSON object of product fields for the [`Importer`]; a record
//! that cannot become one is reported against its line.
//!
//! Records are read through [`Records`], so a line longer than [`MAX_RECORD_BYTES`] fails as a
//! bad line without being kept, and a CSV cell longer than [`MAX_CELL_BYTES`] fails its row
//! before it is turned into a value.

use super::records::{MAX_RECORD_BYTES, Record, Records, Syntax};
use super::{Importer, read_error};
use crate::catalog::CatalogError;
use crate::domain::FieldError;
use csv_async::StringRecord;
use serde_json::{Map, Value};
use tokio::io::AsyncBufRead;

/// The longest CSV cell: the longest text field, a description of 10,000 characters, takes at
/// most 40,000 bytes of UTF-8.
pub(crate) const MAX_CELL_BYTES: usize = 40_000;

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

fn too_long() -> FieldError {
    FieldError::new(
        "line",
        format!("is longer than {MAX_RECORD_BYTES} bytes and was not read"),
    )
}

pub(super) async fn read_csv<R>(reader: R, importer: &mut Importer<'_>) -> Result<(), CatalogError>
where
    R: AsyncBufRead + Unpin,
{
    let mut records = Records::new(reader, Syntax::Csv);
    let headers: Vec<String> = match records.next().await.map_err(|e| read_error(&e))? {
        None => Vec::new(),
        Some((_, Record::TooLong)) => {
            return Err(CatalogError::invalid(
                "columns",
                format!("the header row is longer than {MAX_RECORD_BYTES} bytes"),
            ));
        }
        Some((_, Record::Complete(bytes))) => parse_record(bytes)
            .await
            .map_err(|error| CatalogError::invalid("columns", format!("not valid CSV: {error}")))?
            .iter()
            .map(|header| header.trim().to_lowercase())
            .collect(),
    };
    check_columns(&headers)?;
    while let Some((line, record)) = records.next().await.map_err(|e| read_error(&e))? {
        let bytes = match record {
            Record::Complete(bytes) => bytes,
            Record::TooLong => {
                importer.fail(line, too_long());
                continue;
            }
        };
        let record = match parse_record(bytes).await {
            Ok(record) if record.is_empty() => continue,
            Ok(record) => record,
            Err(error) => {
                importer.fail(
                    line,
                    FieldError::new("line", format!("not valid CSV: {error}")),
                );
                continue;
            }
        };
        match row_object(&headers, &record) {
            Ok(object) => importer.add(line, object).await?,
            Err(error) => importer.fail(line, error),
        }
    }
    Ok(())
}

/// Parses one record's bytes with the CSV parser (quotes, doubled quotes, trimmed cells).
async fn parse_record(bytes: &[u8]) -> Result<StringRecord, csv_async::Error> {
    // Records end at `\n` only, as `Records` splits them: a bare `\r` inside a record is text
    // (trimmed at a cell's end with the rest of its whitespace), never a hidden second record.
    let mut reader = csv_async::AsyncReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .terminator(csv_async::Terminator::Any(b'\n'))
        .trim(csv_async::Trim::All)
        .create_reader(bytes);
    let mut record = StringRecord::new();
    reader.read_record(&mut record).await?;
    Ok(record)
}

/// A record as the product fields its cells give, by column.
fn row_object(headers: &[String], record: &StringRecord) -> Result<Map<String, Value>, FieldError> {
    if record.len() > headers.len() {
        return Err(FieldError::new(
            "line",
            format!(
                "has {} fields but the header names {}",
                record.len(),
                headers.len()
            ),
        ));
    }
    let mut object = Map::new();
    for (header, cell) in headers.iter().zip(record.iter()) {
        if cell.len() > MAX_CELL_BYTES {
            return Err(FieldError::new(
                header,
                format!("is longer than {MAX_CELL_BYTES} bytes"),
            ));
        }
        if let Some(value) = cell_value(header, cell) {
            object.insert(header.clone(), value);
        }
    }
    Ok(object)
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

pub(super) async fn read_ndjson<R>(
    reader: R,
    importer: &mut Importer<'_>,
) -> Result<(), CatalogError>
where
    R: AsyncBufRead + Unpin,
{
    let mut records = Records::new(reader, Syntax::Lines);
    while let Some((line, record)) = records.next().await.map_err(|e| read_error(&e))? {
        let bytes = match record {
            Record::Complete(bytes) if bytes.trim_ascii().is_empty() => continue,
            Record::Complete(bytes) => bytes,
            Record::TooLong => {
                importer.fail(line, too_long());
                continue;
            }
        };
        match serde_json::from_slice::<Value>(bytes) {
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
