//! Product values: [`Sku`], [`Currency`], [`ProductStatus`], image URLs, and the parsing of a
//! product as a client sends it (one create, or one row of an import).

use super::{FieldErrors, bounded_text, optional_text};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

/// A seller's stock-keeping unit: 1 to 64 characters of letters, digits, `-`, `_`, `.`, `/`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sku(String);

impl Sku {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let sku = raw.trim();
        let allowed = |c: char| c.is_ascii_alphanumeric() || "-_./".contains(c);
        if sku.is_empty() || sku.len() > 64 || !sku.chars().all(allowed) {
            return Err("must be 1 to 64 letters, digits, '-', '_', '.' or '/'".into());
        }
        Ok(Self(sku.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An ISO 4217 currency code, upper-case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Currency(String);

impl Currency {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err("must be a three-letter ISO 4217 currency code, like EUR".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a product is on sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    /// Visible only to its seller and admins.
    Draft,
    Published,
    /// Withdrawn; visible only to its seller and admins.
    Archived,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Draft => "draft",
            ProductStatus::Published => "published",
            ProductStatus::Archived => "archived",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "draft" => Ok(ProductStatus::Draft),
            "published" => Ok(ProductStatus::Published),
            "archived" => Ok(ProductStatus::Archived),
            _ => Err("must be draft, published or archived".into()),
        }
    }
}

const MAX_IMAGES: usize = 20;
const MAX_ATTRIBUTES_BYTES: usize = 8 * 1024;
/// The largest price: 1 billion in major units, far below `i64` overflow in any total.
pub const MAX_PRICE_CENTS: i64 = 100_000_000_000;
const MAX_STOCK: i64 = 1_000_000_000;

fn image_url(raw: &str) -> Result<String, String> {
    let url = raw.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty()
                && url.len() <= 2048
                && !rest.starts_with('/')
                && !url.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(url.to_owned())
        }
        _ => Err("must be an http(s) URL".into()),
    }
}

/// A product as a client sends it: the create body, or one row of an import.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductFields {
    pub sku: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub brand: Option<String>,
    pub category_id: Uuid,
    /// Price in minor units (cents), greater than zero.
    pub price_cents: i64,
    /// ISO 4217.
    pub currency: String,
    /// Image URLs (http or https).
    #[serde(default)]
    pub images: Vec<String>,
    /// Free-form attributes (a JSON object).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub attributes: Map<String, Value>,
    /// Units in stock at creation (default 0).
    #[serde(default)]
    pub stock: i64,
    pub low_stock_threshold: Option<i32>,
    /// `draft` or `published` (default).
    pub status: Option<String>,
    pub max_per_customer: Option<i32>,
}

/// A valid new product.
#[derive(Clone, Debug)]
pub struct ProductInput {
    pub sku: Sku,
    pub name: String,
    pub description: String,
    pub brand: Option<String>,
    pub category_id: Uuid,
    pub price_cents: i64,
    pub currency: Currency,
    pub images: Vec<String>,
    pub attributes: Map<String, Value>,
    pub stock: i64,
    pub low_stock_threshold: i32,
    pub status: ProductStatus,
    pub max_per_customer: Option<i32>,
}

impl ProductInput {
    /// Parses every field, collecting all problems.
    pub fn parse(fields: ProductFields, errors: &mut FieldErrors) -> Option<Self> {
        let sku = errors.check("sku", Sku::parse(&fields.sku));
        let name = errors.check("name", bounded_text(&fields.name, 1, 200));
        let description = errors.check("description", description(&fields.description));
        let brand = errors.check("brand", optional_text(fields.brand.as_deref(), 100));
        let price_cents = errors.check("price_cents", price(fields.price_cents));
        let currency = errors.check("currency", Currency::parse(&fields.currency));
        let images = errors.check("images", images(&fields.images));
        let attributes = errors.check("attributes", attributes(fields.attributes));
        let stock = errors.check("stock", stock(fields.stock));
        let low_stock_threshold = errors.check(
            "low_stock_threshold",
            threshold(fields.low_stock_threshold.unwrap_or(0)),
        );
        let status = match fields.status.as_deref() {
            None => Some(ProductStatus::Published),
            Some(status) => errors.check("status", ProductStatus::parse(status)),
        };
        let max_per_customer = errors.check(
            "max_per_customer",
            max_per_customer(fields.max_per_customer),
        );
        Some(Self {
            sku: sku?,
            name: name?,
            description: description?,
            brand: brand?,
            category_id: fields.category_id,
            price_cents: price_cents?,
            currency: currency?,
            images: images?,
            attributes: attributes?,
            stock: stock?,
            low_stock_threshold: low_stock_threshold?,
            status: status?,
            max_per_customer: max_per_customer?,
        })
    }
}

fn description(raw: &str) -> Result<String, String> {
    let text = raw.trim();
    if text.chars().count() > 10_000 {
        return Err("must be at most 10000 characters".into());
    }
    Ok(text.to_owned())
}

fn price(cents: i64) -> Result<i64, String> {
    if (1..=MAX_PRICE_CENTS).contains(&cents) {
        Ok(cents)
    } else {
        Err(format!("must be from 1 to {MAX_PRICE_CENTS} (minor units)"))
    }
}

fn stock(units: i64) -> Result<i64, String> {
    if (0..=MAX_STOCK).contains(&units) {
        Ok(units)
    } else {
        Err(format!("must be from 0 to {MAX_STOCK}"))
    }
}

fn threshold(units: i32) -> Result<i32, String> {
    if units >= 0 {
        Ok(units)
    } else {
        Err("must not be negative".into())
    }
}

