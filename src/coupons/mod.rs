//! Coupons: sellers' coupons on their own lines and admins' on the whole cart, a percentage or
//! an amount off, with a minimum subtotal, a validity window and caps on redemptions in total
//! and per customer.
//!
//! A coupon is applied to a cart ([`crate::cart`]), priced into an order at checkout, and
//! redeemed when the order is paid: the payment's journal unit locks the coupon row, checks
//! [`Coupon::redeemable`] on it and counts the redemption in the same transaction, so racing
//! payments never redeem it more often than allowed. A public coupon is announced to the
//! customers who opted in ([`crate::promotions`]).

mod rules;
mod store;

pub(crate) use rules::{CouponLine, CouponRefusal};
pub(crate) use store::{CouponStore, Redemption, redeem};

use crate::clock;
use crate::db;
use crate::domain::{Caller, Page, Paged, Role};
use crate::error::{Coded, ErrorCode};
use crate::promotions::Promoter;
use serde::{Deserialize, Serialize};
use sqlx::error::ErrorKind;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// Whether a coupon takes a percentage or an amount off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub(crate) enum CouponKind {
    Percent,
    Fixed,
}

/// A coupon as its owner and admins read it.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct Coupon {
    pub id: Uuid,
    /// 3 to 32 of `A-Z`, `0-9`, `-`, `_` (codes are upper-cased).
    pub code: String,
    /// Who created it.
    pub owner_id: Uuid,
    /// The seller whose lines it applies to; none: every line (an admin's coupon).
    pub seller_id: Option<Uuid>,
    pub kind: CouponKind,
    /// A percentage (1 to 100) or an amount in minor units of `currency`.
    pub value: i64,
    /// The currency of a `fixed` coupon.
    pub currency: Option<String>,
    /// The least subtotal of the lines it applies to.
    pub min_subtotal_cents: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub starts_at: Option<OffsetDateTime>,
    /// Valid until this moment, excluded.
    #[serde(with = "time::serde::rfc3339::option")]
    pub ends_at: Option<OffsetDateTime>,
    pub max_redemptions: Option<i64>,
    pub max_per_customer: Option<i64>,
    /// Paid orders that redeemed it.
    pub redemptions: i64,
    /// Announced to the seller's customers who opted in to promotions.
    pub public: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Withdrawn (`DELETE /coupons/{code}`); kept for the orders that name it.
    #[serde(skip)]
    pub deleted: bool,
}

/// A new coupon, valid by construction (the route parses it).
#[derive(Clone, Debug)]
pub(crate) struct NewCoupon {
    pub code: String,
    pub kind: CouponKind,
    pub value: i64,
    pub currency: Option<String>,
    pub min_subtotal_cents: i64,
    pub starts_at: Option<OffsetDateTime>,
    pub ends_at: Option<OffsetDateTime>,
    pub max_redemptions: Option<i64>,
    pub max_per_customer: Option<i64>,
    /// For an admin: the seller whose lines it applies to (none: every line).
    pub seller_id: Option<Uuid>,
    pub public: bool,
}

/// What can go wrong managing or using coupons.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CouponError {
    #[error("no coupon with this code")]
    NotFound,
    #[error("a live coupon already has the code {0}")]
    CodeTaken(String),
    #[error(transparent)]
    Refused(#[from] CouponRefusal),
    #[error(transparent)]
    Invalid(#[from] crate::domain::Invalid),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Coded for CouponError {
    fn code(&self) -> ErrorCode {
        match self {
            CouponError::NotFound => ErrorCode::NotFound,
            CouponError::CodeTaken(_) => ErrorCode::CouponCodeTaken,
            CouponError::Refused(refusal) => refusal.code(),
            CouponError::Invalid(invalid) => invalid.code(),
            CouponError::Database(error) => error.code(),
        }
    }

    fn members(&self) -> crate::error::Members {
        match self {
            CouponError::Refused(refusal) => refusal.members(),
            _ => crate::error::Members::new(),
        }
    }

    fn fields(&self) -> Vec<crate::domain::FieldError> {
        match self {
            CouponError::Invalid(invalid) => invalid.fields(),
            _ => Vec::new(),
        }
    }
}

/// The shop's coupons.
#[derive(Clone)]
pub(crate) struct Coupons {
    store: CouponStore,
    promoter: Promoter,
}

impl Coupons {
    pub(crate) fn new(store: CouponStore, promoter: Promoter) -> Self {
        Self { store, promoter }
    }

    /// Creates a coupon owned by `caller`: a seller's applies to their own lines, an admin's to
    /// the lines of `seller_id` or to every line.
    pub(crate) async fn create(
        &self,
        caller: Caller,
        mut coupon: NewCoupon,
    ) -> Result<Coupon, CouponError> {
        match (caller.role, coupon.seller_id) {
            (Role::Seller, _) => coupon.seller_id = Some(caller.id),
            (_, Some(seller)) if !self.store.is_seller(seller).await? => {
                return Err(crate::domain::Invalid::field("seller_id", "no such seller").into());
            }
            _ => {}
        }
        let created = match self.store.insert(caller.id, &coupon).await {
            Err(error) if db::violates(&error, ErrorKind::UniqueViolation) => {
                return Err(CouponError::CodeTaken(coupon.code));
            }
            created => created?,
        };
        if created.public {
            self.promoter.published();
        }
        Ok(created)
    }

    /// `caller`'s coupons (an admin's: every coupon), live ones, newest first.
    pub(crate) async fn list(&self, caller: Caller, page: Page) -> sqlx::Result<Paged<Coupon>> {
        let owner = (caller.role != Role::Admin).then_some(caller.id);
        self.store.list(owner, page).await
    }

    /// Withdraws the live coupon `code`, if `caller` owns it or is an admin.
    pub(crate) async fn withdraw(&self, caller: Caller, code: &str) -> Result<(), CouponError> {
        let owner = (caller.role != Role::Admin).then_some(caller.id);
        if self.store.withdraw(&normalized(code), owner).await? {
            Ok(())
        } else {
            Err(CouponError::NotFound)
        }
    }

    /// The live coupon `code`, checked for use by `customer` now.
    pub(crate) async fn usable(&self, code: &str, customer: Uuid) -> Result<Coupon, CouponError> {
        let coupon = self
            .store
            .live_by_code(&normalized(code))
            .await?
            .ok_or(CouponError::NotFound)?;
        self.check(&coupon, customer).await?;
        Ok(coupon)
    }

    /// The coupon `id`, live or withdrawn.
    pub(crate) async fn by_id(&self, id: Uuid) -> sqlx::Result<Option<Coupon>> {
        self.store.by_id(id).await
    }

    /// The coupon applied to `user`'s cart, live or withdrawn since.
    pub(crate) async fn in_cart(&self, user: Uuid) -> sqlx::Result<Option<Coupon>> {
        match self.store.cart_coupon(user).await? {
            Some(id) => self.store.by_id(id).await,
            None => Ok(None),
        }
    }

    /// Applies `coupon` to `user`'s cart (none: removes the cart's coupon).
    pub(crate) async fn put_in_cart(&self, user: Uuid, coupon: Option<Uuid>) -> sqlx::Result<()> {
        self.store.set_cart_coupon(user, coupon).await
    }

    /// Whether `customer` may redeem `coupon` now.
    pub(crate) async fn check(&self, coupon: &Coupon, customer: Uuid) -> Result<(), CouponError> {
        let redeemed = self.store.redeemed_by(coupon.id, customer).await?;
        Ok(coupon.redeemable(clock::now(), redeemed)?)
    }
}

/// A code as stored: trimmed and upper-case.
pub(crate) fn normalized(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}
