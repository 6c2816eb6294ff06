//! The outbox: every outgoing message (activation, password reset, order mail) is a row here.
//!
//! Messages are written in the same transaction as the change that causes them, so a message is
//! never sent for a change that rolled back. With no SMTP server configured the outbox is the
//! mail sink, readable by admins at `GET /api/v1/admin/outbox`.

pub(crate) mod store;

use crate::domain::{Page, Paged};
use serde::Serialize;
use store::OutboxStore;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// One outgoing message.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct OutboxMessage {
    pub id: Uuid,
    pub to: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A message to queue with the change it reports.
#[derive(Clone, Debug)]
pub(crate) struct NewMessage {
    pub to: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
}

/// Reading the outbox.
#[derive(Clone)]
pub(crate) struct Outbox {
    store: OutboxStore,
}

impl Outbox {
    pub(crate) fn new(store: OutboxStore) -> Self {
        Self { store }
    }

    /// Messages newest first, optionally only those to one address.
    pub(crate) async fn list(
        &self,
        to: Option<&str>,
        page: Page,
    ) -> Result<Paged<OutboxMessage>, sqlx::Error> {
        self.store.list(to, page).await
    }
}
