//! The wallets' statements on PostgreSQL. Every change locks the wallet row first.

use super::{ENTRY, Standing, TopUp, TopUpRefusal, within_limits};
use crate::domain::{Page, Paged};
use crate::wallet::WalletTransaction;
use sqlx::error::ErrorKind;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

pub(super) async fn balance(pool: &PgPool, user: Uuid) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as("SELECT balance_cents, currency FROM wallets WHERE user_id = $1")
        .bind(user)
        .fetch_optional(pool)
        .await
}

pub(super) async fn transactions(
    pool: &PgPool,
    user: Uuid,
    page: Page,
) -> sqlx::Result<Paged<WalletTransaction>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ENTRY} FROM wallet_transactions WHERE user_id = $1
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    ));
    let items = sqlx::query_as(sql)
        .bind(user)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(pool)
        .await?;
    let total = sqlx::query_scalar("SELECT count(*) FROM wallet_transactions WHERE user_id = $1")
        .bind(user)
        .fetch_one(pool)
        .await?;
    Ok(Paged::new(items, page, total))
}

const STANDING: &str = "SELECT coalesce((SELECT balance_cents FROM wallets WHERE user_id = $1), 0)
         AS balance_cents,
     count(*) AS recent_top_ups, min(created_at) AS oldest_recent
     FROM wallet_transactions
     WHERE user_id = $1 AND kind = 'top_up' AND created_at > $2";

pub(super) async fn standing(
    pool: &PgPool,
    user: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<Standing> {
    sqlx::query_as(STANDING)
        .bind(user)
        .bind(now - time::Duration::DAY)
        .fetch_one(pool)
        .await
}

pub(super) async fn top_up_by_key(
    pool: &PgPool,
    user: Uuid,
    key: &str,
) -> sqlx::Result<Option<(Vec<u8>, WalletTransaction)>> {
    #[derive(sqlx::FromRow)]
    struct Keyed {
        request_hash: Vec<u8>,
        #[sqlx(flatten)]
        entry: WalletTransaction,
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT request_hash, {ENTRY} FROM wallet_transactions
         WHERE user_id = $1 AND idempotency_key = $2"
    ));
    let keyed: Option<Keyed> = sqlx::query_as(sql)
        .bind(user)
        .bind(key)
        .fetch_optional(pool)
        .await?;
    Ok(keyed.map(|k| (k.request_hash, k.entry)))
}

pub(super) async fn credit_top_up(
    pool: &PgPool,
    t: &TopUp<'_>,
) -> sqlx::Result<Result<WalletTransaction, TopUpRefusal>> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO wallets (user_id, currency) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(t.user)
    .bind(t.currency)
    .execute(&mut *tx)
    .await?;
    sqlx::query("SELECT 1 FROM wallets WHERE user_id = $1 FOR UPDATE")
        .bind(t.user)
        .execute(&mut *tx)
        .await?;
    let standing: Standing = sqlx::query_as(STANDING)
        .bind(t.user)
        .bind(t.at - time::Duration::DAY)
        .fetch_one(&mut *tx)
        .await?;
    if let Some(refusal) = refusal(&mut tx, t).await? {
        return Ok(Err(refusal));
    }
    if let Err(limit) = within_limits(&standing, t.amount_cents, t.limits, t.at) {
        return Ok(Err(TopUpRefusal::Limit(limit)));
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "WITH credited AS (
             UPDATE wallets SET balance_cents = balance_cents + $3, updated_at = $9
             WHERE user_id = $2 RETURNING balance_cents)
         INSERT INTO wallet_transactions (id, user_id, kind, amount_cents, balance_after_cents,
             gateway_ref, card_brand, card_last4, idempotency_key, request_hash, created_at)
         SELECT $1, $2, 'top_up', $3, credited.balance_cents, $4, $5, $6, $7, $8, $9
         FROM credited
         RETURNING {ENTRY}"
    ));
    let entry = sqlx::query_as(sql)
        .bind(t.id)
        .bind(t.user)
        .bind(t.amount_cents)
        .bind(t.gateway_ref)
        .bind(t.card_brand)
        .bind(t.card_last4)
        .bind(t.key.map(|(key, _)| key))
        .bind(t.key.map(|(_, hash)| hash))
        .bind(t.at)
        .fetch_one(&mut *tx)
        .await;
    match entry {
        Err(error) if crate::db::violates(&error, ErrorKind::UniqueViolation) => {
            Ok(Err(TopUpRefusal::KeyTaken))
        }
        Err(error) => Err(error),
        Ok(entry) => {
            tx.commit().await?;
            Ok(Ok(entry))
        }
    }
}

