//! `/api/v1/checkout` and `/api/v1/orders`: placing, paying, reading and cancelling orders.

use crate::auth::{AuthUser, CustomerUser};
use crate::domain::{AddressFields, AddressInput, FieldErrors, Page, PageParams};
use crate::error::{ApiError, Problem};
use crate::extract::{Json, from_json_value};
use crate::orders::{
    self, CheckoutLine, CheckoutRequest, IdempotencyKey, Order, OrderFilter, PaymentRequest,
    Shipping, ShippingMethod, Stored,
};
use crate::payments::{Card, CardFields};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineBody {
    product_id: Uuid,
    qty: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    /// `card` (the wallet is not offered yet).
    method: String,
    card: Option<CardFields>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutBody {
    /// The lines to buy; without them, the cart is checked out (and emptied).
    items: Option<Vec<LineBody>>,
    /// An address of the caller's address book...
    shipping_address_id: Option<Uuid>,
    /// ...or an address given here.
    shipping_address: Option<AddressFields>,
    /// `standard` (default, free) or `express` (15.00).
    shipping_method: Option<String>,
    /// Pay in the same call.
    payment: Option<PaymentBody>,
}

fn idempotency_key(
    req: &HttpRequest,
    user: Uuid,
    scope: String,
    body: &Value,
) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = req.headers().get("Idempotency-Key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map_err(|_| ApiError::invalid_field("Idempotency-Key", "must be visible ASCII"))?;
    Ok(Some(IdempotencyKey::new(user, scope, key, body)?))
}

fn parse_card(payment: &PaymentBody, errors: &mut FieldErrors, prefix: &str) -> Option<Card> {
    match (payment.method.as_str(), &payment.card) {
        ("card", Some(card)) => Card::parse(card, errors, &format!("{prefix}card.")),
        ("card", None) => {
            errors.add(&format!("{prefix}card"), "is required for card payments");
            None
        }
        ("wallet", _) => {
            errors.add(
                &format!("{prefix}method"),
                "the wallet is not offered yet; pay by card",
            );
            None
        }
        _ => {
            errors.add(&format!("{prefix}method"), "must be card");
            None
        }
    }
}

fn answer(stored: Stored) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    HttpResponse::build(status)
        .content_type(content_type)
        .json(stored.body)
}

/// Places an order: every line is reserved or none (409 `out_of_stock` naming the product); the
/// order is `pending_payment` until paid or until its holds expire at `payment_due_at`. With
/// `payment` it is paid at once (402 `payment_declined` with `order_id` if the card is declined).
#[utoipa::path(post, path = "/api/v1/checkout", tag = "orders", security(("bearer" = [])),
    request_body = CheckoutBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    responses((status = 201, description = "`{order}`"),
              (status = 402, body = Problem), (status = 403, body = Problem),
              (status = 409, description = "out_of_stock or limit_exceeded", body = Problem),
              (status = 422, body = Problem)))]
