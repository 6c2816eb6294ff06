//! `/api/v1/wallet` (→ [`crate::wallet`]): the caller's wallet and topping it up by card.

use super::orders::idempotency_key;
use crate::auth::{AuthUser, RateClass, RateKey, RateLimits};
use crate::domain::{Invalid, Page, PageParams, Parsed};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::payments::{Card, CardFields};
use crate::wallet::{TopUpRequest, WalletTransaction, WalletView, Wallets};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

/// The caller's balance and one page of its ledger, newest first.
#[utoipa::path(tag = "wallet", security(("bearer" = [])), params(PageParams),
    responses((status = 200, body = WalletView), (status = 401, body = Problem),
              (status = 422, body = Problem)))]
#[get("")]
pub(crate) async fn get(
    wallets: web::Data<Wallets>,
    caller: AuthUser,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::parse(&paging)?;
    Ok(HttpResponse::Ok().json(wallets.view(caller.id, page).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TopUpBody {
    /// In minor units of the wallet's currency, within the shop's limits.
    amount_cents: i64,
    card: CardFields,
}

/// Charges the card and credits the wallet: 201 with the ledger entry. With an
/// `Idempotency-Key`, a retry (even a concurrent one) credits once and answers the same entry.
#[utoipa::path(tag = "wallet", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    request_body = TopUpBody,
    responses((status = 201, body = WalletTransaction), (status = 401, body = Problem),
              (status = 402, body = Problem),
              (status = 409, description = "the wallet would hold more than allowed", body = Problem),
              (status = 422, body = Problem),
              (status = 429, description = "too many top-ups in 24 hours", body = Problem)))]
#[post("/top-up")]
pub(crate) async fn top_up(
    wallets: web::Data<Wallets>,
    limits: web::Data<RateLimits>,
    caller: AuthUser,
    req: HttpRequest,
    Json(raw): Json<Value>,
) -> Result<HttpResponse, ApiError> {
    limits.check(RateClass::Pay, RateKey::User(caller.id))?;
    let key = idempotency_key(
        &req,
        wallets.fingerprints(),
        caller.id,
        "wallet:top-up".into(),
        &raw,
    )?;
    let body: TopUpBody =
        crate::domain::from_json_value(raw).map_err(|e| ApiError::validation(vec![e]))?;
    let (amount_cents, card) = parse(&body, &wallets)?;
    let request = TopUpRequest {
        user: caller.id,
        amount_cents,
        card,
        key: key.map(|key| (key.key, key.request_hash)),
    };
    Ok(HttpResponse::Created().json(wallets.top_up(request).await?))
}

fn parse(body: &TopUpBody, wallets: &Wallets) -> Parsed<(i64, Card)> {
    use crate::domain::AllValid;
    let limits = wallets.limits();
    let amount = if (limits.min_cents..=limits.max_cents).contains(&body.amount_cents) {
        Ok(body.amount_cents)
    } else {
        Err(Invalid::field(
            "amount_cents",
            format!(
                "must be from {} to {} ({})",
                limits.min_cents,
                limits.max_cents,
                wallets.currency()
            ),
        ))
    };
    (
        amount,
        Card::parse(&body.card).map_err(|error| error.within("card")),
    )
        .all_valid()
}