/// Why the locked wallet cannot take `t`'s charge, beside the limits.
async fn refusal(
    connection: &mut PgConnection,
    t: &TopUp<'_>,
) -> sqlx::Result<Option<TopUpRefusal>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ENTRY} FROM wallet_transactions WHERE kind = 'top_up' AND gateway_ref = $1"
    ));
    let credited: Option<WalletTransaction> = sqlx::query_as(sql)
        .bind(t.gateway_ref)
        .fetch_optional(&mut *connection)
        .await?;
    if let Some(entry) = credited {
        return Ok(Some(TopUpRefusal::Credited(entry)));
    }
    let (returned, key_taken): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM wallet_returned_charges WHERE gateway_ref = $1),
             EXISTS (SELECT 1 FROM wallet_transactions WHERE user_id = $2 AND idempotency_key = $3)",
    )
    .bind(t.gateway_ref)
    .bind(t.user)
    .bind(t.key.map(|(key, _)| key))
    .fetch_one(connection)
    .await?;
    Ok(match (returned, key_taken) {
        (true, _) => Some(TopUpRefusal::Returned),
        (false, true) => Some(TopUpRefusal::KeyTaken),
        (false, false) => None,
    })
}

pub(super) async fn return_charge(
    pool: &PgPool,
    user: Uuid,
    reference: &str,
    amount: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO wallet_returned_charges (gateway_ref, user_id, amount_cents)
         VALUES ($1, $2, $3) ON CONFLICT (gateway_ref) DO NOTHING",
    )
    .bind(reference)
    .bind(user)
    .bind(amount)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn debit(
    connection: &mut PgConnection,
    user: Uuid,
    amount: i64,
    order: Uuid,
    at: OffsetDateTime,
) -> sqlx::Result<bool> {
    // The conditional update locks the wallet row: racing payments wait, then see the balance
    // the one before them left.
    let debited = sqlx::query(
        "WITH debited AS (
             UPDATE wallets SET balance_cents = balance_cents - $2, updated_at = $4
             WHERE user_id = $1 AND balance_cents >= $2 RETURNING balance_cents)
         INSERT INTO wallet_transactions (id, user_id, kind, amount_cents, balance_after_cents,
             order_id, created_at)
         SELECT $5, $1, 'payment', -$2, debited.balance_cents, $3, $4 FROM debited",
    )
    .bind(user)
    .bind(amount)
    .bind(order)
    .bind(at)
    .bind(Uuid::now_v7())
    .execute(connection)
    .await?;
    Ok(debited.rows_affected() == 1)
}

pub(super) async fn credit(
    connection: &mut PgConnection,
    order: Uuid,
    amount: i64,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    let credited = sqlx::query(
        "WITH credited AS (
             UPDATE wallets SET balance_cents = balance_cents + $2, updated_at = $3
             WHERE user_id = (SELECT user_id FROM orders WHERE id = $1)
             RETURNING user_id, balance_cents)
         INSERT INTO wallet_transactions (id, user_id, kind, amount_cents, balance_after_cents,
             order_id, created_at)
         SELECT $4, credited.user_id, 'refund', $2, credited.balance_cents, $1, $3 FROM credited",
    )
    .bind(order)
    .bind(amount)
    .bind(at)
    .bind(Uuid::now_v7())
    .execute(connection)
    .await?;
    // The wallet that paid is there; if not, fail like the embedded database's statement does.
    if credited.rows_affected() == 0 {
        return Err(sqlx::Error::RowNotFound);
    }
    Ok(())
}
