//! `/api/v1/checkout`, `/api/v1/orders`, `/api/v1/returns`, `/api/v1/deliveries` and
//! `/api/v1/shipping-methods`
//! (→ [`crate::orders`]): placing, paying, reading, cancelling, fulfilling, refunding and
//! returning orders. The typed outcomes of checkout and payment become HTTP answers here, and
//! only here ([`checkout_answer`], [`payment_answer`]).

use crate::auth::{
    AuthUser, CourierUser, CustomerUser, RateClass, RateKey, RateLimits, SellerUser,
};
use crate::client_address::ClientAddress;
use crate::domain::{
    AddressFields, AddressInput, AllValid, Caller, Invalid, OrderStatus, Page, PageParams, Parsed,
    Quantity, Role, bounded_text, multiline_text, optional,
};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::orders::{
    CheckoutLine, CheckoutOrigin, CheckoutOutcome, CheckoutRequest, Decision, Declined,
    Fingerprints, Handover, IdempotencyKey, LineSource, Order, OrderError, OrderFilter, OrderView,
    Orders, PaymentMeans, PaymentOutcome, PaymentRequest, RefundRecord, RefundRequest, Return,
    ReturnRequest, Shipping, ShippingMethod, Step,
};
use crate::payments::{Card, CardFields};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LineBody {
    product_id: Uuid,
    /// 1 to 1000 (summed per product).
    qty: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PaymentBody {
    /// `card` or `wallet` (an order in the wallet's currency).
    method: String,
    /// Required for `card`.
    card: Option<CardFields>,
}

impl PaymentBody {
    /// How to pay.
    fn means(&self) -> Parsed<PaymentMeans> {
        match (self.method.as_str(), &self.card) {
            ("card", Some(card)) => Card::parse(card)
                .map(PaymentMeans::Card)
                .map_err(|error| error.within("card")),
            ("card", None) => Err(Invalid::field("card", "is required for card payments")),
            ("wallet", None) => Ok(PaymentMeans::Wallet),
            ("wallet", Some(_)) => Err(Invalid::field("card", "is not taken for wallet payments")),
            _ => Err(Invalid::field("method", "must be card or wallet")),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckoutBody {
    /// The lines to buy; without them, the cart is checked out (and emptied).
    items: Option<Vec<LineBody>>,
    /// An address of the caller's address book...
    shipping_address_id: Option<Uuid>,
    /// ...or an address given here.
    shipping_address: Option<AddressFields>,
    /// The id of a method of `GET /shipping-methods` that serves the address and the order's
    /// currency; by default the first that does.
    shipping_method: Option<String>,
    /// Pay in the same call.
    payment: Option<PaymentBody>,
    /// A coupon code (case does not matter); a cart's checkout without one uses the cart's.
    coupon: Option<String>,
    /// The admitted ticket of `POST /products/{id}/queue`, for a product with a waiting room.
    queue_ticket: Option<String>,
}

/// The `Idempotency-Key` of `req`, fingerprinting `body`, if the request has one.
pub(super) fn idempotency_key(
    req: &HttpRequest,
    fingerprints: &Fingerprints,
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
    Ok(Some(IdempotencyKey::new(
        user,
        scope,
        key,
        body,
        fingerprints,
    )?))
}

/// An order, as a checkout answers it.
#[derive(Serialize, ToSchema)]
pub(crate) struct OrderEnvelope {
    order: Order,
}

/// A checkout's outcome as HTTP: 201 with the order (pending or paid), or 402 when the payment
/// that came with it was declined.
fn checkout_answer(outcome: CheckoutOutcome) -> Result<HttpResponse, ApiError> {
    match outcome {
        CheckoutOutcome::Placed(order) => {
            Ok(HttpResponse::Created().json(OrderEnvelope { order: *order }))
        }
        CheckoutOutcome::Declined(declined) => Err(declined_answer(declined)),
    }
}

/// A payment's outcome as HTTP: 200 with the paid order, or 402.
fn payment_answer(outcome: PaymentOutcome) -> Result<HttpResponse, ApiError> {
    match outcome {
        PaymentOutcome::Paid(order) => Ok(HttpResponse::Ok().json(order)),
        PaymentOutcome::Declined(declined) => Err(declined_answer(declined)),
    }
}

fn declined_answer(declined: Declined) -> ApiError {
    ApiError::from(OrderError::PaymentDeclined {
        order: declined.order,
        code: declined.code,
    })
}

/// Places an order: every line is reserved or none (409 `out_of_stock` naming the product); the
/// order is `pending_payment` until paid or until its holds expire at `payment_due_at`. With
/// `payment` it is paid at once (402 `payment_declined` with `order_id` if the card is declined).
#[utoipa::path(tag = "orders", security(("bearer" = [])), request_body = CheckoutBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    responses((status = 201, body = OrderEnvelope),
              (status = 402, body = Problem), (status = 403, body = Problem),
              (status = 409, description = "out_of_stock, limit_exceeded, not_on_sale_yet, \
                  sale_ended or queue_required", body = Problem),
              (status = 422, body = Problem), (status = 429, body = Problem)))]
#[post("/checkout")]
pub(crate) async fn checkout(
    orders: web::Data<Orders>,
    limits: web::Data<RateLimits>,
    customer: CustomerUser,
    req: HttpRequest,
    Json(raw): Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let customer = customer.0.id;
    limits.check(RateClass::Checkout, RateKey::User(customer))?;
    let idempotency = idempotency_key(
        &req,
        orders.fingerprints(),
        customer,
        "checkout".into(),
        &raw,
    )?;
    let body: CheckoutBody =
        crate::domain::from_json_value(raw).map_err(|e| ApiError::validation(vec![e]))?;
    let shipping = match (body.shipping_address_id, &body.shipping_address) {
        (Some(id), None) => Ok(Shipping::Saved(id)),
        (None, Some(fields)) => AddressInput::parse(fields)
            .map(Shipping::Inline)
            .map_err(|error| error.within("shipping_address")),
        _ => Err(Invalid::field(
            "shipping_address",
            "give either shipping_address_id or shipping_address",
        )),
    };
    let (shipping, payment) = (
        shipping,
        body.payment
            .as_ref()
            .map(|payment| payment.means().map_err(|error| error.within("payment")))
            .transpose(),
    )
        .all_valid()?;
    let lines = match body.items {
        Some(items) => LineSource::Items(
            items
                .iter()
                .map(|line| CheckoutLine {
                    product: line.product_id,
                    qty: line.qty,
                })
                .collect(),
        ),
        None => LineSource::Cart,
    };
    let request = CheckoutRequest {
        customer,
        lines,
        shipping,
        shipping_method: body.shipping_method,
        payment,
        coupon: body.coupon,
        idempotency,
        origin: CheckoutOrigin::Customer {
            address: ClientAddress::of(&req).to_string(),
            queue_ticket: body.queue_ticket,
        },
    };
    checkout_answer(orders.checkout(request).await?)
}

/// Pays one of the caller's orders pending payment: 200 with the paid order, or 402.
#[utoipa::path(tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "order id"),
           ("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    request_body = PaymentBody,
    responses((status = 200, body = Order), (status = 402, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "expired, cancelled or already paid", body = Problem),
              (status = 422, body = Problem), (status = 429, body = Problem)))]
