//! The coupons' statements on the embedded database (one writer: a payment's redemption reads
//! and counts with nothing changing in between).

use super::Redemption;
use crate::coupons::{Coupon, CouponRefusal, NewCoupon};
use crate::db::EmbeddedDatabase;
use crate::domain::{Page, Paged};
use bazaar_actors::store::timestamp;
use sqlx::SqliteConnection;
use uuid::Uuid;

const COLUMNS: &str = "id, code, owner_id, seller_id, kind, value, currency, min_subtotal_cents, \
     starts_at, ends_at, max_redemptions, max_per_customer, redemptions, public, created_at, \
     deleted_at IS NOT NULL AS deleted";

pub(super) async fn insert(
    db: &EmbeddedDatabase,
    id: Uuid,
    owner: Uuid,
    c: &NewCoupon,
) -> sqlx::Result<Coupon> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO coupons (id, code, owner_id, seller_id, kind, value, currency,
             min_subtotal_cents, starts_at, ends_at, max_redemptions, max_per_customer, public)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         RETURNING {COLUMNS}"
    ));
    let mut tx = db.writer.begin().await?;
    let coupon: Coupon = sqlx::query_as(sql)
        .bind(id)
        .bind(&c.code)
        .bind(owner)
        .bind(c.seller_id)
        .bind(c.kind)
        .bind(c.value)
        .bind(&c.currency)
        .bind(c.min_subtotal_cents)
        .bind(c.starts_at.map(timestamp))
        .bind(c.ends_at.map(timestamp))
        .bind(c.max_redemptions)
        .bind(c.max_per_customer)
        .bind(c.public)
        .fetch_one(&mut *tx)
        .await?;
    // A public coupon starts its promotion campaign in the same transaction.
    if coupon.public {
        sqlx::query("INSERT INTO promotion_campaigns (coupon_id, seller_id) VALUES ($1, $2)")
            .bind(coupon.id)
            .bind(coupon.seller_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(coupon)
}

pub(super) async fn is_seller(db: &EmbeddedDatabase, user: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users
                        WHERE id = $1 AND role = 'seller' AND deleted_at IS NULL)",
    )
    .bind(user)
    .fetch_one(&db.reads)
    .await
}

pub(super) async fn list(
    db: &EmbeddedDatabase,
    owner: Option<Uuid>,
    page: Page,
) -> sqlx::Result<Paged<Coupon>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM coupons
         WHERE deleted_at IS NULL AND ($1 IS NULL OR owner_id = $1)
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    ));
    let items = sqlx::query_as(sql)
        .bind(owner)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&db.reads)
        .await?;
    let total = sqlx::query_scalar(
        "SELECT count(*) FROM coupons WHERE deleted_at IS NULL AND ($1 IS NULL OR owner_id = $1)",
    )
    .bind(owner)
    .fetch_one(&db.reads)
    .await?;
    Ok(Paged::new(items, page, total))
}

pub(super) async fn withdraw(
    db: &EmbeddedDatabase,
    code: &str,
    owner: Option<Uuid>,
) -> sqlx::Result<bool> {
    let withdrawn = sqlx::query(
        "UPDATE coupons SET deleted_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE code = $1 AND deleted_at IS NULL AND ($2 IS NULL OR owner_id = $2)",
    )
    .bind(code)
    .bind(owner)
    .execute(&db.writer)
    .await?;
    Ok(withdrawn.rows_affected() > 0)
}

pub(super) async fn live_by_code(
    db: &EmbeddedDatabase,
    code: &str,
) -> sqlx::Result<Option<Coupon>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM coupons WHERE code = $1 AND deleted_at IS NULL"
    ));
    sqlx::query_as(sql)
        .bind(code)
        .fetch_optional(&db.reads)
        .await
}

pub(super) async fn by_id(db: &EmbeddedDatabase, id: Uuid) -> sqlx::Result<Option<Coupon>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM coupons WHERE id = $1"));
    sqlx::query_as(sql).bind(id).fetch_optional(&db.reads).await
}

pub(super) async fn redeemed_by(
    db: &EmbeddedDatabase,
    coupon: Uuid,
    customer: Uuid,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM coupon_redemptions WHERE coupon_id = $1 AND user_id = $2",
    )
    .bind(coupon)
    .bind(customer)
    .fetch_one(&db.reads)
    .await
}

pub(super) async fn cart_coupon(db: &EmbeddedDatabase, user: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT coupon_id FROM cart_coupons WHERE user_id = $1")
        .bind(user)
        .fetch_optional(&db.reads)
        .await
}

pub(super) async fn set_cart_coupon(
    db: &EmbeddedDatabase,
    user: Uuid,
    coupon: Option<Uuid>,
) -> sqlx::Result<()> {
    match coupon {
        Some(coupon) => {
            sqlx::query(
                "INSERT INTO cart_coupons (user_id, coupon_id) VALUES ($1, $2)
                 ON CONFLICT (user_id) DO UPDATE
                 SET coupon_id = excluded.coupon_id,
                     applied_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            )
            .bind(user)
            .bind(coupon)
            .execute(&db.writer)
            .await?
        }
        None => {
            sqlx::query("DELETE FROM cart_coupons WHERE user_id = $1")
                .bind(user)
                .execute(&db.writer)
                .await?
        }
    };
    Ok(())
}

pub(super) async fn redeem(
    connection: &mut SqliteConnection,
    r: &Redemption,
) -> sqlx::Result<Result<(), CouponRefusal>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM coupons WHERE id = $1"));
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
        "INSERT INTO coupon_redemptions (order_id, coupon_id, user_id, discount_cents, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(r.order)
    .bind(r.coupon)
    .bind(r.customer)
    .bind(r.discount_cents)
    .bind(timestamp(r.at))
    .execute(&mut *connection)
    .await?;
    sqlx::query("UPDATE coupons SET redemptions = redemptions + 1 WHERE id = $1")
        .bind(r.coupon)
        .execute(connection)
        .await?;
    Ok(Ok(()))
}
