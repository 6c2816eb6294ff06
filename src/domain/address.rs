//! Postal addresses: the address book and, later, inline shipping addresses at checkout.

use super::{AllValid, Invalid, Parsed, Phone, bounded_text, field, optional, optional_text};
use serde::Deserialize;
use utoipa::ToSchema;

/// An ISO 3166-1 alpha-2 country code, upper-case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CountryCode(String);

impl CountryCode {
    pub(crate) fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err("must be a two-letter ISO 3166-1 country code, like DE".into())
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// An address as a client sends it (the address book's create body).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddressFields {
    pub label: Option<String>,
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub phone: Option<String>,
    /// Make this the default address (the first address always is).
    #[serde(default)]
    pub is_default: bool,
}

/// A complete, valid address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AddressInput {
    pub label: Option<String>,
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: String,
    pub country: CountryCode,
    pub phone: Option<Phone>,
}

const LINE_MAX: usize = 200;
const SHORT_MAX: usize = 100;

impl AddressInput {
    /// Parses every field, collecting all problems.
    pub(crate) fn parse(fields: &AddressFields) -> Parsed<Self> {
        let (label, name, line1, line2, city, region, postal_code, country, phone) = (
            field("label", optional_text(fields.label.as_deref(), SHORT_MAX)),
            field("name", bounded_text(&fields.name, 1, SHORT_MAX)),
            field("line1", bounded_text(&fields.line1, 1, LINE_MAX)),
            field("line2", optional_text(fields.line2.as_deref(), LINE_MAX)),
            field("city", bounded_text(&fields.city, 1, SHORT_MAX)),
            field("region", optional_text(fields.region.as_deref(), SHORT_MAX)),
            field("postal_code", bounded_text(&fields.postal_code, 1, 20)),
            field("country", CountryCode::parse(&fields.country)),
            field("phone", optional_phone(fields.phone.as_deref())),
        )
            .all_valid()?;
        Ok(Self {
            label,
            name,
            line1,
            line2,
            city,
            region,
            postal_code,
            country,
            phone,
        })
    }
}

fn optional_phone(raw: Option<&str>) -> Result<Option<Phone>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(phone) => Phone::parse(phone).map(Some),
    }
}

/// A partial update of an address: absent fields stay, `null` clears an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddressPatchFields {
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub label: Option<Option<String>>,
    pub name: Option<String>,
    pub line1: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub line2: Option<Option<String>>,
    pub city: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub region: Option<Option<String>>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// `true` makes this the default address; the default cannot be unset directly.
    pub is_default: Option<bool>,
}

/// A parsed partial update.
#[derive(Debug, Default)]
pub(crate) struct AddressPatch {
    pub label: Option<Option<String>>,
    pub name: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<Option<String>>,
    pub city: Option<String>,
    pub region: Option<Option<String>>,
    pub postal_code: Option<String>,
    pub country: Option<CountryCode>,
    pub phone: Option<Option<Phone>>,
    pub make_default: bool,
}

impl AddressPatch {
    pub(crate) fn parse(fields: &AddressPatchFields) -> Parsed<Self> {
        let required = |name: &str, raw: &Option<String>, max: usize| {
            optional(name, raw.as_deref(), |raw| bounded_text(raw, 1, max))
        };
        let nullable = |name: &str, raw: &Option<Option<String>>, max: usize| {
            optional(name, raw.as_ref(), |raw| optional_text(raw.as_deref(), max))
        };
        let make_default = match fields.is_default {
            Some(false) => Err(Invalid::field(
                "is_default",
                "the default address moves by making another address the default",
            )),
            Some(true) => Ok(true),
            None => Ok(false),
        };
        let (name, line1, city, postal_code, label, line2, region, country, phone, make_default) =
            (
                required("name", &fields.name, SHORT_MAX),
                required("line1", &fields.line1, LINE_MAX),
                required("city", &fields.city, SHORT_MAX),
                required("postal_code", &fields.postal_code, 20),
                nullable("label", &fields.label, SHORT_MAX),
                nullable("line2", &fields.line2, LINE_MAX),
                nullable("region", &fields.region, SHORT_MAX),
                optional("country", fields.country.as_deref(), CountryCode::parse),
                optional("phone", fields.phone.as_ref(), |raw| {
                    optional_phone(raw.as_deref())
                }),
                make_default,
            )
                .all_valid()?;
        Ok(AddressPatch {
            label,
            name,
            line1,
            line2,
            city,
            region,
            postal_code,
            country,
            phone,
            make_default,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> AddressFields {
        AddressFields {
            label: Some(" Home ".into()),
            name: "Ada Lovelace".into(),
            line1: "12 St James's Square".into(),
            line2: None,
            city: "London".into(),
            region: Some("".into()),
            postal_code: "SW1Y 4JH".into(),
            country: "gb".into(),
            phone: None,
            is_default: false,
        }
    }

    #[test]
    fn parses_and_normalizes() {
        let address = AddressInput::parse(&fields()).unwrap();
        assert_eq!(address.country.as_str(), "GB");
        assert_eq!(address.label.as_deref(), Some("Home"));
        assert_eq!(address.region, None);
    }

    #[test]
    fn reports_every_bad_field_under_the_prefix() {
        let mut bad = fields();
        bad.country = "Germany".into();
        bad.city = " ".into();
        bad.phone = Some("12".into());
        let error = AddressInput::parse(&bad)
            .unwrap_err()
            .within("shipping_address");
        let text = format!("{error}");
        for field in [
            "shipping_address.country",
            "shipping_address.city",
            "shipping_address.phone",
        ] {
            assert!(text.contains(field), "{text}");
        }
    }

    #[test]
    fn patch_distinguishes_absent_from_null() {
        let fields: AddressPatchFields =
            serde_json::from_str(r#"{"line2": null, "city": "Paris"}"#).unwrap();
        let patch = AddressPatch::parse(&fields).unwrap();
        assert_eq!(patch.line2, Some(None));
        assert_eq!(patch.label, None);
        assert_eq!(patch.city.as_deref(), Some("Paris"));
    }

    #[test]
    fn patch_cannot_unset_the_default() {
        let fields: AddressPatchFields = serde_json::from_str(r#"{"is_default": false}"#).unwrap();
        assert!(AddressPatch::parse(&fields).is_err());
    }
}