#[post("/{id}/pay")]
pub(crate) async fn pay(
    orders: web::Data<Orders>,
    limits: web::Data<RateLimits>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    req: HttpRequest,
    Json(raw): Json<Value>,
) -> Result<HttpResponse, ApiError> {
    limits.check(RateClass::Pay, RateKey::User(caller.id))?;
    let idempotency = idempotency_key(
        &req,
        orders.fingerprints(),
        caller.id,
        format!("pay:{id}"),
        &raw,
    )?;
    let payment: PaymentBody =
        crate::domain::from_json_value(raw).map_err(|e| ApiError::validation(vec![e]))?;
    let request = PaymentRequest {
        order: *id,
        means: payment.means()?,
        idempotency,
    };
    payment_answer(orders.pay(Caller::from(&caller), request).await?)
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct OrderListParams {
    /// Only orders in this status.
    status: Option<String>,
}

/// The caller's orders (a seller's: also orders of their products, each as a `SellerOrder` with
/// the seller's lines; an admin's: all), newest first.
#[utoipa::path(tag = "orders", security(("bearer" = [])), params(OrderListParams, PageParams),
    responses((status = 200, description = "`{items: [Order | SellerOrder], page, per_page, total}`"),
              (status = 401, body = Problem), (status = 422, body = Problem)))]
