//! The outbox's statements on PostgreSQL; other stores call [`enqueue`] and its kin inside
//! their own transactions; the sender claims, and marks, what is due.

use super::Outgoing;
use crate::domain::{Page, Paged};
use crate::outbox::{Letter, NewMessage, OutboxMessage};
use sqlx::{PgConnection, PgPool};
use std::time::Duration;
use uuid::Uuid;

/// Queues `message` as part of the caller's transaction.
pub(crate) async fn enqueue(
    connection: &mut PgConnection,
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
    pool: &PgPool,
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
         WHERE ($1::text IS NULL OR to_email = $1)
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(to)
    .bind(page.limit())
    .bind(page.offset())
    .bind(reader)
    .fetch_all(pool)
    .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE ($1::text IS NULL OR to_email = $1)")
            .bind(to)
            .fetch_one(pool)
            .await?;
    Ok(Paged::new(items, page, total))
}

/// Queues `letter` to the customer of `order`, as part of the caller's transaction.
pub(crate) async fn enqueue_to_customer(
    connection: &mut PgConnection,
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
    connection: &mut PgConnection,
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
    pool: &PgPool,
    lease: Duration,
    limit: i64,
) -> sqlx::Result<Vec<Outgoing>> {
    sqlx::query_as(
        "UPDATE outbox SET claimed_until = now() + make_interval(secs => $1), claim_id = $3
         WHERE id IN (
             SELECT id FROM outbox
             WHERE status = 'queued' AND next_attempt_at <= now()
               AND (claimed_until IS NULL OR claimed_until < now())
             ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING id, claim_id, to_email, subject, body, html_body, attempts",
    )
    .bind(lease.as_secs_f64())
    .bind(limit)
    .bind(Uuid::now_v7())
    .fetch_all(pool)
    .await
}

pub(super) async fn mark_sent(pool: &PgPool, sent: &Outgoing) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1,
             claimed_until = NULL, claim_id = NULL, last_error = NULL, body = $2, html_body = $3
         WHERE id = $1 AND claim_id = $4 AND status = 'queued'",
    )
    .bind(sent.id)
    .bind(&sent.body)
    .bind(&sent.html_body)
    .bind(sent.claim_id)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn mark_failed_attempt(
    pool: &PgPool,
    message: &Outgoing,
    error: &str,
    retry_in: Option<Duration>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $2, claimed_until = NULL,
             claim_id = NULL, status = CASE WHEN $3::float8 IS NULL THEN 'failed' ELSE 'queued' END,
             next_attempt_at = now() + make_interval(secs => coalesce($3, 0))
         WHERE id = $1 AND claim_id = $4 AND status = 'queued'",
    )
    .bind(message.id)
    .bind(error)
    .bind(retry_in.map(|wait| wait.as_secs_f64()))
    .bind(message.claim_id)
    .execute(pool)
    .await?;
    Ok(())
}
