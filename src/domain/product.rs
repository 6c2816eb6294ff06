//! Product values: [`Sku`], [`ProductStatus`], image URLs, and the parsing of a product as a
//! client sends it (one create, or one row of an import).

use super::sale::{SaleTerms, SaleTermsPatch};
use super::{
    AllValid, Currency, Parsed, Price, bounded_text, field, multiline_text, optional,
    optional_text, printable_json,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

/// A seller's stock-keeping unit: 1 to 64 characters of letters, digits, `-`, `_`, `.`, `/`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Sku(String);

impl Sku {
    pub(crate) fn parse(raw: &str) -> Result<Self, String> {
        let sku = raw.trim();
        let allowed = |c: char| c.is_ascii_alphanumeric() || "-_./".contains(c);
        if sku.is_empty() || sku.len() > 64 || !sku.chars().all(allowed) {
            return Err("must be 1 to 64 letters, digits, '-', '_', '.' or '/'".into());
        }
        Ok(Self(sku.to_owned()))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a product is on sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub(crate) enum ProductStatus {
    /// Visible only to its seller and admins.
    Draft,
    Published,
    /// Withdrawn; visible only to its seller and admins.
    Archived,
}

impl ProductStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Draft => "draft",
            ProductStatus::Published => "published",
            ProductStatus::Archived => "archived",
        }
    }

    pub(crate) fn parse(raw: &str) -> Result<Self, String> {
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
const MAX_STOCK: i64 = 1_000_000_000;

/// Where the server serves its own media files (`BAZAAR_MEDIA_DIR`).
const MEDIA_PATH: &str = "/media/";

/// Whether `name` is a plain media file name: letters, digits, `-`, `_` and one `.` before the
/// extension, so no path can leave the media directory.
pub(crate) fn is_media_file_name(name: &str) -> bool {
    (3..=128).contains(&name.len())
        && name.bytes().filter(|&b| b == b'.').count() == 1
        && !name.starts_with('.')
        && !name.ends_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// An image of a product: an http(s) URL, or the path of a file the server serves from its media
/// directory (`/media/lamp.svg`).
fn image_url(raw: &str) -> Result<String, String> {
    let url = raw.trim();
    if let Some(name) = url.strip_prefix(MEDIA_PATH) {
        return if is_media_file_name(name) {
            Ok(url.to_owned())
        } else {
            Err("must be an http(s) URL or /media/ and a plain file name".into())
        };
    }
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
        _ => Err("must be an http(s) URL or /media/ and a plain file name".into()),
    }
}

/// A product as a client sends it: the create body, or one row of an import.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProductFields {
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
    /// RFC 3339: the product cannot be bought before (`409 not_on_sale_yet`).
    pub sale_starts_at: Option<String>,
    /// RFC 3339, after `sale_starts_at`: the product cannot be bought from then on.
    pub sale_ends_at: Option<String>,
    /// The unit price between `sale_starts_at` and `sale_ends_at`.
    pub sale_price_cents: Option<i64>,
    /// Buyers join the queue first and check out with an admitted ticket (default false).
    pub waiting_room: Option<bool>,
    /// The most units of this product in one order.
    pub max_per_order: Option<i32>,
}

/// A valid new product.
#[derive(Clone, Debug)]
pub(crate) struct ProductInput {
    pub sku: Sku,
    pub name: String,
    pub description: String,
    pub brand: Option<String>,
    pub category_id: Uuid,
    pub price_cents: Price,
    pub currency: Currency,
    pub images: Vec<String>,
    pub attributes: Map<String, Value>,
    pub stock: i64,
    pub low_stock_threshold: i32,
    pub status: ProductStatus,
    pub max_per_customer: Option<i32>,
    pub sale: SaleTerms,
}

impl ProductInput {
    /// Parses every field, collecting all problems.
    pub(crate) fn parse(fields: ProductFields) -> Parsed<Self> {
        let status = match fields.status.as_deref() {
            None => Ok(ProductStatus::Published),
            Some(status) => field("status", ProductStatus::parse(status)),
        };
        let (
            sku,
            name,
            description,
            brand,
            price_cents,
            currency,
            images,
            attributes,
            stock,
            low_stock_threshold,
            status,
            (max_per_customer, sale),
        ) = (
            field("sku", Sku::parse(&fields.sku)),
            field("name", bounded_text(&fields.name, 1, 200)),
            field("description", description(&fields.description)),
            field("brand", optional_text(fields.brand.as_deref(), 100)),
            field("price_cents", Price::try_from(fields.price_cents)),
            field("currency", Currency::parse(&fields.currency)),
            field("images", images(&fields.images)),
            field("attributes", attributes(fields.attributes)),
            field("stock", stock(fields.stock)),
            field(
                "low_stock_threshold",
                threshold(fields.low_stock_threshold.unwrap_or(0)),
            ),
            status,
            (
                field(
                    "max_per_customer",
                    max_per_customer(fields.max_per_customer),
                ),
                SaleTerms::parse(
                    fields.sale_starts_at.as_deref(),
                    fields.sale_ends_at.as_deref(),
                    fields.sale_price_cents,
                    fields.waiting_room,
                    fields.max_per_order,
                ),
            )
                .all_valid(),
        )
            .all_valid()?;
        Ok(Self {
            sku,
            name,
            description,
            brand,
            category_id: fields.category_id,
            price_cents,
            currency,
            images,
            attributes,
            stock,
            low_stock_threshold,
            status,
            max_per_customer,
            sale,
        })
    }
}

fn description(raw: &str) -> Result<String, String> {
    multiline_text(raw, 0, 10_000)
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
    attributes.values().try_for_each(printable_json)?;
    if attributes
        .keys()
        .any(|key| key.chars().any(char::is_control))
    {
        return Err("keys must not contain control characters".to_owned());
    }
    Ok(attributes)
}

/// A partial update of a product: absent fields stay; `brand: null` and
/// `max_per_customer: null` clear. Stock changes through inventory adjustments, not here.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProductPatchFields {
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
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub sale_starts_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub sale_ends_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<i64>)]
    pub sale_price_cents: Option<Option<i64>>,
    pub waiting_room: Option<bool>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<i32>)]
    pub max_per_order: Option<Option<i32>>,
}

