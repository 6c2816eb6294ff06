//! The promotion campaigns on the embedded database (one process, one writer).

use super::BOUGHT;
use crate::db::EmbeddedDatabase;
use crate::notifications::New;
use crate::outbox::Letter;
use crate::promotions::Campaign;
use bazaar_actors::store::timestamp;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// Until when a lease taken now lasts, as stored.
fn lease_end(lease: Duration) -> String {
    timestamp(OffsetDateTime::now_utc() + lease)
}

pub(super) async fn claim(
    db: &EmbeddedDatabase,
    claim: Uuid,
    lease: Duration,
) -> sqlx::Result<Option<Campaign>> {
    let claimed: Option<Uuid> = sqlx::query_scalar(
        "UPDATE promotion_campaigns SET claim_id = $1, claimed_until = $2
         WHERE coupon_id = (
             SELECT coupon_id FROM promotion_campaigns
             WHERE done_at IS NULL AND (claimed_until IS NULL OR claimed_until < $3)
             ORDER BY created_at LIMIT 1)
         RETURNING coupon_id",
    )
    .bind(claim)
    .bind(lease_end(lease))
    .bind(timestamp(OffsetDateTime::now_utc()))
    .fetch_optional(&db.writer)
    .await?;
    let Some(coupon) = claimed else {
        return Ok(None);
    };
    sqlx::query_as(
        "SELECT c.coupon_id, c.seller_id, c.cursor, k.code, k.kind, k.value, k.currency,
             k.ends_at, u.name AS seller_name,
             k.deleted_at IS NOT NULL OR coalesce(k.ends_at <= $2, 0) AS ended
         FROM promotion_campaigns c JOIN coupons k ON k.id = c.coupon_id
         LEFT JOIN users u ON u.id = c.seller_id
         WHERE c.coupon_id = $1",
    )
    .bind(coupon)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .fetch_optional(&db.writer)
    .await
}

pub(super) async fn audience(
    db: &EmbeddedDatabase,
    seller: Option<Uuid>,
    cursor: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT u.id FROM users u
         WHERE u.promotions_opt_in AND u.status = 'active' AND u.deleted_at IS NULL
           AND ($2 IS NULL OR u.id > $2)
           AND EXISTS (SELECT 1 FROM orders o JOIN order_items i ON i.order_id = o.id
                       WHERE o.user_id = u.id AND o.status IN {BOUGHT}
                         AND ($1 IS NULL OR i.seller_id = $1))
         ORDER BY u.id LIMIT $3"
    ));
    sqlx::query_scalar(sql)
        .bind(seller)
        .bind(cursor)
        .bind(limit)
        .fetch_all(&db.reads)
        .await
}

pub(super) async fn record(
    db: &EmbeddedDatabase,
    coupon: Uuid,
    claim: Uuid,
    batch: &[New],
    mail: &[(Uuid, Letter)],
    last: Uuid,
    lease: Duration,
) -> sqlx::Result<bool> {
    let mut tx = db.writer.begin().await?;
    let moved = sqlx::query(
        "UPDATE promotion_campaigns
         SET cursor = $3, announced = announced + $4, claimed_until = $5
         WHERE coupon_id = $1 AND claim_id = $2 AND done_at IS NULL",
    )
    .bind(coupon)
    .bind(claim)
    .bind(last)
    .bind(i64::try_from(batch.len()).unwrap_or(i64::MAX))
    .bind(lease_end(lease))
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() == 0 {
        return Ok(false);
    }
    crate::notifications::store::sqlite::write(&mut tx, batch, mail).await?;
    tx.commit().await?;
    Ok(true)
}

pub(super) async fn finish(db: &EmbeddedDatabase, coupon: Uuid, claim: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE promotion_campaigns
         SET done_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), claim_id = NULL,
             claimed_until = NULL
         WHERE coupon_id = $1 AND claim_id = $2",
    )
    .bind(coupon)
    .bind(claim)
    .execute(&db.writer)
    .await?;
    Ok(())
}