#[get("")]
pub(crate) async fn list(
    orders: web::Data<Orders>,
    caller: AuthUser,
    params: web::Query<OrderListParams>,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (status, page) = (
        optional("status", params.status.as_deref(), OrderStatus::parse),
        Page::parse(&paging),
    )
        .all_valid()?;
    let filter = OrderFilter { status };
    let listed = orders
        .list_views(Caller::from(&caller), &filter, page)
        .await?;
    Ok(HttpResponse::Ok().json(listed))
}

/// One order with its lines, timeline, payments and refunds, for its customer and admins; a
/// seller of some of its lines gets a `SellerOrder`: their lines and share, the address to ship
/// to, no payments.
#[utoipa::path(tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "order id")),
    responses((status = 200, body = OrderView), (status = 401, body = Problem),
              (status = 404, body = Problem)))]
#[get("/{id}")]
pub(crate) async fn get(
    orders: web::Data<Orders>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(orders.order_view(Caller::from(&caller), *id).await?))
}

/// Cancels an order before it ships: holds go back on sale; a paid order is restocked and refunded.
#[utoipa::path(tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "order id")),
    responses((status = 200, body = Order), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem)))]
#[post("/{id}/cancel")]
pub(crate) async fn cancel(
    orders: web::Data<Orders>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(orders.cancel(Caller::from(&caller), *id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusBody {
    /// `processing` or `shipped` (its sellers), `out_for_delivery` or `delivered` (its courier);
    /// admins any of them.
    status: String,
    /// Up to 500 characters, shown on the timeline.
    note: Option<String>,
    /// With `shipped`, required: 1 to 64 characters.
    tracking_number: Option<String>,
    /// With `shipped`, required: an active courier.
    courier_id: Option<Uuid>,
    /// For admins: the seller whose shipment moves (by default, every shipment the step applies
    /// to).
    seller_id: Option<Uuid>,
}

impl StatusBody {
    /// The step asked for, with every problem of the body named.
    fn step(self, caller: Caller) -> Result<Step, Invalid> {
        let status = crate::domain::field("status", OrderStatus::parse(&self.status));
        let shipping = matches!(status, Ok(OrderStatus::Shipped));
        let tracking_number = match (shipping, self.tracking_number.as_deref()) {
            (true, None) => Err(Invalid::field("tracking_number", "is required to ship")),
            (true, Some(raw)) => {
                crate::domain::field("tracking_number", bounded_text(raw, 1, 64)).map(Some)
            }
            (false, Some(_)) => Err(Invalid::field("tracking_number", "goes with shipped only")),
            (false, None) => Ok(None),
        };
        let courier = match (shipping, self.courier_id) {
            (true, None) => Err(Invalid::field("courier_id", "is required to ship")),
            (false, Some(_)) => Err(Invalid::field("courier_id", "goes with shipped only")),
            (_, courier) => Ok(courier),
        };
        let seller = match self.seller_id {
            Some(_) if caller.role != Role::Admin => Err(Invalid::field(
                "seller_id",
                "only an admin picks a seller's shipment",
            )),
            seller => Ok(seller),
        };
        let (status, note, tracking_number, courier, seller) = (
            status,
            optional("note", self.note.as_deref(), |raw| {
                multiline_text(raw, 1, 500)
            }),
            tracking_number,
            courier,
            seller,
        )
            .all_valid()?;
        Ok(Step {
            status,
            note,
            handover: courier
                .zip(tracking_number)
                .map(|(courier, tracking_number)| Handover {
                    courier,
                    tracking_number,
                }),
            seller,
        })
    }
}

/// Moves an order one step on its way to the customer: `paid → processing → shipped →
/// out_for_delivery → delivered`. Each seller moves their own shipment; the order is as far
/// along as its least advanced shipment. Any other move is 409 `illegal_transition`, naming the
/// `current` and the `requested` status.
#[utoipa::path(tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "order id")), request_body = StatusBody,
    responses((status = 200, body = OrderView), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "illegal_transition", body = Problem),
              (status = 422, body = Problem)))]