pub async fn checkout(
    state: web::Data<AppState>,
    customer: CustomerUser,
    req: HttpRequest,
    Json(raw): Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let customer = customer.0.id;
    let body: CheckoutBody =
        from_json_value(raw.clone()).map_err(|e| ApiError::validation(vec![e]))?;
    let idempotency = idempotency_key(&req, customer, "checkout".into(), &raw)?;
    let mut errors = FieldErrors::default();
    let shipping = match (&body.shipping_address_id, &body.shipping_address) {
        (Some(id), None) => Some(Shipping::Saved(*id)),
        (None, Some(fields)) => {
            AddressInput::parse(fields, &mut errors, "shipping_address.").map(Shipping::Inline)
        }
        _ => {
            errors.add(
                "shipping_address",
                "give either shipping_address_id or shipping_address",
            );
            None
        }
    };
    let method = match body.shipping_method.as_deref() {
        None => Some(ShippingMethod::Standard),
        Some(raw) => errors.check("shipping_method", ShippingMethod::parse(raw)),
    };
    let card = body
        .payment
        .as_ref()
        .and_then(|payment| parse_card(payment, &mut errors, "payment."));
    errors.finish()?;
    let (Some(shipping), Some(shipping_method)) = (shipping, method) else {
        return Err(ApiError::internal(
            "checkout parsed without errors but incomplete",
        ));
    };
    let from_cart = body.items.is_none();
    let lines = match body.items {
        Some(items) => items
            .iter()
            .map(|line| CheckoutLine {
                product: line.product_id,
                qty: line.qty,
            })
            .collect(),
        None => state
            .carts
            .lines(customer)
            .await?
            .into_iter()
            .map(|(product, qty)| CheckoutLine { product, qty })
            .collect(),
    };
    let request = CheckoutRequest {
        customer,
        lines,
        from_cart,
        shipping,
        shipping_method,
        payment: card,
        idempotency,
    };
    // Detached: once stock is reserved, a client that hangs up must not leave the checkout
    // half-done.
    let task = actix_web::rt::spawn(async move { orders::checkout(&state, request).await });
    let outcome = task.await.map_err(ApiError::internal)?;
    // Checkouts by outcome: what a load tester reads to understand a run.
    let label = match &outcome {
        Ok(stored) if stored.status == 201 => "created",
        Ok(stored) if stored.status == 402 => "payment_declined",
        Ok(_) => "other",
        Err(error) => error.code().as_str(),
    };
    metrics::counter!("checkouts_total", "outcome" => label).increment(1);
    Ok(answer(outcome?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayBody {
    /// `card`.
    method: String,
    card: Option<CardFields>,
}

/// Pays one of the caller's orders pending payment: 200 with the paid order, or 402.
#[utoipa::path(post, path = "/api/v1/orders/{id}/pay", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "order id"),
           ("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    request_body = PayBody,
    responses((status = 200, body = Order), (status = 402, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "expired, cancelled or already paid", body = Problem),
              (status = 422, body = Problem)))]
pub async fn pay(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    req: HttpRequest,
    Json(raw): Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body: PayBody = from_json_value(raw.clone()).map_err(|e| ApiError::validation(vec![e]))?;
    let idempotency = idempotency_key(&req, caller.id, format!("pay:{id}"), &raw)?;
    let mut errors = FieldErrors::default();
    let payment = PaymentBody {
        method: body.method,
        card: body.card,
    };
    let card = parse_card(&payment, &mut errors, "");
    errors.finish()?;
    let card = card.ok_or_else(|| ApiError::internal("card parsed but missing"))?;
    let request = PaymentRequest {
        order: *id,
        card,
        idempotency,
    };
    let task =
        actix_web::rt::spawn(async move { orders::pay_order(&state, &caller, request).await });
    Ok(answer(task.await.map_err(ApiError::internal)??))
}

#[derive(Deserialize, IntoParams)]
pub struct OrderListParams {
    /// Only orders in this status.
    status: Option<String>,
}

const STATUSES: [&str; 10] = [
    "pending_payment",
    "paid",
    "processing",
    "shipped",
    "out_for_delivery",
    "delivered",
    "cancelled",
    "expired",
    "refunded",
    "partially_refunded",
];

/// The caller's orders (a seller's: also orders of their products; an admin's: all), newest first.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", security(("bearer" = [])),
    params(OrderListParams, PageParams),
    responses((status = 200, description = "`{items: [Order], page, per_page, total}`"),
              (status = 422, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthUser,
    params: web::Query<OrderListParams>,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::parse(&paging)?;
    if let Some(status) = &params.status
        && !STATUSES.contains(&status.as_str())
    {
        return Err(ApiError::invalid_field(
            "status",
            format!("must be one of {}", STATUSES.join(", ")),
        ));
    }
    let filter = OrderFilter {
        status: params.status.clone(),
    };
    Ok(HttpResponse::Ok().json(orders::list_orders(&state.pool, &caller, &filter, page).await?))
}

/// One order with its lines, timeline, payments and refunds (its customer, its sellers, admins).
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "order id")),
    responses((status = 200, body = Order), (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(orders::get_order(&state.pool, &caller, *id).await?))
}

/// Cancels an order before it ships: holds go back on sale; a paid order is restocked and refunded.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "order id")),
    responses((status = 200, body = Order), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn cancel(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    let task = actix_web::rt::spawn(async move { orders::cancel_order(&state, &caller, id).await });
    Ok(HttpResponse::Ok().json(task.await.map_err(ApiError::internal)??))
}
