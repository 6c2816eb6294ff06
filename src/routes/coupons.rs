//! `/api/v1/coupons` (→ [`crate::coupons`]): sellers' and admins' coupons.

use crate::auth::SellerUser;
use crate::coupons::{Coupon, CouponKind, Coupons, NewCoupon};
use crate::domain::{
    AllValid, Caller, Currency, Page, PageParams, Parsed, Role, field, moment, optional,
};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use actix_web::{HttpResponse, delete, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The largest amount a coupon may name: a thousand million in major units.
const MAX_CENTS: i64 = 100_000_000_000;
/// The largest redemption cap.
const MAX_REDEMPTIONS: i64 = 1_000_000_000;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CouponBody {
    /// 3 to 32 letters, digits, `-` and `_`; stored upper-case.
    code: String,
    /// `percent` or `fixed`.
    kind: String,
    /// A percentage from 1 to 100, or an amount in minor units of `currency`.
    value: i64,
    /// Required for a `fixed` coupon, refused for a `percent` one.
    currency: Option<String>,
    /// The least subtotal of the lines it applies to (default 0).
    min_subtotal_cents: Option<i64>,
    /// RFC 3339; default: valid at once.
    starts_at: Option<String>,
    /// RFC 3339, after `starts_at`; default: never.
    ends_at: Option<String>,
    /// Paid orders that may redeem it in total (default: no cap).
    max_redemptions: Option<i64>,
    /// Paid orders of one customer that may redeem it (default: no cap).
    max_per_customer: Option<i64>,
    /// An admin's coupon for one seller's lines (a seller's coupon is always for their own).
    seller_id: Option<Uuid>,
    /// Announce it to the seller's customers who opted in to promotions.
    public: Option<bool>,
}

impl CouponBody {
    fn parse(self) -> Parsed<NewCoupon> {
        let kind = match self.kind.as_str() {
            "percent" => Ok(CouponKind::Percent),
            "fixed" => Ok(CouponKind::Fixed),
            _ => Err("must be percent or fixed".to_owned()),
        };
        let value = match kind {
            Ok(CouponKind::Percent) if !(1..=100).contains(&self.value) => {
                Err("a percentage must be from 1 to 100".to_owned())
            }
            _ if !(1..=MAX_CENTS).contains(&self.value) => {
                Err(format!("must be from 1 to {MAX_CENTS}"))
            }
            _ => Ok(self.value),
        };
        let currency = match (&kind, self.currency.as_deref()) {
            (Ok(CouponKind::Fixed), None) => Err("is required for a fixed coupon".to_owned()),
            (Ok(CouponKind::Fixed), Some(raw)) => {
                Currency::parse(raw).map(|c| Some(c.as_str().to_owned()))
            }
            (_, Some(_)) => Err("is only for fixed coupons".to_owned()),
            (_, None) => Ok(None),
        };
        let (starts_at, ends_at) = (
            optional("starts_at", self.starts_at.as_deref(), moment),
            optional("ends_at", self.ends_at.as_deref(), moment),
        );
        let window = match (&starts_at, &ends_at) {
            (Ok(Some(starts)), Ok(Some(ends))) if ends <= starts => {
                field("ends_at", Err("must be after starts_at".to_owned()))
            }
            _ => Ok(()),
        };
        let (
            code,
            kind,
            value,
            currency,
            min_subtotal_cents,
            starts_at,
            ends_at,
            _,
            max_redemptions,
            max_per_customer,
        ) = (
            field("code", code(&self.code)),
            field("kind", kind),
            field("value", value),
            field("currency", currency),
            field(
                "min_subtotal_cents",
                within(self.min_subtotal_cents.unwrap_or(0), 0, MAX_CENTS),
            ),
            starts_at,
            ends_at,
            window,
            optional("max_redemptions", self.max_redemptions, |n| {
                within(n, 1, MAX_REDEMPTIONS)
            }),
            optional("max_per_customer", self.max_per_customer, |n| {
                within(n, 1, MAX_REDEMPTIONS)
            }),
        )
            .all_valid()?;
        Ok(NewCoupon {
            code,
            kind,
            value,
            currency,
            min_subtotal_cents,
            starts_at,
            ends_at,
            max_redemptions,
            max_per_customer,
            seller_id: self.seller_id,
            public: self.public.unwrap_or(false),
        })
    }
}

fn code(raw: &str) -> Result<String, String> {
    let code = crate::coupons::normalized(raw);
    let ok = (3..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(code)
    } else {
        Err("must be 3 to 32 letters, digits, - and _".into())
    }
}

fn within(n: i64, min: i64, max: i64) -> Result<i64, String> {
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(format!("must be from {min} to {max}"))
    }
}

/// Creates a coupon: a seller's applies to their own products, an admin's to every product or,
/// with `seller_id`, to one seller's.
#[utoipa::path(tag = "coupons", security(("bearer" = [])), request_body = CouponBody,
    responses((status = 201, body = Coupon), (status = 401, body = Problem),
              (status = 403, body = Problem),
              (status = 409, description = "a live coupon has this code", body = Problem),
              (status = 422, body = Problem)))]
#[post("")]
pub(crate) async fn create(
    coupons: web::Data<Coupons>,
    caller: SellerUser,
    Json(body): Json<CouponBody>,
) -> Result<HttpResponse, ApiError> {
    let caller = Caller::from(&caller.0);
    if caller.role != Role::Admin && body.seller_id.is_some_and(|seller| seller != caller.id) {
        return Err(crate::domain::Invalid::field(
            "seller_id",
            "a seller's coupon applies to their own products",
        )
        .into());
    }
    let coupon = body.parse()?;
    Ok(HttpResponse::Created().json(coupons.create(caller, coupon).await?))
}

/// The caller's live coupons (an admin's: everyone's), newest first, with their redemptions.
#[utoipa::path(tag = "coupons", security(("bearer" = [])), params(PageParams),
    responses((status = 200, description = "`{items: [Coupon], page, per_page, total}`"),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
#[get("")]
pub(crate) async fn list(
    coupons: web::Data<Coupons>,
    caller: SellerUser,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::parse(&paging)?;
    Ok(HttpResponse::Ok().json(coupons.list(Caller::from(&caller.0), page).await?))
}

/// Withdraws a live coupon: it can no longer be applied or redeemed; orders that used it keep
/// their discount.
#[utoipa::path(tag = "coupons", security(("bearer" = [])),
    params(("code" = String, Path, description = "coupon code")),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
#[delete("/{code}")]
pub(crate) async fn withdraw(
    coupons: web::Data<Coupons>,
    caller: SellerUser,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    coupons.withdraw(Caller::from(&caller.0), &code).await?;
    Ok(HttpResponse::NoContent().finish())
}
