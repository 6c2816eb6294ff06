//! `/api/v1/seller/analytics` (→ [`crate::analytics`]): a seller's report.

use crate::analytics::{Days, Report, SellerAnalytics};
use crate::auth::SellerUser;
use crate::domain::{AllValid, Caller, Invalid, Parsed, field, optional};
use crate::error::{ApiError, Problem};
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use time::Date;
use time::macros::format_description;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
pub(crate) struct AnalyticsParams {
    /// The first day (UTC, `YYYY-MM-DD`); default: 29 days before `to`.
    from: Option<String>,
    /// The last day, included; default: today (UTC).
    to: Option<String>,
    /// Whose figures (admins only; a seller's are their own).
    seller_id: Option<Uuid>,
}

impl AnalyticsParams {
    fn days(&self) -> Parsed<Days> {
        let (from, to) = (
            optional("from", self.from.as_deref(), day),
            optional("to", self.to.as_deref(), day),
        )
            .all_valid()?;
        let to = to.unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
        let from = from.unwrap_or_else(|| to.saturating_sub(time::Duration::days(29)));
        if from > to {
            return Err(Invalid::field("from", "must not be after to"));
        }
        if (to - from).whole_days() >= Days::MAX_DAYS {
            return field(
                "to",
                Err(format!("the range is at most {} days", Days::MAX_DAYS)),
            );
        }
        Ok(Days { from, to })
    }
}

/// A day from 1970 to 9999, `YYYY-MM-DD`.
fn day(raw: &str) -> Result<Date, String> {
    Date::parse(raw, format_description!("[year]-[month]-[day]"))
        .ok()
        .filter(|day| (1970..=9999).contains(&day.year()))
        .ok_or_else(|| "must be a day from 1970 to 9999, like 2026-12-24".into())
}

/// A seller's figures over a range of days: totals per currency, the days, the best sellers,
/// orders by status and products low on stock.
#[utoipa::path(tag = "analytics", security(("bearer" = [])), params(AnalyticsParams),
    responses((status = 200, body = Report), (status = 401, body = Problem),
              (status = 403, body = Problem),
              (status = 404, description = "no such seller", body = Problem),
              (status = 422, body = Problem)))]
#[get("/seller/analytics")]
pub(crate) async fn report(
    analytics: web::Data<SellerAnalytics>,
    caller: SellerUser,
    params: web::Query<AnalyticsParams>,
) -> Result<HttpResponse, ApiError> {
    let days = params.days()?;
    let report = analytics
        .report(Caller::from(&caller.0), params.seller_id, days)
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
