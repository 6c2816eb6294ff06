//! Payments: the [`PaymentGateway`] the server charges through (the built-in test gateway, or
//! Stripe with `BAZAAR_STRIPE_SECRET_KEY`), and cards as clients send them.
//!
//! Card numbers never leave [`card`] except as brand and last four digits, and never reach a
//! log.

mod card;
pub(crate) mod stripe;
mod test_gateway;

pub(crate) use card::{Card, CardFields, known_brand};
pub use stripe::StripeSettings;
pub(crate) use stripe::{StripeGateway, Webhooks};
pub(crate) use test_gateway::TestGateway;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

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

/// What a charge is for: the gateway records it with the charge (Stripe's `metadata`), so that a
/// webhook about the charge finds its way back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// Paying this order.
    Order(Uuid),
    /// Topping up this user's wallet.
    TopUp(Uuid),
}

/// One charge to ask a gateway for.
#[derive(Debug)]
pub(crate) struct ChargeRequest<'a> {
    pub card: &'a Card,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub purpose: Purpose,
    /// The same key for a retry of the same charge: a gateway that keeps idempotency keys
    /// answers it with the first charge instead of charging again.
    pub idempotency_key: String,
}

/// A card payment processor.
pub(crate) trait PaymentGateway: Send + Sync + 'static {
    fn charge<'a>(
        &'a self,
        request: &'a ChargeRequest<'a>,
    ) -> BoxFuture<'a, Result<ChargeOutcome, GatewayError>>;

    /// Gives back `amount_cents` of the charge `reference`; `idempotency_key` names this refund,
    /// so asking again for it never refunds twice.
    fn refund<'a>(
        &'a self,
        reference: &'a str,
        amount_cents: i64,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<(), GatewayError>>;
}
