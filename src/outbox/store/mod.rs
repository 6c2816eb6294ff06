//! The outbox table.

pub(crate) mod postgres;
pub(crate) mod sqlite;

use super::OutboxMessage;
use crate::db::Database;
use crate::domain::{Page, Paged};
use bazaar_actors::by_backend;

#[derive(Clone)]
pub(crate) struct OutboxStore {
    db: Database,
}

impl OutboxStore {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    pub(crate) async fn list(
        &self,
        to: Option<&str>,
        page: Page,
    ) -> sqlx::Result<Paged<OutboxMessage>> {
        by_backend!(pool &self.db => list(to, page))
    }
}