fn max_per_customer(limit: Option<i32>) -> Result<Option<i32>, String> {
    match limit {
        Some(limit) if limit < 1 => Err("must be at least 1".into()),
        other => Ok(other),
    }
}

fn images(urls: &[String]) -> Result<Vec<String>, String> {
    if urls.len() > MAX_IMAGES {
        return Err(format!("at most {MAX_IMAGES} images"));
    }
    urls.iter()
        .enumerate()
        .map(|(index, url)| image_url(url).map_err(|message| format!("[{index}] {message}")))
        .collect()
}

fn attributes(attributes: Map<String, Value>) -> Result<Map<String, Value>, String> {
    let size = serde_json::to_vec(&attributes).map_or(usize::MAX, |bytes| bytes.len());
    if size > MAX_ATTRIBUTES_BYTES {
        return Err(format!(
            "must be at most {MAX_ATTRIBUTES_BYTES} bytes of JSON"
        ));
    }
    Ok(attributes)
}

/// A partial update of a product: absent fields stay; `brand: null` and
/// `max_per_customer: null` clear. Stock changes through inventory adjustments, not here.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatchFields {
    pub sku: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub brand: Option<Option<String>>,
    pub category_id: Option<Uuid>,
    pub price_cents: Option<i64>,
    pub currency: Option<String>,
    pub images: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<Map<String, Value>>,
    pub low_stock_threshold: Option<i32>,
    pub status: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<i32>)]
    pub max_per_customer: Option<Option<i32>>,
}

/// A parsed partial update.
#[derive(Debug, Default)]
pub struct ProductPatch {
    pub sku: Option<Sku>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub brand: Option<Option<String>>,
    pub category_id: Option<Uuid>,
    pub price_cents: Option<i64>,
    pub currency: Option<Currency>,
    pub images: Option<Vec<String>>,
    pub attributes: Option<Map<String, Value>>,
    pub low_stock_threshold: Option<i32>,
    pub status: Option<ProductStatus>,
    pub max_per_customer: Option<Option<i32>>,
}

impl ProductPatch {
    pub fn parse(fields: ProductPatchFields) -> Result<Self, crate::error::ApiError> {
        let mut errors = FieldErrors::default();
        let patch = ProductPatch {
            sku: fields
                .sku
                .and_then(|raw| errors.check("sku", Sku::parse(&raw))),
            name: fields
                .name
                .and_then(|raw| errors.check("name", bounded_text(&raw, 1, 200))),
            description: fields
                .description
                .and_then(|raw| errors.check("description", description(&raw))),
            brand: fields
                .brand
                .and_then(|raw| errors.check("brand", optional_text(raw.as_deref(), 100))),
            category_id: fields.category_id,
            price_cents: fields
                .price_cents
                .and_then(|cents| errors.check("price_cents", price(cents))),
            currency: fields
                .currency
                .and_then(|raw| errors.check("currency", Currency::parse(&raw))),
            images: fields
                .images
                .and_then(|urls| errors.check("images", images(&urls))),
            attributes: fields
                .attributes
                .and_then(|map| errors.check("attributes", attributes(map))),
            low_stock_threshold: fields
                .low_stock_threshold
                .and_then(|units| errors.check("low_stock_threshold", threshold(units))),
            status: fields
                .status
                .and_then(|raw| errors.check("status", ProductStatus::parse(&raw))),
            max_per_customer: fields
                .max_per_customer
                .and_then(|limit| errors.check("max_per_customer", max_per_customer(limit))),
        };
        errors.finish()?;
        Ok(patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(overrides: Value) -> ProductFields {
        let mut body = json!({
            "sku": "MUG-01", "name": "Mug", "category_id": Uuid::nil(),
            "price_cents": 1299, "currency": "eur"
        });
        for (key, value) in overrides.as_object().unwrap() {
            body[key] = value.clone();
        }
        serde_json::from_value(body).unwrap()
    }

    fn problems(overrides: Value) -> String {
        let mut errors = FieldErrors::default();
        let parsed = ProductInput::parse(fields(overrides), &mut errors);
        match errors.finish() {
            Ok(()) => {
                assert!(parsed.is_some());
                String::new()
            }
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn defaults_and_normalization() {
        let mut errors = FieldErrors::default();
        let product = ProductInput::parse(fields(json!({})), &mut errors).unwrap();
        assert_eq!(product.currency.as_str(), "EUR");
        assert_eq!(product.status, ProductStatus::Published);
        assert_eq!((product.stock, product.low_stock_threshold), (0, 0));
    }

    #[test]
    fn every_bad_field_is_named() {
        let cases = [
            (json!({"sku": "has space"}), "sku"),
            (json!({"name": " "}), "name"),
            (json!({"price_cents": 0}), "price_cents"),
            (json!({"price_cents": -5}), "price_cents"),
            (json!({"currency": "euro"}), "currency"),
            (json!({"images": ["ftp://x"]}), "images"),
            (json!({"images": ["javascript:alert(1)"]}), "images"),
            (json!({"stock": -1}), "stock"),
            (json!({"status": "sold"}), "status"),
            (json!({"max_per_customer": 0}), "max_per_customer"),
            (json!({"low_stock_threshold": -1}), "low_stock_threshold"),
            (
                json!({"attributes": {"blob": "x".repeat(9000)}}),
                "attributes",
            ),
        ];
        for (overrides, field) in cases {
            let text = problems(overrides.clone());
            assert!(text.contains(field), "{overrides}: {text}");
        }
        assert_eq!(
            problems(json!({"images": ["https://cdn.example.com/a.jpg"]})),
            ""
        );
    }
}
