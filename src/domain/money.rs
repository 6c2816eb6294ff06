//! Money: amounts are integer minor units (cents) of one [`Currency`]; a [`Price`] is what one
//! unit of a product costs.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An ISO 4217 currency code, upper-case.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Currency(String);

impl Currency {
    pub(crate) fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err("must be a three-letter ISO 4217 currency code, like EUR".into())
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// The price of one unit in minor units: 1 to [`Price::MAX_CENTS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "i64", into = "i64")]
pub struct Price(i64);

impl Price {
    /// The highest price: 1 billion in major units, far below `i64` overflow in any order total
    /// (at most 1,000 units of at most 100 products).
    pub const MAX_CENTS: i64 = 100_000_000_000;

    pub fn cents(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for Price {
    type Error = String;

    fn try_from(cents: i64) -> Result<Self, String> {
        if (1..=Self::MAX_CENTS).contains(&cents) {
            Ok(Self(cents))
        } else {
            Err(format!(
                "must be from 1 to {} (minor units)",
                Self::MAX_CENTS
            ))
        }
    }
}

impl From<Price> for i64 {
    fn from(price: Price) -> i64 {
        price.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_positive_and_bounded() {
        for cents in [0, -1, Price::MAX_CENTS + 1] {
            assert!(Price::try_from(cents).is_err(), "{cents}");
        }
        assert_eq!(Price::try_from(1299).map(Price::cents), Ok(1299));
        assert!(serde_json::from_str::<Price>("0").is_err());
    }

    #[test]
    fn currencies_are_normalized_iso_codes() {
        assert_eq!(Currency::parse(" eur ").unwrap().as_str(), "EUR");
        for raw in ["euro", "E1", ""] {
            assert!(Currency::parse(raw).is_err(), "{raw}");
        }
    }
}
