//! The Stripe adapter: card charges as PaymentIntents and refunds over Stripe's HTTPS API, and
//! the signed webhooks Stripe sends about them ([`webhook`]).
//!
//! A charge is one `POST /v1/payment_intents` that creates and confirms the intent with the card
//! (`payment_method_data`; an account needs Stripe's raw card data access for that), carrying the
//! charge's idempotency key as Stripe's `Idempotency-Key`, so a retry after a lost answer gets
//! the same intent instead of a second charge. What the charge is for goes into the intent's
//! `metadata` (`order_id` or `top_up_user`, and the card's brand and last four digits), which is
//! how a webhook finds its order. The API base is configurable (`BAZAAR_STRIPE_API_BASE`), so
//! tests and regional endpoints can point the adapter elsewhere.

pub(crate) mod webhook;

use super::{ChargeOutcome, ChargeRequest, DeclineCode, GatewayError, PaymentGateway, Purpose};
use futures_util::future::BoxFuture;
use serde::Deserialize;
use std::time::Duration;

/// How to reach Stripe, from `BAZAAR_STRIPE_*`.
#[derive(Clone)]
pub struct StripeSettings {
    /// The secret API key (`sk_live_...` or `sk_test_...`).
    pub secret_key: String,
    /// `https://api.stripe.com` unless pointed elsewhere.
    pub api_base: String,
    /// The signing secret of the webhook endpoint (`whsec_...`); none: webhooks are refused.
    pub webhook_secret: Option<String>,
    /// How long one API call may take.
    pub timeout: Duration,
    /// How old a webhook's signature timestamp may be.
    pub webhook_tolerance: Duration,
}

impl std::fmt::Debug for StripeSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeSettings")
            .field("secret_key", &"<redacted>")
            .field("api_base", &self.api_base)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("timeout", &self.timeout)
            .field("webhook_tolerance", &self.webhook_tolerance)
            .finish()
    }
}

/// What the webhook route checks a Stripe event's signature with; no secret: the route is off.
/// (No `Debug`: it holds the signing secret.)
#[derive(Clone, Default)]
pub(crate) struct Webhooks {
    secret: Option<String>,
    tolerance_secs: i64,
}

impl Webhooks {
    pub(crate) fn new(settings: Option<&StripeSettings>) -> Self {
        match settings {
            Some(settings) => Self {
                secret: settings.webhook_secret.clone(),
                tolerance_secs: i64::try_from(settings.webhook_tolerance.as_secs())
                    .unwrap_or(i64::MAX),
            },
            None => Self::default(),
        }
    }

    /// Checks `payload` against its `Stripe-Signature` header now, and reads the event; none
    /// when webhooks are not configured.
    pub(crate) fn verified(
        &self,
        header: &str,
        payload: &[u8],
    ) -> Option<Result<webhook::Event, webhook::WebhookError>> {
        let secret = self.secret.as_deref()?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        Some(
            webhook::verify(header, payload, secret, now, self.tolerance_secs)
                .map_err(webhook::WebhookError::Signature)
                .and_then(|()| {
                    serde_json::from_slice(payload).map_err(webhook::WebhookError::Unreadable)
                }),
        )
    }
}

/// Charges and refunds through Stripe.
pub(crate) struct StripeGateway {
    client: reqwest::Client,
    api_base: String,
    secret_key: String,
}

/// The parts of a PaymentIntent the adapter reads.
#[derive(Debug, Deserialize)]
struct PaymentIntent {
    id: String,
    status: String,
}

/// Stripe's error body: `{"error": {type, code, decline_code, message}}`.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: StripeError,
}

#[derive(Debug, Deserialize)]
struct StripeError {
    #[serde(rename = "type")]
    kind: Option<String>,
    code: Option<String>,
    decline_code: Option<String>,
    message: Option<String>,
}

impl StripeGateway {
    pub(crate) fn new(settings: &StripeSettings) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .build()?;
        Ok(Self {
            client,
            api_base: settings.api_base.trim_end_matches('/').to_owned(),
            secret_key: settings.secret_key.clone(),
        })
    }

    /// Posts `form` to `path` with the key and `idempotency_key`; the status and body.
    async fn post(
        &self,
        path: &str,
        form: &[(&str, String)],
        idempotency_key: &str,
    ) -> Result<(reqwest::StatusCode, String), GatewayError> {
        let response = self
            .client
            .post(format!("{}{path}", self.api_base))
            .bearer_auth(&self.secret_key)
            .header("Idempotency-Key", idempotency_key)
            .form(form)
            .send()
            .await
            .map_err(|error| GatewayError(unreachable(error)))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|error| GatewayError(unreachable(error)))?;
        Ok((status, body))
    }
}

/// What went wrong reaching Stripe, without the URL (which names nothing secret, but is noise).
fn unreachable(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "Stripe did not answer in time".into()
    } else {
        format!("Stripe could not be reached: {}", error.without_url())
    }
}

