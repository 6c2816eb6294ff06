//! The wallets and their ledger.

mod postgres;
mod sqlite;

use super::{TopUpLimits, WalletError, WalletTransaction};
use crate::db::Database;
use crate::domain::{Page, Paged};
use bazaar_actors::by_backend;
use bazaar_actors::store::Connection;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone)]
pub(crate) struct WalletStore {
    db: Database,
}

/// A credit from a card, as the store writes it.
pub(crate) struct TopUp<'a> {
    pub id: Uuid,
    pub user: Uuid,
    pub currency: &'a str,
    pub amount_cents: i64,
    pub gateway_ref: &'a str,
    pub card_brand: &'static str,
    pub card_last4: &'a str,
    /// The Idempotency-Key and the body's fingerprint.
    pub key: Option<(&'a str, &'a [u8])>,
    pub limits: TopUpLimits,
    pub at: OffsetDateTime,
}

/// Why a top-up was not credited.
pub(crate) enum TopUpRefusal {
    /// This very charge was credited already (the gateway answered a retry with it): that entry.
    Credited(WalletTransaction),
    /// This charge was given back before: it never credits.
    Returned,
    /// Another charge was credited under the same key first.
    KeyTaken,
    /// Over a limit, found on the locked wallet.
    Limit(WalletError),
}

/// What the limits on a top-up are checked against.
#[derive(Debug, Default, sqlx::FromRow)]
pub(crate) struct Standing {
    pub balance_cents: i64,
    /// Top-ups in the last 24 hours, and the oldest of them.
    pub recent_top_ups: i64,
    pub oldest_recent: Option<OffsetDateTime>,
}

/// Whether crediting `amount` keeps within `limits`.
pub(crate) fn within_limits(
    standing: &Standing,
    amount: i64,
    limits: TopUpLimits,
    now: OffsetDateTime,
) -> Result<(), WalletError> {
    if standing.recent_top_ups >= limits.per_day {
        let free_again = standing.oldest_recent.unwrap_or(now) + time::Duration::DAY;
        let wait = (free_again - now).whole_seconds().max(1);
        return Err(WalletError::TooManyTopUps {
            limit: limits.per_day,
            retry_after_secs: u64::try_from(wait).unwrap_or(1),
        });
    }
    if standing.balance_cents.saturating_add(amount) > limits.max_balance_cents {
        return Err(WalletError::BalanceLimit {
            max_cents: limits.max_balance_cents,
        });
    }
    Ok(())
}

impl WalletStore {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    /// The balance and currency of `user`'s wallet, if they have one.
    pub(crate) async fn balance(&self, user: Uuid) -> sqlx::Result<Option<(i64, String)>> {
        by_backend!(pool &self.db => balance(user))
    }

    pub(crate) async fn transactions(
        &self,
        user: Uuid,
        page: Page,
    ) -> sqlx::Result<Paged<WalletTransaction>> {
        by_backend!(pool &self.db => transactions(user, page))
    }

    pub(crate) async fn standing(&self, user: Uuid, now: OffsetDateTime) -> sqlx::Result<Standing> {
        by_backend!(pool &self.db => standing(user, now))
    }

    /// The top-up made with `key`, with the fingerprint of its request.
    pub(crate) async fn top_up_by_key(
        &self,
        user: Uuid,
        key: &str,
    ) -> sqlx::Result<Option<(Vec<u8>, WalletTransaction)>> {
        by_backend!(pool &self.db => top_up_by_key(user, key))
    }

    /// Records that the charge `reference` of `user` is being given back, before it is.
    pub(crate) async fn return_charge(
        &self,
        user: Uuid,
        reference: &str,
        amount_cents: i64,
    ) -> sqlx::Result<()> {
        by_backend!(pool &self.db => return_charge(user, reference, amount_cents))
    }

    /// Credits a top-up in one transaction, the limits checked again on the locked wallet.
    pub(crate) async fn credit_top_up(
        &self,
        top_up: &TopUp<'_>,
    ) -> sqlx::Result<Result<WalletTransaction, TopUpRefusal>> {
        by_backend!(pool &self.db => credit_top_up(top_up))
    }
}

/// Inside a payment's transaction: takes `amount` from `user`'s wallet for `order` if it holds
/// that much; whether it did.
pub(crate) async fn debit(
    connection: Connection<'_>,
    user: Uuid,
    amount: i64,
    order: Uuid,
    at: OffsetDateTime,
) -> sqlx::Result<bool> {
    by_backend!(connection connection => debit(user, amount, order, at))
}

/// Inside a refund's or a cancellation's transaction: gives `amount` back to the wallet of
/// `order`'s customer.
pub(crate) async fn credit(
    connection: Connection<'_>,
    order: Uuid,
    amount: i64,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    by_backend!(connection connection => credit(order, amount, at))
}

/// The columns of a ledger entry.
const ENTRY: &str = "id, kind, amount_cents, balance_after_cents, order_id, card_brand, \
     card_last4, created_at";
