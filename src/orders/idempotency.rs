//! `Idempotency-Key`: a retry with the same key and body gets the first outcome; the same key
//! with another body is refused. Records live in the database (primary key: user, scope, key),
//! so a retry after a crash or on another process still finds them; the record of a checkout
//! commits in the same transaction as its order, so two concurrent requests with one key make one
//! order.
//!
//! A body is recorded only as a keyed fingerprint ([`Fingerprints`]): it may hold a card number,
//! expiry and CVC, and an unkeyed hash of so little unknown text could be reversed offline by
//! trying every card.

use super::OrderError;
use super::store::OrderStore;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use sha2::Sha256;
use uuid::Uuid;

/// Fingerprints request bodies: HMAC-SHA256 under a server secret.
#[derive(Clone)]
pub(crate) struct Fingerprints {
    /// The MAC keyed with the secret, cloned for each body.
    keyed: Hmac<Sha256>,
}

impl Fingerprints {
    pub(crate) fn new(secret: [u8; 32]) -> Self {
        Self {
            keyed: crate::auth::keyed_sha256(&secret),
        }
    }

    /// A short keyed tag of `parts` (32 hex digits): names a charge to a gateway without
    /// revealing what it was derived from (a card number, a client's key).
    pub(crate) fn tag(&self, parts: &[&[u8]]) -> String {
        let mut mac = self.keyed.clone();
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// The fingerprint of `body`; equal bodies have equal fingerprints whatever their key order.
    fn of(&self, body: &serde_json::Value) -> Result<Vec<u8>, OrderError> {
        // serde_json's maps are ordered by key: the same body always serializes alike.
        let canonical = serde_json::to_vec(body).map_err(anyhow::Error::from)?;
        let mut mac = self.keyed.clone();
        mac.update(&canonical);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

/// A client's idempotency key for one request.
#[derive(Clone, Debug)]
pub(crate) struct IdempotencyKey {
    pub user: Uuid,
    /// The route it applies to (`checkout`, `pay:<order id>`).
    pub scope: String,
    pub key: String,
    /// The keyed fingerprint of the request body ([`Fingerprints`]).
    pub request_hash: Vec<u8>,
}

impl IdempotencyKey {
    /// Validates the header value and fingerprints `body`.
    pub(crate) fn new(
        user: Uuid,
        scope: String,
        key: &str,
        body: &serde_json::Value,
        fingerprints: &Fingerprints,
    ) -> Result<Self, OrderError> {
        if key.is_empty() || key.len() > 255 || key.chars().any(char::is_control) {
            return Err(OrderError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 characters without control characters",
            ));
        }
        Ok(Self {
            user,
            scope,
            key: key.to_owned(),
            request_hash: fingerprints.of(body)?,
        })
    }

    /// The first outcome of this key, if there is one; a conflict if it answered another
    /// request.
    pub(crate) async fn replay<T: DeserializeOwned>(
        &self,
        store: &OrderStore,
    ) -> Result<Option<T>, OrderError> {
        match store.idempotency_record(self).await? {
            None => Ok(None),
            Some((hash, _)) if hash != self.request_hash => Err(OrderError::IdempotencyConflict),
            Some((_, outcome)) => Ok(Some(
                serde_json::from_value(outcome).map_err(anyhow::Error::from)?,
            )),
        }
    }
}

/// The JSON an outcome is recorded as.
pub(crate) fn recorded(outcome: &impl serde::Serialize) -> Result<String, OrderError> {
    Ok(serde_json::to_string(outcome).map_err(anyhow::Error::from)?)
}
