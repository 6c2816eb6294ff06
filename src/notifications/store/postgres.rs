//! Notifications on PostgreSQL.

use crate::domain::{Page, Paged};
use crate::notifications::{New, Notification};
use crate::outbox::Letter;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub(super) async fn insert(
    pool: &PgPool,
    batch: &[New],
    letters: &[(Uuid, Letter)],
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    write(&mut tx, batch, letters).await?;
    tx.commit().await
}

/// Stores `batch` and queues `letters` (to users by id) on `connection`.
pub(crate) async fn write(
    connection: &mut PgConnection,
    batch: &[New],
    letters: &[(Uuid, Letter)],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notifications (id, user_id, kind, title, body, order_id, product_id)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],
                              $6::uuid[], $7::uuid[])",
    )
    .bind(batch.iter().map(|n| n.id).collect::<Vec<_>>())
    .bind(batch.iter().map(|n| n.user).collect::<Vec<_>>())
    .bind(batch.iter().map(|n| n.kind).collect::<Vec<_>>())
    .bind(batch.iter().map(|n| n.title.clone()).collect::<Vec<_>>())
    .bind(batch.iter().map(|n| n.body.clone()).collect::<Vec<_>>())
    .bind(batch.iter().map(|n| n.order).collect::<Vec<_>>())
    .bind(batch.iter().map(|n| n.product).collect::<Vec<_>>())
    .execute(&mut *connection)
    .await?;
    crate::outbox::store::postgres::enqueue_to_users(connection, letters).await
}

pub(super) async fn list(
    pool: &PgPool,
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
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1")
        .bind(user)
        .fetch_one(pool)
        .await?;
    Ok(Paged::new(items, page, total))
}

pub(super) async fn mark_read(pool: &PgPool, user: Uuid, id: Uuid) -> sqlx::Result<bool> {
    let found = sqlx::query(
        "UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user)
    .execute(pool)
    .await?;
    Ok(found.rows_affected() == 1)
}
