//! The outbox: every outgoing message (activation, password reset, order mail) is a row here.
//!
//! Messages are written in the same transaction as the change that causes them, so a message is
//! never sent for a change that rolled back. With no SMTP server configured the outbox is the
//! mail sink, readable by admins at `GET /api/v1/admin/outbox`.

use crate::domain::{Page, Paged};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// One outgoing message.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub to: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A message to queue.
pub struct NewMessage<'a> {
    pub to: &'a str,
    pub kind: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

/// Queues `message` as part of the caller's transaction.
pub async fn enqueue(connection: &mut PgConnection, message: NewMessage<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO outbox (id, to_email, kind, subject, body) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::now_v7())
    .bind(message.to)
    .bind(message.kind)
    .bind(message.subject)
    .bind(message.body)
    .execute(connection)
    .await?;
    Ok(())
}

/// Messages newest first, optionally only those to one address.
pub async fn list(
    pool: &PgPool,
    to: Option<&str>,
    page: Page,
) -> sqlx::Result<Paged<OutboxMessage>> {
    let items: Vec<OutboxMessage> = sqlx::query_as(
        "SELECT id, to_email AS \"to\", kind, subject, body, created_at FROM outbox
         WHERE ($1::text IS NULL OR to_email = $1)
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(to)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE ($1::text IS NULL OR to_email = $1)")
            .bind(to)
            .fetch_one(pool)
            .await?;
    Ok(Paged::new(items, page, total))
}
