//! Orders as clients read them: an order with its lines, timeline, payments, refunds and
//! shipments.

use crate::domain::{OrderStatus, PaymentMethod};
use crate::payments::DeclineCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// An order with its lines, timeline, payments, refunds and shipments.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub(crate) struct Order {
    pub id: Uuid,
    pub user_id: Uuid,
    pub status: OrderStatus,
    pub currency: String,
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    pub shipping_cents: i64,
    pub tax_cents: i64,
    /// `subtotal_cents - discount_cents + shipping_cents + tax_cents`.
    pub total_cents: i64,
    #[schema(value_type = Object)]
    #[sqlx(json)]
    pub shipping_address: serde_json::Value,
    /// The id of its shipping method.
    pub shipping_method: String,
    /// The coupon priced into it, redeemed when it is paid.
    pub coupon_id: Option<Uuid>,
    pub coupon_code: Option<String>,
    /// Until when the order holds its stock without being paid.
    #[serde(with = "time::serde::rfc3339")]
    pub payment_due_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[sqlx(skip)]
    pub items: Vec<OrderItem>,
    #[sqlx(skip)]
    pub events: Vec<OrderEvent>,
    #[sqlx(skip)]
    pub payments: Vec<PaymentRecord>,
    #[sqlx(skip)]
    pub refunds: Vec<RefundRecord>,
    /// One per seller of its lines, from the first fulfilment step on.
    #[sqlx(skip)]
    pub shipments: Vec<Shipment>,
}

impl Order {
    /// The sellers of the order's lines, each once.
    pub(crate) fn sellers(&self) -> Vec<Uuid> {
        let mut sellers: Vec<Uuid> = self.items.iter().map(|item| item.seller_id).collect();
        sellers.sort_unstable();
        sellers.dedup();
        sellers
    }
}

/// One line: a snapshot of the product's name and price when the order was placed.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub(crate) struct OrderItem {
    pub product_id: Uuid,
    pub seller_id: Uuid,
    pub sku: String,
    pub name: String,
    pub unit_price_cents: i64,
    pub qty: i64,
    /// `unit_price_cents * qty`, before discount and tax.
    pub line_total_cents: i64,
    /// The line's share of the coupon's discount.
    pub discount_cents: i64,
    /// Tax on the line after its discount.
    pub tax_cents: i64,
}

impl OrderItem {
    /// What the customer paid for the line: its total less discount, plus tax.
    pub(crate) fn charged_cents(&self) -> i64 {
        self.line_total_cents - self.discount_cents + self.tax_cents
    }
}

/// A step of the order's timeline.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub(crate) struct OrderEvent {
    pub status: OrderStatus,
    /// Who made the change (none when the server did, e.g. an expiry).
    pub by: Option<Uuid>,
    pub note: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// One seller's lines of an order on their way to the customer.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub(crate) struct Shipment {
    pub seller_id: Uuid,
    /// `paid`, `processing`, `shipped`, `out_for_delivery` or `delivered`.
    pub status: OrderStatus,
    pub courier_id: Option<Uuid>,
    pub courier_name: Option<String>,
    pub tracking_number: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub shipped_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
}

/// What became of a payment attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub(crate) enum PaymentStatus {
    Succeeded,
    Declined,
    /// Charged, then given back at once (the order could no longer be paid).
    Refunded,
}

/// A payment attempt: only the card's brand and last four digits are kept.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub(crate) struct PaymentRecord {
    pub id: Uuid,
    pub amount_cents: i64,
    pub currency: String,
    pub method: PaymentMethod,
    pub status: PaymentStatus,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub decline_code: Option<DeclineCode>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Where a refund stands: reserved while the gateway is asked, then made or failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub(crate) enum RefundStatus {
    Pending,
    Succeeded,
    Failed,
}

/// Money given back.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub(crate) struct RefundRecord {
    pub id: Uuid,
    pub amount_cents: i64,
    pub reason: String,
    pub restocked: bool,
    pub status: RefundStatus,
    /// The seller whose share it came from (none: an admin's refund, or a cancellation).
    pub seller_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Where a return stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub(crate) enum ReturnStatus {
    Requested,
    Approved,
    Rejected,
}

/// A customer's return of some of one seller's lines.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct Return {
    pub id: Uuid,
    pub order_id: Uuid,
    pub seller_id: Uuid,
    pub status: ReturnStatus,
    pub reason: String,
    /// The seller's note on their decision.
    pub note: Option<String>,
    /// The refund an approval made.
    pub refund_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    #[sqlx(skip)]
    pub lines: Vec<ReturnLine>,
}

impl Return {
    /// What approving it refunds: its units at the prices paid.
    pub(crate) fn value_cents(&self) -> i64 {
        self.lines.iter().map(|line| line.refund_cents).sum()
    }
}

/// Units of one product in a return, at the price paid.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct ReturnLine {
    pub product_id: Uuid,
    pub qty: i64,
    pub unit_price_cents: i64,
    /// What approving refunds for these units: their part of what the line was charged (after
    /// discount, with tax), rounded down.
    pub refund_cents: i64,
}

/// Filters of the order list.
#[derive(Debug, Default)]
pub(crate) struct OrderFilter {
    pub status: Option<OrderStatus>,
}
