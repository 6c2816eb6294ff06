//! The promotion campaigns, and the customers each one tells.

mod postgres;
mod sqlite;

use super::Campaign;
use crate::db::Database;
use crate::notifications::New;
use crate::outbox::Letter;
use bazaar_actors::by_backend;
use std::time::Duration;
use uuid::Uuid;

/// The order statuses of something bought (`domain::OrderStatus::is_bought`), as SQL.
const BOUGHT: &str = "('paid', 'processing', 'shipped', 'out_for_delivery', 'delivered', \
     'partially_refunded', 'refunded')";

#[derive(Clone)]
pub(crate) struct PromotionStore {
    db: Database,
}

impl PromotionStore {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    /// Claims the oldest open campaign no one holds, for `lease`, under `claim`.
    pub(crate) async fn claim(
        &self,
        claim: Uuid,
        lease: Duration,
    ) -> sqlx::Result<Option<Campaign>> {
        by_backend!(pool &self.db => claim(claim, lease))
    }

    /// The next `limit` customers after `cursor` (in id order) who opted in and bought from
    /// `seller` (none: bought anything).
    pub(crate) async fn audience(
        &self,
        seller: Option<Uuid>,
        cursor: Option<Uuid>,
        limit: usize,
    ) -> sqlx::Result<Vec<Uuid>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        by_backend!(pool &self.db => audience(seller, cursor, limit))
    }

    /// Stores one batch's notifications and mail and moves the campaign's cursor to `last`, in
    /// one transaction, if the campaign is still `claim`'s (renewing the lease); whether it was.
    pub(crate) async fn record(
        &self,
        coupon: Uuid,
        claim: Uuid,
        batch: &[New],
        mail: &[(Uuid, Letter)],
        last: Uuid,
        lease: Duration,
    ) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => record(coupon, claim, batch, mail, last, lease))
    }

    /// Marks the campaign done.
    pub(crate) async fn finish(&self, coupon: Uuid, claim: Uuid) -> sqlx::Result<()> {
        by_backend!(pool &self.db => finish(coupon, claim))
    }
}
