//! [`Quantity`]: how many units of one product a cart line or an order line holds.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 1 to [`Quantity::MAX`] units: the only place the bounds of a line are written.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct Quantity(i64);

impl Quantity {
    /// The most units of one product in a cart line or an order.
    pub const MAX: i64 = 1_000;

    pub fn get(self) -> i64 {
        self.0
    }

    /// The sum of two quantities, if it stays within the bounds.
    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        Quantity::try_from(self.0 + other.0).ok()
    }
}

impl TryFrom<i64> for Quantity {
    type Error = String;

    fn try_from(units: i64) -> Result<Self, String> {
        if (1..=Self::MAX).contains(&units) {
            Ok(Self(units))
        } else {
            Err(format!("must be 1 to {}", Self::MAX))
        }
    }
}

impl From<Quantity> for i64 {
    fn from(quantity: Quantity) -> i64 {
        quantity.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_enforced_when_parsed_and_when_added() {
        assert!(Quantity::try_from(0).is_err());
        assert!(Quantity::try_from(Quantity::MAX + 1).is_err());
        let half = Quantity::try_from(Quantity::MAX / 2).unwrap();
        assert_eq!(
            half.checked_add(half).map(Quantity::get),
            Some(Quantity::MAX)
        );
        assert_eq!(half.checked_add(Quantity::try_from(501).unwrap()), None);
        let parsed: Result<Quantity, _> = serde_json::from_str("0");
        assert!(
            parsed
                .unwrap_err()
                .to_string()
                .contains("must be 1 to 1000")
        );
    }
}
