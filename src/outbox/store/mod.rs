//! The outbox table.

pub(crate) mod postgres;
pub(crate) mod sqlite;

use super::OutboxMessage;
use crate::db::Database;
use crate::domain::{Page, Paged};
use bazaar_actors::by_backend;
use uuid::Uuid;

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
}
