//! Stripe's webhooks: checking the `Stripe-Signature` header as Stripe documents it, and reading
//! the events Bazaar acts on.
//!
//! The header is `t=<unix time>,v1=<hex HMAC-SHA256>[,v1=...]`; the signed text is
//! `<t>.<raw body>` under the endpoint's signing secret. A signature older (or newer) than the
//! tolerance is refused, so a captured request cannot be replayed later, and signatures are
//! compared in constant time (`Mac::verify_slice`).

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use uuid::Uuid;

/// Why a webhook's signature is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SignatureError {
    #[error("the Stripe-Signature header has no timestamp or no v1 signature")]
    Malformed,
    #[error("the signature's timestamp is outside the tolerance")]
    Stale,
    #[error("no v1 signature matches the body")]
    Mismatch,
}

/// Checks `header` against `payload` signed with `secret`, at `now` (unix seconds).
pub(crate) fn verify(
    header: &str,
    payload: &[u8],
    secret: &str,
    now: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.push(value),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if now.abs_diff(timestamp) > tolerance_secs.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    let mut signed =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| SignatureError::Mismatch)?;
    signed.update(timestamp.to_string().as_bytes());
    signed.update(b".");
    signed.update(payload);
    let matches = signatures.iter().any(|signature| {
        hex::decode(signature).is_ok_and(|bytes| signed.clone().verify_slice(&bytes).is_ok())
    });
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Why a webhook is refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WebhookError {
    #[error(transparent)]
    Signature(SignatureError),
    #[error("the event is not one Stripe sends: {0}")]
    Unreadable(serde_json::Error),
}

impl crate::error::Coded for WebhookError {
    fn code(&self) -> crate::error::ErrorCode {
        match self {
            WebhookError::Signature(_) => crate::error::ErrorCode::InvalidSignature,
            WebhookError::Unreadable(_) => crate::error::ErrorCode::MalformedRequest,
        }
    }
}

/// An event as Stripe posts it; only the parts read.
#[derive(Debug, Deserialize)]
pub(crate) struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: EventData,
}

#[derive(Debug, Deserialize)]
pub(crate) struct EventData {
    pub object: serde_json::Value,
}

/// A PaymentIntent that succeeded for one of Bazaar's orders.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct IntentSucceeded {
    pub intent: String,
    pub order: Uuid,
    pub amount_cents: i64,
    pub currency: String,
    pub card_brand: String,
    pub card_last4: String,
}

impl Event {
    /// The succeeded payment of an order this event reports, if it reports one.
    pub(crate) fn order_paid(&self) -> Option<IntentSucceeded> {
        if self.kind != "payment_intent.succeeded" {
            return None;
        }
        let intent = &self.data.object;
        let metadata = &intent["metadata"];
        Some(IntentSucceeded {
            intent: intent["id"].as_str()?.to_owned(),
            order: metadata["order_id"].as_str()?.parse().ok()?,
            amount_cents: intent["amount"].as_i64()?,
            currency: intent["currency"].as_str()?.to_ascii_uppercase(),
            card_brand: metadata["card_brand"].as_str().unwrap_or("card").to_owned(),
            card_last4: metadata["card_last4"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(payload: &str, secret: &str, t: i64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.{payload}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn a_signature_must_match_the_body_and_be_recent() {
        let (payload, secret, t) = (r#"{"id":"evt_1"}"#, "whsec_test", 1_700_000_000);
        let good = sign(payload, secret, t);
        let header = format!("t={t},v1={good}");
        assert_eq!(
            verify(&header, payload.as_bytes(), secret, t + 10, 300),
            Ok(())
        );
        // Any of several v1 signatures (Stripe sends more than one while a secret rolls).
        let rolled = format!("t={t},v1={},v1={good},v0=abc", "00".repeat(32));
        assert_eq!(verify(&rolled, payload.as_bytes(), secret, t, 300), Ok(()));
        for (header, body, now, refusal) in [
            (
                header.clone(),
                r#"{"id":"evt_2"}"#,
                t,
                SignatureError::Mismatch,
            ),
            (
                format!("t={t},v1={}", sign(payload, "whsec_other", t)),
                payload,
                t,
                SignatureError::Mismatch,
            ),
            (format!("t={t},v1=zz"), payload, t, SignatureError::Mismatch),
            (header.clone(), payload, t + 301, SignatureError::Stale),
            (header.clone(), payload, t - 301, SignatureError::Stale),
            (format!("v1={good}"), payload, t, SignatureError::Malformed),
            (format!("t={t}"), payload, t, SignatureError::Malformed),
        ] {
            assert_eq!(
                verify(&header, body.as_bytes(), secret, now, 300),
                Err(refusal),
                "{header}"
            );
        }
    }

    #[test]
    fn a_succeeded_intent_names_its_order() {
        let order = Uuid::now_v7();
        let event: Event = serde_json::from_value(serde_json::json!({
            "id": "evt_1", "type": "payment_intent.succeeded",
            "data": {"object": {"id": "pi_1", "amount": 1299, "currency": "eur",
                     "metadata": {"order_id": order.to_string(), "card_brand": "visa",
                                  "card_last4": "4242"}}}
        }))
        .unwrap();
        assert_eq!(
            event.order_paid(),
            Some(IntentSucceeded {
                intent: "pi_1".into(),
                order,
                amount_cents: 1299,
                currency: "EUR".into(),
                card_brand: "visa".into(),
                card_last4: "4242".into(),
            })
        );
        let other: Event = serde_json::from_value(serde_json::json!({
            "id": "evt_2", "type": "charge.refunded", "data": {"object": {}}
        }))
        .unwrap();
        assert_eq!(other.order_paid(), None);
    }
}
