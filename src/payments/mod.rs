//! Payments: the [`PaymentGateway`] the server charges through, the built-in test gateway, and
//! cards as clients send them.
//!
//! Card numbers never leave [`card`] except as brand and last four digits, and never reach a
//! log.

mod card;
mod test_gateway;

pub(crate) use card::{Card, CardFields};
pub(crate) use test_gateway::TestGateway;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Why a gateway refused a charge, as `payments.decline_code` stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub(crate) enum DeclineCode {
    CardDeclined,
    InsufficientFunds,
}

impl DeclineCode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DeclineCode::CardDeclined => "card_declined",
            DeclineCode::InsufficientFunds => "insufficient_funds",
        }
    }
}

/// What the gateway said about a charge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ChargeOutcome {
    /// Money taken; `reference` identifies the charge for refunds.
    Approved { reference: String },
    /// Refused, with the gateway's reason.
    Declined { code: DeclineCode },
}

/// The gateway could not be reached or failed.
#[derive(Debug, thiserror::Error)]
#[error("payment gateway error: {0}")]
pub(crate) struct GatewayError(pub String);

/// A card payment processor.
pub(crate) trait PaymentGateway: Send + Sync + 'static {
    fn charge<'a>(
        &'a self,
        card: &'a Card,
        amount_cents: i64,
        currency: &'a str,
    ) -> BoxFuture<'a, Result<ChargeOutcome, GatewayError>>;

    fn refund<'a>(
        &'a self,
        reference: &'a str,
        amount_cents: i64,
    ) -> BoxFuture<'a, Result<(), GatewayError>>;
}
