//! The promotion campaigns on PostgreSQL: claimed with `FOR UPDATE SKIP LOCKED`, so processes
//! share the campaigns without waiting for each other.

use super::BOUGHT;
use crate::notifications::New;
use crate::outbox::Letter;
use crate::promotions::Campaign;
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

pub(super) async fn claim(
    pool: &PgPool,
    claim: Uuid,
    lease: Duration,
) -> sqlx::Result<Option<Campaign>> {
    sqlx::query_as(
        "WITH claimed AS (
             UPDATE promotion_campaigns
             SET claim_id = $1, claimed_until = now() + make_interval(secs => $2)
             WHERE coupon_id = (
                 SELECT coupon_id FROM promotion_campaigns
                 WHERE done_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
                 ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
             RETURNING coupon_id, seller_id, cursor)
         SELECT c.coupon_id, c.seller_id, c.cursor, k.code, k.kind, k.value, k.currency,
             k.ends_at, u.name AS seller_name,
             k.deleted_at IS NOT NULL OR coalesce(k.ends_at <= now(), false) AS ended
         FROM claimed c JOIN coupons k ON k.id = c.coupon_id
         LEFT JOIN users u ON u.id = c.seller_id",
    )
    .bind(claim)
    .bind(lease.as_secs_f64())
    .fetch_optional(pool)
    .await
}

pub(super) async fn audience(
    pool: &PgPool,
    seller: Option<Uuid>,
    cursor: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT u.id FROM users u
         WHERE u.promotions_opt_in AND u.status = 'active' AND u.deleted_at IS NULL
           AND ($2::uuid IS NULL OR u.id > $2)
           AND EXISTS (SELECT 1 FROM orders o JOIN order_items i ON i.order_id = o.id
                       WHERE o.user_id = u.id AND o.status IN {BOUGHT}
                         AND ($1::uuid IS NULL OR i.seller_id = $1))
         ORDER BY u.id LIMIT $3"
    ));
    sqlx::query_scalar(sql)
        .bind(seller)
        .bind(cursor)
        .bind(limit)
        .fetch_all(pool)
        .await
}

pub(super) async fn record(
    pool: &PgPool,
    coupon: Uuid,
    claim: Uuid,
    batch: &[New],
    mail: &[(Uuid, Letter)],
    last: Uuid,
    lease: Duration,
) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let moved = sqlx::query(
        "UPDATE promotion_campaigns
         SET cursor = $3, announced = announced + $4,
             claimed_until = now() + make_interval(secs => $5)
         WHERE coupon_id = $1 AND claim_id = $2 AND done_at IS NULL",
    )
    .bind(coupon)
    .bind(claim)
    .bind(last)
    .bind(i64::try_from(batch.len()).unwrap_or(i64::MAX))
    .bind(lease.as_secs_f64())
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() == 0 {
        return Ok(false);
    }
    crate::notifications::store::postgres::write(&mut tx, batch, mail).await?;
    tx.commit().await?;
    Ok(true)
}

pub(super) async fn finish(pool: &PgPool, coupon: Uuid, claim: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE promotion_campaigns SET done_at = now(), claim_id = NULL, claimed_until = NULL
         WHERE coupon_id = $1 AND claim_id = $2",
    )
    .bind(coupon)
    .bind(claim)
    .execute(pool)
    .await?;
    Ok(())
}
