//! The sellers' daily aggregates, and what a report reads beside them.

mod postgres;
mod sqlite;

use super::{Day, Days, LowStock, TopProduct};
use crate::db::Database;
use bazaar_actors::by_backend;
use uuid::Uuid;

/// The most low-stock products a report lists (the emptiest first).
const LOW_STOCK_LISTED: i64 = 100;

#[derive(Clone)]
pub(crate) struct AnalyticsStore {
    db: Database,
}

impl AnalyticsStore {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    pub(crate) async fn is_seller(&self, user: Uuid) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => is_seller(user))
    }

    /// The days of `days` with sales or refunds of `seller`, per currency, in day order.
    pub(crate) async fn by_day(&self, seller: Uuid, days: Days) -> sqlx::Result<Vec<Day>> {
        by_backend!(pool &self.db => by_day(seller, days))
    }

    /// The `limit` products of `seller` with the most revenue in `days`.
    pub(crate) async fn top_products(
        &self,
        seller: Uuid,
        days: Days,
        limit: i64,
    ) -> sqlx::Result<Vec<TopProduct>> {
        by_backend!(pool &self.db => top_products(seller, days, limit))
    }

    /// The orders of `seller` placed in `days`, by status now (statuses with none left out).
    pub(crate) async fn statuses(
        &self,
        seller: Uuid,
        days: Days,
    ) -> sqlx::Result<Vec<(String, i64)>> {
        by_backend!(pool &self.db => statuses(seller, days))
    }

    pub(crate) async fn low_stock(&self, seller: Uuid) -> sqlx::Result<Vec<LowStock>> {
        by_backend!(pool &self.db => low_stock(seller, LOW_STOCK_LISTED))
    }
}
