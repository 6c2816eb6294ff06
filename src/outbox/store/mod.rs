//! The outbox table: listing it, and the sender's claims and marks.

pub(crate) mod postgres;
pub(crate) mod sqlite;

use super::{Letter, OutboxMessage};
use crate::db::Database;
use crate::domain::{Page, Paged};
use bazaar_actors::by_backend;
use bazaar_actors::store::Connection;
use uuid::Uuid;

/// A message claimed for sending.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct Outgoing {
    pub id: Uuid,
    /// The claim it was taken under: a mark applies only under it.
    pub claim_id: Uuid,
    pub to_email: String,
    pub subject: String,
    pub body: String,
    pub html_body: Option<String>,
    /// Attempts before this one.
    pub attempts: i32,
}

#[derive(Clone)]
pub(crate) struct OutboxStore {
    db: Database,
}

impl OutboxStore {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    /// Messages newest first (only those to `to`, if given), each marked if it is addressed to
    /// an admin other than `reader`.
    pub(crate) async fn list(
        &self,
        reader: Uuid,
        to: Option<&str>,
        page: Page,
    ) -> sqlx::Result<Paged<OutboxMessage>> {
        by_backend!(pool &self.db => list(reader, to, page))
    }

    /// Up to `limit` messages due for sending, claimed for `lease`: no other sender takes them
    /// meanwhile.
    pub(crate) async fn claim_due(
        &self,
        lease: std::time::Duration,
        limit: i64,
    ) -> sqlx::Result<Vec<Outgoing>> {
        by_backend!(pool &self.db => claim_due(lease, limit))
    }

    /// Records `sent` as sent, with its bodies as given (their one-time links redacted).
    pub(crate) async fn mark_sent(&self, sent: &Outgoing) -> sqlx::Result<()> {
        by_backend!(pool &self.db => mark_sent(sent))
    }

    /// Records a failed attempt: tried again in `retry_in`, or failed for good without it.
    pub(crate) async fn mark_failed_attempt(
        &self,
        message: &Outgoing,
        error: &str,
        retry_in: Option<std::time::Duration>,
    ) -> sqlx::Result<()> {
        by_backend!(pool &self.db => mark_failed_attempt(message, error, retry_in))
    }
}

/// Queues `letter` to the customer of `order`, in the transaction of `connection`.
pub(crate) async fn enqueue_to_customer(
    connection: Connection<'_>,
    order: Uuid,
    letter: &Letter,
) -> sqlx::Result<()> {
    by_backend!(connection connection => enqueue_to_customer(order, letter))
}
