//! `/api/v1/payments` (→ [`crate::payments`], [`crate::orders`]): what the payment gateway posts.

use crate::error::{ApiError, ErrorCode, Problem};
use crate::orders::Orders;
use crate::payments::Webhooks;
use actix_web::{HttpRequest, HttpResponse, post, web};

/// Stripe's webhook: an event signed with `Stripe-Signature` (the endpoint's signing secret,
/// `BAZAAR_STRIPE_WEBHOOK_SECRET`). A succeeded PaymentIntent pays its order; an event already
/// handled is answered again without acting. 404 while no signing secret is configured.
#[utoipa::path(tag = "orders", request_body(content = Object, description = "a Stripe event"),
    params(("Stripe-Signature" = String, Header, description = "t=<unix time>,v1=<HMAC-SHA256>")),
    responses((status = 200, description = "`{received: true}`"),
              (status = 400, description = "bad signature or event", body = Problem),
              (status = 404, body = Problem), (status = 503, body = Problem)))]
#[post("/payments/stripe/webhook")]
pub(crate) async fn stripe_webhook(
    orders: web::Data<Orders>,
    webhooks: web::Data<Webhooks>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let header = req
        .headers()
        .get("Stripe-Signature")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let event = webhooks.verified(header, &body).ok_or_else(|| {
        ApiError::new(ErrorCode::NotFound, "Stripe webhooks are not configured")
    })??;
    orders.gateway_event(event).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"received": true})))
}