/// The form of a PaymentIntent that charges `request` at once.
fn intent_form(request: &ChargeRequest<'_>) -> Vec<(&'static str, String)> {
    let (exp_month, exp_year, cvc) = request.card.secrets();
    let mut form = vec![
        ("amount", request.amount_cents.to_string()),
        ("currency", request.currency.to_ascii_lowercase()),
        ("confirm", "true".into()),
        ("payment_method_types[]", "card".into()),
        ("payment_method_data[type]", "card".into()),
        (
            "payment_method_data[card][number]",
            request.card.number().into(),
        ),
        (
            "payment_method_data[card][exp_month]",
            exp_month.to_string(),
        ),
        ("payment_method_data[card][exp_year]", exp_year.to_string()),
        ("payment_method_data[card][cvc]", cvc.into()),
        ("metadata[card_brand]", request.card.brand.into()),
        ("metadata[card_last4]", request.card.last4.clone()),
    ];
    match request.purpose {
        Purpose::Order(order) => form.push(("metadata[order_id]", order.to_string())),
        Purpose::TopUp(user) => form.push(("metadata[top_up_user]", user.to_string())),
    }
    form
}

/// A declined card's reason, from Stripe's `decline_code` (or `code`).
fn decline_code(error: &StripeError) -> DeclineCode {
    match (error.decline_code.as_deref(), error.code.as_deref()) {
        (Some("insufficient_funds"), _) | (_, Some("insufficient_funds")) => {
            DeclineCode::InsufficientFunds
        }
        _ => DeclineCode::CardDeclined,
    }
}

/// The outcome of an intent Stripe answered `status` with `body`.
fn charge_outcome(status: reqwest::StatusCode, body: &str) -> Result<ChargeOutcome, GatewayError> {
    if status.is_success() {
        let intent: PaymentIntent = serde_json::from_str(body).map_err(|error| {
            GatewayError(format!("Stripe answered an unreadable intent: {error}"))
        })?;
        return match intent.status.as_str() {
            "succeeded" => Ok(ChargeOutcome::Approved {
                reference: intent.id,
            }),
            // A card that needs its holder (3-D Secure) cannot be confirmed by the server alone.
            "requires_payment_method" | "requires_action" | "canceled" => {
                Ok(ChargeOutcome::Declined {
                    code: DeclineCode::CardDeclined,
                })
            }
            other => Err(GatewayError(format!(
                "Stripe left intent {} {other}; its webhook will settle it",
                intent.id
            ))),
        };
    }
    let error = serde_json::from_str::<ErrorBody>(body).map(|body| body.error);
    match error {
        Ok(error)
            if status == reqwest::StatusCode::PAYMENT_REQUIRED
                || error.kind.as_deref() == Some("card_error") =>
        {
            Ok(ChargeOutcome::Declined {
                code: decline_code(&error),
            })
        }
        Ok(error) => Err(GatewayError(format!(
            "Stripe refused the charge ({status}): {}",
            error.message.unwrap_or_default()
        ))),
        Err(_) => Err(GatewayError(format!("Stripe answered {status}"))),
    }
}

impl PaymentGateway for StripeGateway {
    fn charge<'a>(
        &'a self,
        request: &'a ChargeRequest<'a>,
    ) -> BoxFuture<'a, Result<ChargeOutcome, GatewayError>> {
        Box::pin(async move {
            let (status, body) = self
                .post(
                    "/v1/payment_intents",
                    &intent_form(request),
                    &request.idempotency_key,
                )
                .await?;
            charge_outcome(status, &body)
        })
    }

    fn refund<'a>(
        &'a self,
        reference: &'a str,
        amount_cents: i64,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<(), GatewayError>> {
        Box::pin(async move {
            let form = [
                ("payment_intent", reference.to_owned()),
                ("amount", amount_cents.to_string()),
            ];
            let (status, body) = self.post("/v1/refunds", &form, idempotency_key).await?;
            if status.is_success() {
                return Ok(());
            }
            let detail = serde_json::from_str::<ErrorBody>(&body)
                .ok()
                .and_then(|body| body.error.message)
                .unwrap_or_default();
            Err(GatewayError(format!(
                "Stripe refused the refund ({status}): {detail}"
            )))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intents_and_errors_read_as_outcomes() {
        let ok = reqwest::StatusCode::OK;
        assert_eq!(
            charge_outcome(ok, r#"{"id":"pi_1","status":"succeeded"}"#).unwrap(),
            ChargeOutcome::Approved {
                reference: "pi_1".into()
            }
        );
        assert_eq!(
            charge_outcome(ok, r#"{"id":"pi_1","status":"requires_action"}"#).unwrap(),
            ChargeOutcome::Declined {
                code: DeclineCode::CardDeclined
            }
        );
        assert!(charge_outcome(ok, r#"{"id":"pi_1","status":"processing"}"#).is_err());
        let declined = r#"{"error":{"type":"card_error","code":"card_declined",
                           "decline_code":"insufficient_funds","message":"no"}}"#;
        assert_eq!(
            charge_outcome(reqwest::StatusCode::PAYMENT_REQUIRED, declined).unwrap(),
            ChargeOutcome::Declined {
                code: DeclineCode::InsufficientFunds
            }
        );
        let bad_key = r#"{"error":{"type":"invalid_request_error","message":"Invalid API Key"}}"#;
        let refused = charge_outcome(reqwest::StatusCode::UNAUTHORIZED, bad_key).unwrap_err();
        assert!(refused.0.contains("Invalid API Key"), "{}", refused.0);
        assert!(charge_outcome(reqwest::StatusCode::BAD_GATEWAY, "<html>").is_err());
    }
}
