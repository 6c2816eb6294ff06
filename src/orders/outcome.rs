//! What checking out and paying answer. These typed outcomes are what an idempotency record
//! stores and a retry replays; only the routes turn them into HTTP answers.

use super::model::Order;
use crate::payments::DeclineCode;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The card was refused; the order stays pending payment until its holds expire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Declined {
    pub order: Uuid,
    pub code: DeclineCode,
}

/// What a checkout did.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CheckoutOutcome {
    /// The order exists: pending payment, or paid when the checkout carried a payment.
    Placed(Box<Order>),
    /// The order exists, but the payment that came with it was declined.
    Declined(Declined),
}

/// What paying an order did.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PaymentOutcome {
    Paid(Box<Order>),
    Declined(Declined),
}
