//! The outbox's statements on PostgreSQL; other stores call [`enqueue`] inside their own
//! transactions.

use crate::domain::{Page, Paged};
use crate::outbox::{NewMessage, OutboxMessage};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Queues `message` as part of the caller's transaction.
pub(crate) async fn enqueue(
    connection: &mut PgConnection,
    message: &NewMessage,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO outbox (id, to_email, kind, subject, body) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::now_v7())
    .bind(&message.to)
    .bind(&message.kind)
    .bind(&message.subject)
    .bind(&message.body)
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
        "SELECT id, to_email AS \"to\", kind, subject, body, created_at,
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
