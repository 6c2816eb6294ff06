//! The outbox's statements on the embedded database; other stores call [`enqueue`] and its
//! kin inside their own transactions; the sender claims, and marks, what is due.

use super::Outgoing;
use crate::db::EmbeddedDatabase;
use crate::domain::{Page, Paged};
use crate::outbox::{Letter, NewMessage, OutboxMessage};
use bazaar_actors::store::timestamp;
use sqlx::SqliteConnection;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// Queues `message` as part of the caller's transaction.
pub(crate) async fn enqueue(
    connection: &mut SqliteConnection,
    message: &NewMessage,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO outbox (id, to_email, kind, subject, body, html_body)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(Uuid::now_v7())
    .bind(&message.to)
    .bind(message.letter.kind)
    .bind(&message.letter.subject)
    .bind(&message.letter.text)
    .bind(&message.letter.html)
    .execute(connection)
    .await?;
    Ok(())
}

pub(super) async fn list(
    db: &EmbeddedDatabase,
    reader: Uuid,
    to: Option<&str>,
    page: Page,
) -> sqlx::Result<Paged<OutboxMessage>> {
    let items = sqlx::query_as(
        "SELECT id, to_email AS \"to\", kind, subject, body, html_body, status, attempts,
             last_error, sent_at, created_at,
             EXISTS (SELECT 1 FROM users u WHERE u.email = outbox.to_email AND u.role = 'admin'
                 AND u.deleted_at IS NULL AND u.id <> $4) AS to_another_admin
         FROM outbox
         WHERE ($1 IS NULL OR to_email = $1)
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(to)
    .bind(page.limit())
    .bind(page.offset())
    .bind(reader)
    .fetch_all(&db.reads)
    .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE ($1 IS NULL OR to_email = $1)")
            .bind(to)
            .fetch_one(&db.reads)
            .await?;
    Ok(Paged::new(items, page, total))
}

/// Queues `letter` to the customer of `order`, as part of the caller's transaction.
pub(crate) async fn enqueue_to_customer(
    connection: &mut SqliteConnection,
    order: Uuid,
    letter: &Letter,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO outbox (id, to_email, kind, subject, body, html_body)
         SELECT $1, u.email, $3, $4, $5, $6 FROM orders o JOIN users u ON u.id = o.user_id
         WHERE o.id = $2",
    )
    .bind(Uuid::now_v7())
    .bind(order)
    .bind(letter.kind)
    .bind(&letter.subject)
    .bind(&letter.text)
    .bind(&letter.html)
    .execute(connection)
    .await?;
    Ok(())
}

/// Queues each letter to its user (by id).
pub(crate) async fn enqueue_to_users(
    connection: &mut SqliteConnection,
    letters: &[(Uuid, Letter)],
) -> sqlx::Result<()> {
    for (user, letter) in letters {
        sqlx::query(
            "INSERT INTO outbox (id, to_email, kind, subject, body, html_body)
             SELECT $1, email, $3, $4, $5, $6 FROM users WHERE id = $2",
        )
        .bind(Uuid::now_v7())
        .bind(user)
        .bind(letter.kind)
        .bind(&letter.subject)
        .bind(&letter.text)
        .bind(&letter.html)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

pub(super) async fn claim_due(
    db: &EmbeddedDatabase,
    lease: Duration,
    limit: i64,
) -> sqlx::Result<Vec<Outgoing>> {
    let now = OffsetDateTime::now_utc();
    sqlx::query_as(
        "UPDATE outbox SET claimed_until = $1, claim_id = $4
         WHERE id IN (
             SELECT id FROM outbox
             WHERE status = 'queued' AND next_attempt_at <= $2
               AND (claimed_until IS NULL OR claimed_until < $2)
             ORDER BY next_attempt_at, id LIMIT $3)
         RETURNING id, claim_id, to_email, subject, body, html_body, attempts",
    )
    .bind(timestamp(now + lease))
    .bind(timestamp(now))
    .bind(limit)
    .bind(Uuid::now_v7())
    .fetch_all(&db.writer)
    .await
}

pub(super) async fn mark_sent(db: &EmbeddedDatabase, sent: &Outgoing) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = $4, attempts = attempts + 1,
             claimed_until = NULL, claim_id = NULL, last_error = NULL, body = $2, html_body = $3
         WHERE id = $1 AND claim_id = $5 AND status = 'queued'",
    )
    .bind(sent.id)
    .bind(&sent.body)
    .bind(&sent.html_body)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .bind(sent.claim_id)
    .execute(&db.writer)
    .await?;
    Ok(())
}

pub(super) async fn mark_failed_attempt(
    db: &EmbeddedDatabase,
    message: &Outgoing,
    error: &str,
    retry_in: Option<Duration>,
) -> sqlx::Result<()> {
    let next = OffsetDateTime::now_utc() + retry_in.unwrap_or_default();
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $2, claimed_until = NULL,
             claim_id = NULL, status = CASE WHEN $3 THEN 'queued' ELSE 'failed' END,
             next_attempt_at = $4
         WHERE id = $1 AND claim_id = $5 AND status = 'queued'",
    )
    .bind(message.id)
    .bind(error)
    .bind(retry_in.is_some())
    .bind(timestamp(next))
    .bind(message.claim_id)
    .execute(&db.writer)
    .await?;
    Ok(())
}