#[post("/{id}/status")]
pub(crate) async fn change_status(
    orders: web::Data<Orders>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<StatusBody>,
) -> Result<HttpResponse, ApiError> {
    let caller = Caller::from(&caller);
    let step = body.step(caller)?;
    Ok(HttpResponse::Ok().json(orders.take_step(caller, *id, step).await?))
}

/// The shipments handed to the calling courier, open ones first: where each goes (with the
/// contact phone) and what is in it; nothing about payment.
#[utoipa::path(tag = "orders", security(("bearer" = [])), params(PageParams),
    responses((status = 200, description = "`{items: [Delivery], page, per_page, total}`"),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
#[get("/deliveries")]
pub(crate) async fn deliveries(
    orders: web::Data<Orders>,
    courier: CourierUser,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::parse(&paging)?;
    Ok(HttpResponse::Ok().json(orders.deliveries(Caller::from(&courier.0), page).await?))
}

/// The shop's shipping methods, in the order a checkout tries them by default.
#[utoipa::path(tag = "orders",
    responses((status = 200, body = [ShippingMethod])))]
#[get("/shipping-methods")]
pub(crate) async fn shipping_methods(orders: web::Data<Orders>) -> HttpResponse {
    HttpResponse::Ok().json(orders.shipping_methods())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RefundBody {
    /// In minor units, at least 1; without it, all the caller may still refund (a seller: what is
    /// left of their lines' share).
    amount_cents: Option<i64>,
    /// 1 to 500 characters, on the timeline.
    reason: String,
    /// Give the units of the caller's lines (an admin's: of every line) back to stock.
    restock: Option<bool>,
}

/// Refunds all or part of an order through the payment gateway: its sellers from their own
/// lines' share, admins from what was paid. The refunds of an order never add up to more than
/// was paid, however many race. An `Idempotency-Key` makes a retry return the first refund.
#[utoipa::path(tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "order id"),
           ("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    request_body = RefundBody,
    responses((status = 201, body = RefundRecord), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "refund_too_large, or nothing paid", body = Problem),
              (status = 422, body = Problem), (status = 503, body = Problem)))]
#[post("/{id}/refunds")]
pub(crate) async fn refund(
    orders: web::Data<Orders>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    req: HttpRequest,
    Json(raw): Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let idempotency = idempotency_key(
        &req,
        orders.fingerprints(),
        caller.id,
        format!("refund:{id}"),
        &raw,
    )?;
    let body: RefundBody =
        crate::domain::from_json_value(raw).map_err(|e| ApiError::validation(vec![e]))?;
    let (amount_cents, reason) = (
        optional("amount_cents", body.amount_cents, |cents| {
            if cents > 0 {
                Ok(cents)
            } else {
                Err("must be at least 1".to_owned())
            }
        }),
        crate::domain::field("reason", multiline_text(&body.reason, 1, 500)),
    )
        .all_valid()?;
    let request = RefundRequest {
        order: *id,
        amount_cents,
        reason,
        restock: body.restock.unwrap_or(false),
        idempotency,
    };
    let refund = orders.refund(Caller::from(&caller), request).await?;
    Ok(HttpResponse::Created().json(refund))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReturnBody {
    /// The units to return, each product once.
    lines: Vec<LineBody>,
    /// 1 to 500 characters.
    reason: String,
}

impl ReturnBody {
    /// The lines, each product once and each quantity in bounds, naming the first bad one.
    fn lines(&self) -> Parsed<Vec<(Uuid, i64)>> {
        if self.lines.is_empty() || self.lines.len() > 100 {
            return Err(Invalid::field("lines", "give 1 to 100 lines"));
        }
        let mut lines: Vec<(Uuid, i64)> = Vec::with_capacity(self.lines.len());
        for (index, line) in self.lines.iter().enumerate() {
            if lines.iter().any(|(product, _)| *product == line.product_id) {
                return Err(Invalid::field(
                    format!("lines[{index}].product_id"),
                    "appears twice",
                ));
            }
            let qty = Quantity::try_from(line.qty)
                .map_err(|message| Invalid::field(format!("lines[{index}].qty"), message))?;
            lines.push((line.product_id, qty.get()));
        }
        Ok(lines)
    }
}

/// The returns opened, one per seller of the lines returned.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReturnsEnvelope {
    returns: Vec<Return>,
}

