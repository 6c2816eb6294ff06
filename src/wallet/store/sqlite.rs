//! The wallets' statements on the embedded database (one writer: nothing changes a wallet
//! between a statement that reads it and the one that writes it).

use super::{ENTRY, Standing, TopUp, TopUpRefusal, within_limits};
use crate::db::EmbeddedDatabase;
use crate::domain::{Page, Paged};
use crate::wallet::WalletTransaction;
use bazaar_actors::store::timestamp;
use sqlx::SqliteConnection;
use sqlx::error::ErrorKind;
use time::OffsetDateTime;
use uuid::Uuid;

pub(super) async fn balance(
    db: &EmbeddedDatabase,
    user: Uuid,
) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as("SELECT balance_cents, currency FROM wallets WHERE user_id = $1")
        .bind(user)
        .fetch_optional(&db.reads)
        .await
}

pub(super) async fn transactions(
    db: &EmbeddedDatabase,
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
        .fetch_all(&db.reads)
        .await?;
    let total = sqlx::query_scalar("SELECT count(*) FROM wallet_transactions WHERE user_id = $1")
        .bind(user)
        .fetch_one(&db.reads)
        .await?;
    Ok(Paged::new(items, page, total))
}

const STANDING: &str = "SELECT coalesce((SELECT balance_cents FROM wallets WHERE user_id = $1), 0)
         AS balance_cents,
     count(*) AS recent_top_ups, min(created_at) AS oldest_recent
     FROM wallet_transactions
     WHERE user_id = $1 AND kind = 'top_up' AND created_at > $2";

async fn standing_on(
    connection: &mut SqliteConnection,
    user: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<Standing> {
    sqlx::query_as(STANDING)
        .bind(user)
        .bind(timestamp(now - time::Duration::DAY))
        .fetch_one(connection)
        .await
}

pub(super) async fn standing(
    db: &EmbeddedDatabase,
    user: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<Standing> {
    standing_on(&mut *db.reads.acquire().await?, user, now).await
}

pub(super) async fn top_up_by_key(
    db: &EmbeddedDatabase,
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
        .fetch_optional(&db.reads)
        .await?;
    Ok(keyed.map(|k| (k.request_hash, k.entry)))
}

pub(super) async fn credit_top_up(
    db: &EmbeddedDatabase,
    t: &TopUp<'_>,
) -> sqlx::Result<Result<WalletTransaction, TopUpRefusal>> {
    let mut tx = db.writer.begin().await?;
    let standing = standing_on(&mut tx, t.user, t.at).await?;
    if let Some(refusal) = refusal(&mut tx, t).await? {
        return Ok(Err(refusal));
    }
    if let Err(limit) = within_limits(&standing, t.amount_cents, t.limits, t.at) {
        return Ok(Err(TopUpRefusal::Limit(limit)));
    }
    let at = timestamp(t.at);
    let balance: i64 = sqlx::query_scalar(
        "INSERT INTO wallets (user_id, currency, balance_cents, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE
         SET balance_cents = balance_cents + excluded.balance_cents, updated_at = excluded.updated_at
         RETURNING balance_cents",
    )
    .bind(t.user)
    .bind(t.currency)
    .bind(t.amount_cents)
    .bind(&at)
    .fetch_one(&mut *tx)
    .await?;
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO wallet_transactions (id, user_id, kind, amount_cents, balance_after_cents,
             gateway_ref, card_brand, card_last4, idempotency_key, request_hash, created_at)
         VALUES ($1, $2, 'top_up', $3, $4, $5, $6, $7, $8, $9, $10)
         RETURNING {ENTRY}"
    ));
    let entry = sqlx::query_as(sql)
        .bind(t.id)
        .bind(t.user)
        .bind(t.amount_cents)
        .bind(balance)
        .bind(t.gateway_ref)
        .bind(t.card_brand)
        .bind(t.card_last4)
        .bind(t.key.map(|(key, _)| key))
        .bind(t.key.map(|(_, hash)| hash))
        .bind(&at)
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

/// Why the wallet cannot take `t`'s charge, beside the limits.
async fn refusal(
    connection: &mut SqliteConnection,
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
    db: &EmbeddedDatabase,
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
    .execute(&db.writer)
    .await?;
    Ok(())
}

pub(super) async fn debit(
    connection: &mut SqliteConnection,
    user: Uuid,
    amount: i64,
    order: Uuid,
    at: OffsetDateTime,
) -> sqlx::Result<bool> {
    let at = timestamp(at);
    let balance: Option<i64> = sqlx::query_scalar(
        "UPDATE wallets SET balance_cents = balance_cents - $2, updated_at = $3
         WHERE user_id = $1 AND balance_cents >= $2 RETURNING balance_cents",
    )
    .bind(user)
    .bind(amount)
    .bind(&at)
    .fetch_optional(&mut *connection)
    .await?;
    let Some(balance) = balance else {
        return Ok(false);
    };
    append(connection, user, "payment", -amount, balance, order, &at).await?;
    Ok(true)
}

pub(super) async fn credit(
    connection: &mut SqliteConnection,
    order: Uuid,
    amount: i64,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    let at = timestamp(at);
    let (user, balance): (Uuid, i64) = sqlx::query_as(
        "UPDATE wallets SET balance_cents = balance_cents + $2, updated_at = $3
         WHERE user_id = (SELECT user_id FROM orders WHERE id = $1)
         RETURNING user_id, balance_cents",
    )
    .bind(order)
    .bind(amount)
    .bind(&at)
    .fetch_one(&mut *connection)
    .await?;
    append(connection, user, "refund", amount, balance, order, &at).await
}

async fn append(
    connection: &mut SqliteConnection,
    user: Uuid,
    kind: &str,
    amount: i64,
    balance_after: i64,
    order: Uuid,
    at: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO wallet_transactions (id, user_id, kind, amount_cents, balance_after_cents,
             order_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(Uuid::now_v7())
    .bind(user)
    .bind(kind)
    .bind(amount)
    .bind(balance_after)
    .bind(order)
    .bind(at)
    .execute(connection)
    .await?;
    Ok(())
}
