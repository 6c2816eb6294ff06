//! Where an order goes and how it travels.

use crate::domain::AddressInput;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Where the order goes.
#[derive(Clone, Debug)]
pub(crate) enum Shipping {
    /// An address from the customer's address book.
    Saved(Uuid),
    /// An address given with the checkout.
    Inline(AddressInput),
}

/// How the order travels: `standard` is free, `express` costs a flat fee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub(crate) enum ShippingMethod {
    Standard,
    Express,
}

impl ShippingMethod {
    /// The express fee in minor units of the order's currency.
    pub(crate) const EXPRESS_FEE_CENTS: i64 = 1_500;

    pub(crate) fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "standard" => Ok(ShippingMethod::Standard),
            "express" => Ok(ShippingMethod::Express),
            _ => Err("must be standard or express".into()),
        }
    }

    /// What shipping costs, in minor units of the order's currency.
    pub(crate) fn fee(self) -> i64 {
        match self {
            ShippingMethod::Standard => 0,
            ShippingMethod::Express => Self::EXPRESS_FEE_CENTS,
        }
    }
}

/// The address an order is shipped to, as snapshotted into it.
pub(crate) fn address_snapshot(address: &AddressInput) -> serde_json::Value {
    serde_json::json!({
        "label": address.label, "name": address.name, "line1": address.line1,
        "line2": address.line2, "city": address.city, "region": address.region,
        "postal_code": address.postal_code, "country": address.country.as_str(),
        "phone": address.phone.as_ref().map(|p| p.as_str()),
    })
}
