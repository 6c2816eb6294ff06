//! The coupons' statements on PostgreSQL.

use super::Redemption;
use crate::coupons::{Coupon, CouponRefusal, NewCoupon};
use crate::domain::{Page, Paged};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

const COLUMNS: &str = "id, code, owner_id, seller_id, kind, value, currency, min_subtotal_cents, \
     starts_at, ends_at, max_redemptions, max_per_customer, redemptions, public, created_at, \
     deleted_at IS NOT NULL AS deleted";

pub(super) async fn insert(
    pool: &PgPool,
    id: Uuid,
    owner: Uuid,
    c: &NewCoupon,
) -> sqlx::Result<Coupon> {
    // A public coupon starts its promotion campaign in the same statement.
    let sql = sqlx::AssertSqlSafe(format!(
        "WITH coupon AS (
             INSERT INTO coupons (id, code, owner_id, seller_id, kind, value, currency,
                 min_subtotal_cents, starts_at, ends_at, max_redemptions, max_per_customer,
                 public)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             RETURNING {COLUMNS}),
         campaign AS (
             INSERT INTO promotion_campaigns (coupon_id, seller_id)
             SELECT id, seller_id FROM coupon WHERE public)
         SELECT * FROM coupon"
    ));
    sqlx::query_as(sql)
        .bind(id)
        .bind(&c.code)
        .bind(owner)
        .bind(c.seller_id)
        .bind(c.kind)
        .bind(c.value)
        .bind(&c.currency)
        .bind(c.min_subtotal_cents)
        .bind(c.starts_at)
        .bind(c.ends_at)
        .bind(c.max_redemptions)
        .bind(c.max_per_customer)
        .bind(c.public)
        .fetch_one(pool)
        .await
}

pub(super) async fn is_seller(pool: &PgPool, user: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users
                        WHERE id = $1 AND role = 'seller' AND deleted_at IS NULL)",
    )
    .bind(user)
    .fetch_one(pool)
    .await
}

pub(super) async fn list(
    pool: &PgPool,
    owner: Option<Uuid>,
    page: Page,
) -> sqlx::Result<Paged<Coupon>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM coupons
         WHERE deleted_at IS NULL AND ($1::uuid IS NULL OR owner_id = $1)
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    ));
    let items = sqlx::query_as(sql)
        .bind(owner)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(pool)
        .await?;
    let total = sqlx::query_scalar(
        "SELECT count(*) FROM coupons
         WHERE deleted_at IS NULL AND ($1::uuid IS NULL OR owner_id = $1)",
    )
    .bind(owner)
    .fetch_one(pool)
    .await?;
    Ok(Paged::new(items, page, total))
}

pub(super) async fn withdraw(pool: &PgPool, code: &str, owner: Option<Uuid>) -> sqlx::Result<bool> {
    let withdrawn = sqlx::query(
        "UPDATE coupons SET deleted_at = now()
         WHERE code = $1 AND deleted_at IS NULL AND ($2::uuid IS NULL OR owner_id = $2)",
    )
    .bind(code)
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(withdrawn.rows_affected() > 0)
}

pub(super) async fn live_by_code(pool: &PgPool, code: &str) -> sqlx::Result<Option<Coupon>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM coupons WHERE code = $1 AND deleted_at IS NULL"
    ));
    sqlx::query_as(sql).bind(code).fetch_optional(pool).await
}

pub(super) async fn by_id(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<Coupon>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM coupons WHERE id = $1"));
    sqlx::query_as(sql).bind(id).fetch_optional(pool).await
}

pub(super) async fn redeemed_by(pool: &PgPool, coupon: Uuid, customer: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM coupon_redemptions WHERE coupon_id = $1 AND user_id = $2",
    )
    .bind(coupon)
    .bind(customer)
    .fetch_one(pool)
    .await
}

pub(super) async fn cart_coupon(pool: &PgPool, user: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT coupon_id FROM cart_coupons WHERE user_id = $1")
        .bind(user)
        .fetch_optional(pool)
        .await
}

pub(super) async fn set_cart_coupon(
    pool: &PgPool,
    user: Uuid,
    coupon: Option<Uuid>,
) -> sqlx::Result<()> {
    match coupon {
        Some(coupon) => {
            sqlx::query(
                "INSERT INTO cart_coupons (user_id, coupon_id) VALUES ($1, $2)
                 ON CONFLICT (user_id) DO UPDATE
                 SET coupon_id = excluded.coupon_id, applied_at = now()",
            )
            .bind(user)
            .bind(coupon)
            .execute(pool)
            .await?
        }
        None => {
            sqlx::query("DELETE FROM cart_coupons WHERE user_id = $1")
                .bind(user)
                .execute(pool)
                .await?
        }
    };
    Ok(())
}

pub(super) async fn redeem(
    connection: &mut PgConnection,
    r: &Redemption,
) -> sqlx::Result<Result<(), CouponRefusal>> {
    // The coupon row is locked first: every redemption of this coupon waits here for the one
    // before it to commit, and then counts it.
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM coupons WHERE id = $1 FOR UPDATE"
    ));
    let coupon: Coupon = sqlx::query_as(sql)
        .bind(r.coupon)
        .fetch_one(&mut *connection)
        .await?;
    let redeemed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM coupon_redemptions WHERE coupon_id = $1 AND user_id = $2",
    )
    .bind(r.coupon)
    .bind(r.customer)
    .fetch_one(&mut *connection)
    .await?;
    if let Err(refusal) = coupon.redeemable(r.at, redeemed) {
        return Ok(Err(refusal));
    }
    sqlx::query(
        "WITH redeemed AS (
             INSERT INTO coupon_redemptions (order_id, coupon_id, user_id, discount_cents,
                 created_at)
             VALUES ($1, $2, $3, $4, $5))
         UPDATE coupons SET redemptions = redemptions + 1 WHERE id = $2",
    )
    .bind(r.order)
    .bind(r.coupon)
    .bind(r.customer)
    .bind(r.discount_cents)
    .bind(r.at)
    .execute(connection)
    .await?;
    Ok(Ok(()))
}