/// Opens a return of delivered lines within the return window, with a reason: one return per
/// seller of those lines, each for that seller to decide.
#[utoipa::path(tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "order id")), request_body = ReturnBody,
    responses((status = 201, body = ReturnsEnvelope), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "not delivered, or the window closed", body = Problem),
              (status = 422, body = Problem)))]
#[post("/{id}/returns")]
pub(crate) async fn open_return(
    orders: web::Data<Orders>,
    customer: CustomerUser,
    id: web::Path<Uuid>,
    Json(body): Json<ReturnBody>,
) -> Result<HttpResponse, ApiError> {
    let (lines, reason) = (
        body.lines(),
        crate::domain::field("reason", multiline_text(&body.reason, 1, 500)),
    )
        .all_valid()?;
    let request = ReturnRequest {
        order: *id,
        lines,
        reason,
    };
    let returns = orders
        .open_return(Caller::from(&customer.0), request)
        .await?;
    Ok(HttpResponse::Created().json(ReturnsEnvelope { returns }))
}

/// The returns of an order, oldest first: every one for its customer and admins, their own for a
/// seller of its lines (where the seller finds the returns to decide).
#[utoipa::path(tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "order id")),
    responses((status = 200, body = ReturnsEnvelope), (status = 401, body = Problem),
              (status = 404, body = Problem)))]
#[get("/{id}/returns")]
pub(crate) async fn list_returns(
    orders: web::Data<Orders>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let returns = orders.returns_of(Caller::from(&caller), *id).await?;
    Ok(HttpResponse::Ok().json(ReturnsEnvelope { returns }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionBody {
    /// Approve (refund the lines at the prices paid) or reject.
    approve: bool,
    /// With an approval: give the returned units back to stock.
    restock: Option<bool>,
    /// Up to 500 characters, for the customer.
    note: Option<String>,
}

/// Decides a return: its seller (or an admin) approves it, which refunds its lines and can give
/// the units back to stock, or rejects it.
#[utoipa::path(tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "return id")), request_body = DecisionBody,
    responses((status = 200, body = Return), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "decided already, or refund_too_large", body = Problem),
              (status = 422, body = Problem), (status = 503, body = Problem)))]
#[post("/{id}/decision")]
pub(crate) async fn decide_return(
    orders: web::Data<Orders>,
    seller: SellerUser,
    id: web::Path<Uuid>,
    Json(body): Json<DecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let restock = match (body.approve, body.restock) {
        (false, Some(true)) => Err(Invalid::field("restock", "goes with an approval only")),
        (_, restock) => Ok(restock.unwrap_or(false)),
    };
    let (restock, note) = (
        restock,
        optional("note", body.note.as_deref(), |raw| {
            multiline_text(raw, 1, 500)
        }),
    )
        .all_valid()?;
    let decision = Decision {
        approve: body.approve,
        restock,
        note,
    };
    let decided = orders
        .decide_return(Caller::from(&seller.0), *id, decision)
        .await?;
    Ok(HttpResponse::Ok().json(decided))
}
