//! Whether a coupon may be used, decided from the coupon, the clock, the customer's redemptions
//! and the lines it would apply to. The same rules answer when a coupon is applied to a cart, at
//! checkout, and at payment on the locked coupon row.

use super::{Coupon, CouponKind};
use crate::error::{Coded, ErrorCode, Members, members};
use crate::orders::pricing::Discount;
use time::OffsetDateTime;
use uuid::Uuid;

/// Why a coupon cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CouponRefusal {
    #[error("the coupon is valid from {0}")]
    NotYetValid(String),
    #[error("the coupon expired at {0}")]
    Expired(String),
    #[error("the coupon has been redeemed as often as it may be")]
    Exhausted,
    #[error("you have redeemed this coupon as often as you may")]
    ExhaustedForCustomer,
    #[error("{0}")]
    NotApplicable(&'static str),
    #[error("the coupon needs a subtotal of at least {minimum_cents} on the lines it applies to")]
    MinimumNotMet { minimum_cents: i64 },
}

impl Coded for CouponRefusal {
    fn code(&self) -> ErrorCode {
        match self {
            CouponRefusal::NotYetValid(_) | CouponRefusal::Expired(_) => ErrorCode::CouponExpired,
            CouponRefusal::Exhausted | CouponRefusal::ExhaustedForCustomer => {
                ErrorCode::CouponExhausted
            }
            CouponRefusal::NotApplicable(_) => ErrorCode::CouponNotApplicable,
            CouponRefusal::MinimumNotMet { .. } => ErrorCode::CouponMinimumNotMet,
        }
    }

    fn members(&self) -> Members {
        match self {
            CouponRefusal::MinimumNotMet { minimum_cents } => {
                members([("minimum_cents", (*minimum_cents).into())])
            }
            _ => Members::new(),
        }
    }
}

/// A line a coupon may apply to: its seller and its total.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CouponLine {
    pub seller: Uuid,
    pub total: i64,
}

impl Coupon {
    /// Whether the coupon is live at `now` and `customer`, who redeemed it `redeemed_by_customer`
    /// times, may still redeem it.
    pub(crate) fn redeemable(
        &self,
        now: OffsetDateTime,
        redeemed_by_customer: i64,
    ) -> Result<(), CouponRefusal> {
        if self.deleted {
            return Err(CouponRefusal::NotApplicable(
                "the coupon has been withdrawn",
            ));
        }
        if let Some(starts) = self.starts_at
            && now < starts
        {
            return Err(CouponRefusal::NotYetValid(rfc3339(starts)));
        }
        if let Some(ends) = self.ends_at
            && now >= ends
        {
            return Err(CouponRefusal::Expired(rfc3339(ends)));
        }
        if self
            .max_redemptions
            .is_some_and(|max| self.redemptions >= max)
        {
            return Err(CouponRefusal::Exhausted);
        }
        if self
            .max_per_customer
            .is_some_and(|max| redeemed_by_customer >= max)
        {
            return Err(CouponRefusal::ExhaustedForCustomer);
        }
        Ok(())
    }

    /// Whether the coupon applies to the line of `seller`: a seller's coupon to their own lines,
    /// an admin's to every line.
    pub(crate) fn covers(&self, seller: Uuid) -> bool {
        self.seller_id.is_none_or(|own| own == seller)
    }

    /// The discount on `lines` in `currency`, or why there is none.
    pub(crate) fn discount_for(
        &self,
        lines: &[CouponLine],
        currency: &str,
    ) -> Result<Discount, CouponRefusal> {
        let applicable: i64 = lines
            .iter()
            .filter(|line| self.covers(line.seller))
            .map(|line| line.total)
            .sum();
        if applicable == 0 {
            return Err(CouponRefusal::NotApplicable(
                "the coupon applies to none of these products",
            ));
        }
        if applicable < self.min_subtotal_cents {
            return Err(CouponRefusal::MinimumNotMet {
                minimum_cents: self.min_subtotal_cents,
            });
        }
        match self.kind {
            CouponKind::Percent => Ok(Discount::Percent(self.value)),
            CouponKind::Fixed if self.currency.as_deref() == Some(currency) => {
                Ok(Discount::Fixed(self.value))
            }
            CouponKind::Fixed => Err(CouponRefusal::NotApplicable(
                "the coupon is an amount in another currency than these products'",
            )),
        }
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn coupon() -> Coupon {
        Coupon {
            id: Uuid::nil(),
            code: "SPRING".into(),
            owner_id: Uuid::nil(),
            seller_id: Some(Uuid::from_u128(1)),
            kind: CouponKind::Fixed,
            value: 500,
            currency: Some("EUR".into()),
            min_subtotal_cents: 2_000,
            starts_at: Some(datetime!(2026-03-01 00:00 UTC)),
            ends_at: Some(datetime!(2026-04-01 00:00 UTC)),
            max_redemptions: Some(10),
            max_per_customer: Some(1),
            redemptions: 0,
            public: false,
            created_at: datetime!(2026-02-01 00:00 UTC),
            deleted: false,
        }
    }

    #[test]
    fn a_coupon_is_redeemable_inside_its_window_and_limits() {
        let c = coupon();
        let march = datetime!(2026-03-15 12:00 UTC);
        assert_eq!(c.redeemable(march, 0), Ok(()));
        assert!(matches!(
            c.redeemable(datetime!(2026-02-28 23:59 UTC), 0),
            Err(CouponRefusal::NotYetValid(_))
        ));
        // The end is exclusive.
        assert!(matches!(
            c.redeemable(datetime!(2026-04-01 00:00 UTC), 0),
            Err(CouponRefusal::Expired(_))
        ));
        assert_eq!(
            c.redeemable(march, 1),
            Err(CouponRefusal::ExhaustedForCustomer)
        );
        let used_up = Coupon {
            redemptions: 10,
            ..coupon()
        };
        assert_eq!(used_up.redeemable(march, 0), Err(CouponRefusal::Exhausted));
        let withdrawn = Coupon {
            deleted: true,
            ..coupon()
        };
        assert!(matches!(
            withdrawn.redeemable(march, 0),
            Err(CouponRefusal::NotApplicable(_))
        ));
    }

    #[test]
    fn a_sellers_coupon_counts_only_their_lines() {
        let c = coupon();
        let own = CouponLine {
            seller: Uuid::from_u128(1),
            total: 1_500,
        };
        let other = CouponLine {
            seller: Uuid::from_u128(2),
            total: 9_000,
        };
        // Their own lines are 15.00: below the 20.00 minimum, whatever else is in the cart.
        assert_eq!(
            c.discount_for(&[own, other], "EUR"),
            Err(CouponRefusal::MinimumNotMet {
                minimum_cents: 2_000
            })
        );
        assert_eq!(
            c.discount_for(&[own, own, other], "EUR"),
            Ok(Discount::Fixed(500))
        );
        assert!(matches!(
            c.discount_for(&[other], "EUR"),
            Err(CouponRefusal::NotApplicable(_))
        ));
        assert!(matches!(
            c.discount_for(&[own, own], "USD"),
            Err(CouponRefusal::NotApplicable(_))
        ));
        let shop_wide = Coupon {
            seller_id: None,
            kind: CouponKind::Percent,
            value: 10,
            currency: None,
            ..coupon()
        };
        assert_eq!(
            shop_wide.discount_for(&[own, other], "USD"),
            Ok(Discount::Percent(10))
        );
    }
}
