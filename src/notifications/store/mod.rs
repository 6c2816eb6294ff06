//! The notifications table.

pub(crate) mod postgres;
pub(crate) mod sqlite;

use super::{New, Notification};
use crate::db::Database;
use crate::domain::{Page, Paged};
use crate::outbox::Letter;
use bazaar_actors::by_backend;
use uuid::Uuid;

#[derive(Clone)]
pub(crate) struct NotificationStore {
    db: Database,
}

impl NotificationStore {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    /// Stores `batch`, and queues `letters` (to users by id) in the same transaction.
    pub(crate) async fn insert(
        &self,
        batch: &[New],
        letters: &[(Uuid, Letter)],
    ) -> sqlx::Result<()> {
        by_backend!(pool &self.db => insert(batch, letters))
    }

    pub(crate) async fn list(&self, user: Uuid, page: Page) -> sqlx::Result<Paged<Notification>> {
        by_backend!(pool &self.db => list(user, page))
    }

    pub(crate) async fn mark_read(&self, user: Uuid, id: Uuid) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => mark_read(user, id))
    }
}
