//! `Idempotency-Key`: a retry with the same key and body gets the first answer; the same key with
//! another body is refused. Records live in PostgreSQL (primary key: user, scope, key), so a retry
//! after a crash or on another process still finds them; the record of a checkout commits in the
//! same transaction as its order, so two concurrent requests with one key make one order.

use super::{OrderError, Stored};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A client's idempotency key for one request.
#[derive(Clone, Debug)]
pub struct IdempotencyKey {
    pub user: Uuid,
    /// The route it applies to (`checkout`, `pay:<order id>`).
    pub scope: String,
    pub key: String,
    /// SHA-256 of the canonical JSON of the request body.
    pub request_hash: Vec<u8>,
}

impl IdempotencyKey {
    /// Validates the header value and fingerprints `body`.
    pub fn new(
        user: Uuid,
        scope: String,
        key: &str,
        body: &serde_json::Value,
    ) -> Result<Self, OrderError> {
        if key.is_empty() || key.len() > 255 || key.chars().any(char::is_control) {
            return Err(OrderError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 characters without control characters",
            ));
        }
        // serde_json's maps are ordered by key: the same body always serializes alike.
        let canonical = serde_json::to_vec(body).map_err(anyhow::Error::from)?;
        Ok(Self {
            user,
            scope,
            key: key.to_owned(),
            request_hash: Sha256::digest(&canonical).to_vec(),
        })
    }

    /// The first answer to this key, if there is one; a conflict if it answered another request.
    pub async fn replay(&self, pool: &PgPool) -> Result<Option<Stored>, OrderError> {
        let found: Option<(Vec<u8>, i32, serde_json::Value)> = sqlx::query_as(
            "SELECT request_hash, status_code, response FROM idempotency_keys
             WHERE user_id = $1 AND scope = $2 AND key = $3",
        )
        .bind(self.user)
        .bind(&self.scope)
        .bind(&self.key)
        .fetch_optional(pool)
        .await?;
        match found {
            None => Ok(None),
            Some((hash, _, _)) if hash != self.request_hash => Err(OrderError::IdempotencyConflict),
            Some((_, status, body)) => Ok(Some(Stored {
                status: u16::try_from(status).unwrap_or(500),
                body,
            })),
        }
    }

    /// Stores the answer unless the key already has one; whether this call stored it.
    pub async fn record(
        &self,
        connection: &mut PgConnection,
        answer: &Stored,
    ) -> sqlx::Result<bool> {
        let stored = sqlx::query(
            "INSERT INTO idempotency_keys (user_id, scope, key, request_hash, status_code, response)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(self.user)
        .bind(&self.scope)
        .bind(&self.key)
        .bind(&self.request_hash)
        .bind(i32::from(answer.status))
        .bind(&answer.body)
        .execute(connection)
        .await?;
        Ok(stored.rows_affected() == 1)
    }

    /// Replaces the stored answer (a checkout that went on to pay, or was declined).
    pub async fn replace(
        &self,
        connection: &mut PgConnection,
        answer: &Stored,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE idempotency_keys SET status_code = $4, response = $5
             WHERE user_id = $1 AND scope = $2 AND key = $3",
        )
        .bind(self.user)
        .bind(&self.scope)
        .bind(&self.key)
        .bind(i32::from(answer.status))
        .bind(&answer.body)
        .execute(connection)
        .await?;
        Ok(())
    }
}
