//! Domain values that are valid by construction ("parse, don't validate").
//!
//! Each type has a private field and a fallible constructor; handlers turn raw request fields
//! into these types at the edge, collecting every problem as a [`FieldError`], so invalid values
//! never travel further into the server.

mod address;
mod email;
mod page;
mod password;
mod person_name;
mod phone;
mod product;
mod role;

pub use address::{AddressFields, AddressInput, AddressPatch, AddressPatchFields, CountryCode};
pub use email::Email;
pub use page::{Page, PageParams, Paged};
pub use password::Password;
pub use person_name::PersonName;
pub use phone::Phone;
pub use product::{
    Currency, MAX_PRICE_CENTS, ProductFields, ProductInput, ProductPatch, ProductPatchFields,
    ProductStatus, Sku,
};
pub use role::{Role, UserStatus};

use crate::error::{ApiError, FieldError};

/// Collects the problems of several fields so a client learns about all of them at once.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Parses one field, remembering its error under `field`.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, String>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(message) => {
                self.0.push(FieldError::new(field, message));
                None
            }
        }
    }

    /// Records a problem found outside a parser.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// The problems found so far.
    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// `Ok(())` when every field parsed, else the 422 naming all of them.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.0))
        }
    }
}

/// Trims `raw` and checks it is between `min` and `max` characters with no control characters.
pub(crate) fn bounded_text(raw: &str, min: usize, max: usize) -> Result<String, String> {
    let text = raw.trim();
    let length = text.chars().count();
    if length < min {
        return Err(if min == 1 {
            "must not be empty".to_owned()
        } else {
            format!("must be at least {min} characters")
        });
    }
    if length > max {
        return Err(format!("must be at most {max} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    Ok(text.to_owned())
}

/// Parses an optional text field: absent or blank is `None`.
pub(crate) fn optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => bounded_text(text, 1, max).map(Some),
    }
}

/// Deserializes a field that may be absent (outer `None`, through `#[serde(default)]`) or `null`
/// (`Some(None)`), for partial updates where `null` clears a value.
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}