/// A parsed partial update.
#[derive(Debug, Default)]
pub(crate) struct ProductPatch {
    pub sku: Option<Sku>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub brand: Option<Option<String>>,
    pub category_id: Option<Uuid>,
    pub price_cents: Option<Price>,
    pub currency: Option<Currency>,
    pub images: Option<Vec<String>>,
    pub attributes: Option<Map<String, Value>>,
    pub low_stock_threshold: Option<i32>,
    pub status: Option<ProductStatus>,
    pub max_per_customer: Option<Option<i32>>,
    pub sale: SaleTermsPatch,
}

impl ProductPatch {
    pub(crate) fn parse(fields: ProductPatchFields) -> Parsed<Self> {
        let (
            sku,
            name,
            description,
            brand,
            price_cents,
            currency,
            images,
            attributes,
            low_stock_threshold,
            status,
            (max_per_customer, sale),
        ) = (
            optional("sku", fields.sku, |raw| Sku::parse(&raw)),
            optional("name", fields.name, |raw| bounded_text(&raw, 1, 200)),
            optional("description", fields.description, |raw| description(&raw)),
            optional("brand", fields.brand, |raw| {
                optional_text(raw.as_deref(), 100)
            }),
            optional("price_cents", fields.price_cents, Price::try_from),
            optional("currency", fields.currency, |raw| Currency::parse(&raw)),
            optional("images", fields.images, |urls| images(&urls)),
            optional("attributes", fields.attributes, attributes),
            optional("low_stock_threshold", fields.low_stock_threshold, threshold),
            optional("status", fields.status, |raw| ProductStatus::parse(&raw)),
            (
                optional(
                    "max_per_customer",
                    fields.max_per_customer,
                    max_per_customer,
                ),
                SaleTermsPatch::parse(
                    fields.sale_starts_at,
                    fields.sale_ends_at,
                    fields.sale_price_cents,
                    fields.waiting_room,
                    fields.max_per_order,
                ),
            )
                .all_valid(),
        )
            .all_valid()?;
        Ok(ProductPatch {
            sku,
            name,
            description,
            brand,
            category_id: fields.category_id,
            price_cents,
            currency,
            images,
            attributes,
            low_stock_threshold,
            status,
            max_per_customer,
            sale,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn images_are_http_urls_or_plain_media_files() {
        for good in [
            "https://cdn.example/a.png",
            "http://shop.test/x",
            "/media/DEMO-001.svg",
        ] {
            assert_eq!(image_url(good).as_deref(), Ok(good), "{good}");
        }
        for bad in [
            "ftp://x",
            "https:///x",
            "/media/../secret.svg",
            "/media/a/b.svg",
            "/media/.x.svg",
            "/media/x",
            "/other/x.svg",
            "media/x.svg",
        ] {
            assert!(image_url(bad).is_err(), "{bad}");
        }
    }

    fn body(overrides: Value) -> Value {
        let mut body = json!({
            "sku": "MUG-01", "name": "Mug", "category_id": Uuid::nil(),
            "price_cents": 1299, "currency": "eur"
        });
        for (key, value) in overrides.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    }

    fn fields(overrides: Value) -> ProductFields {
        serde_json::from_value(body(overrides)).unwrap()
    }

    fn problems(overrides: Value) -> String {
        match crate::domain::from_json_value::<ProductFields>(body(overrides)) {
            Ok(fields) => ProductInput::parse(fields)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default(),
            Err(error) => error.field,
        }
    }

    #[test]
    fn defaults_and_normalization() {
        let product = ProductInput::parse(fields(json!({}))).unwrap();
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
