//! [`PaymentMethod`]: how an order is paid, as the `payments.method` column stores it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How a payment is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub(crate) enum PaymentMethod {
    Card,
    Wallet,
}
