//! Notifications on the embedded database.

use crate::db::EmbeddedDatabase;
use crate::domain::{Page, Paged};
use crate::notifications::{New, Notification};
use crate::outbox::Letter;
use sqlx::SqliteConnection;
use uuid::Uuid;

pub(super) async fn insert(
    db: &EmbeddedDatabase,
    batch: &[New],
    letters: &[(Uuid, Letter)],
) -> sqlx::Result<()> {
    let mut tx = db.writer.begin().await?;
    write(&mut tx, batch, letters).await?;
    tx.commit().await
}

/// Stores `batch` and queues `letters` (to users by id) on `connection`.
pub(crate) async fn write(
    connection: &mut SqliteConnection,
    batch: &[New],
    letters: &[(Uuid, Letter)],
) -> sqlx::Result<()> {
    for n in batch {
        sqlx::query(
            "INSERT INTO notifications (id, user_id, kind, title, body, order_id, product_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(n.id)
        .bind(n.user)
        .bind(n.kind)
        .bind(&n.title)
        .bind(&n.body)
        .bind(n.order)
        .bind(n.product)
        .execute(&mut *connection)
        .await?;
    }
    crate::outbox::store::sqlite::enqueue_to_users(connection, letters).await
}

pub(super) async fn list(
    db: &EmbeddedDatabase,
    user: Uuid,
    page: Page,
) -> sqlx::Result<Paged<Notification>> {
    let items = sqlx::query_as(
        "SELECT id, kind, title, body, order_id, product_id, read_at, created_at
         FROM notifications WHERE user_id = $1
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(user)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(&db.reads)
    .await?;
    let total = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1")
        .bind(user)
        .fetch_one(&db.reads)
        .await?;
    Ok(Paged::new(items, page, total))
}

pub(super) async fn mark_read(db: &EmbeddedDatabase, user: Uuid, id: Uuid) -> sqlx::Result<bool> {
    let found = sqlx::query(
        "UPDATE notifications SET read_at = coalesce(read_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
         WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user)
    .execute(&db.writer)
    .await?;
    Ok(found.rows_affected() == 1)
}
