//! The coupons, their redemptions, and the coupon applied to each cart.

mod postgres;
mod sqlite;

use super::{Coupon, CouponRefusal, NewCoupon};
use crate::db::Database;
use crate::domain::{Page, Paged};
use bazaar_actors::by_backend;
use bazaar_actors::store::Connection;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone)]
pub(crate) struct CouponStore {
    db: Database,
}

impl CouponStore {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    pub(crate) async fn insert(&self, owner: Uuid, coupon: &NewCoupon) -> sqlx::Result<Coupon> {
        by_backend!(pool &self.db => insert(Uuid::now_v7(), owner, coupon))
    }

    /// Whether `user` is a seller (whose lines a coupon may be for).
    pub(crate) async fn is_seller(&self, user: Uuid) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => is_seller(user))
    }

    /// Live coupons of `owner` (none: of everyone), newest first.
    pub(crate) async fn list(
        &self,
        owner: Option<Uuid>,
        page: Page,
    ) -> sqlx::Result<Paged<Coupon>> {
        by_backend!(pool &self.db => list(owner, page))
    }

    /// Withdraws the live coupon `code` of `owner` (none: anyone's); whether there was one.
    pub(crate) async fn withdraw(&self, code: &str, owner: Option<Uuid>) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => withdraw(code, owner))
    }

    pub(crate) async fn live_by_code(&self, code: &str) -> sqlx::Result<Option<Coupon>> {
        by_backend!(pool &self.db => live_by_code(code))
    }

    pub(crate) async fn by_id(&self, id: Uuid) -> sqlx::Result<Option<Coupon>> {
        by_backend!(pool &self.db => by_id(id))
    }

    /// How many paid orders of `customer` redeemed `coupon`.
    pub(crate) async fn redeemed_by(&self, coupon: Uuid, customer: Uuid) -> sqlx::Result<i64> {
        by_backend!(pool &self.db => redeemed_by(coupon, customer))
    }

    /// The coupon applied to `user`'s cart.
    pub(crate) async fn cart_coupon(&self, user: Uuid) -> sqlx::Result<Option<Uuid>> {
        by_backend!(pool &self.db => cart_coupon(user))
    }

    /// Applies `coupon` to `user`'s cart, replacing any other; none: removes it.
    pub(crate) async fn set_cart_coupon(
        &self,
        user: Uuid,
        coupon: Option<Uuid>,
    ) -> sqlx::Result<()> {
        by_backend!(pool &self.db => set_cart_coupon(user, coupon))
    }
}

/// One redemption, as a payment's journal unit asks for it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Redemption {
    pub coupon: Uuid,
    pub customer: Uuid,
    pub order: Uuid,
    pub discount_cents: i64,
    pub at: OffsetDateTime,
}

/// Inside a payment's transaction: locks the coupon, checks it may still be redeemed by the
/// customer, and counts the redemption; or says why not, changing nothing.
pub(crate) async fn redeem(
    connection: Connection<'_>,
    redemption: &Redemption,
) -> sqlx::Result<Result<(), CouponRefusal>> {
    by_backend!(connection connection => redeem(redemption))
}
