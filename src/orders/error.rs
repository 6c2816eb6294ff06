//! [`OrderError`]: what can go wrong with an order, and the code each answers with.

use super::units::CheckoutRefusal;
use crate::coupons::CouponError;
use crate::domain::{FieldError, Invalid, OrderStatus};
use crate::drops::QueueRefusal;
use crate::error::{Coded, ErrorCode, Members, members};
use crate::payments::DeclineCode;
use bazaar_actors::inventory::InventoryError;
use bazaar_actors::journal::JournalError;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// A moment as the API writes it.
fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// What can go wrong with an order.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OrderError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("only {available} of product {product} available")]
    OutOfStock { product: Uuid, available: i64 },
    #[error("at most {limit} of product {product} per customer")]
    LimitExceeded { product: Uuid, limit: i64 },
    #[error("at most {limit} of product {product} per order")]
    OrderLimitExceeded { product: Uuid, limit: i64 },
    #[error("product {product} is not on sale before {}", rfc3339(*starts_at))]
    NotOnSaleYet {
        product: Uuid,
        starts_at: OffsetDateTime,
    },
    #[error("{}", refusal.detail())]
    QueueRequired {
        product: Uuid,
        refusal: QueueRefusal,
    },
    #[error("the sale of product {product} ended at {}", rfc3339(*ended_at))]
    SaleEnded {
        product: Uuid,
        ended_at: OffsetDateTime,
    },
    #[error("you already have {limit} orders pending payment; pay or cancel one first")]
    TooManyUnpaidOrders { limit: i64 },
    #[error("this order's payment was declined {limit} times; it takes no more attempts")]
    TooManyPaymentAttempts { limit: i64 },
    #[error("the payment was declined ({})", code.as_str())]
    PaymentDeclined { order: Uuid, code: DeclineCode },
    #[error("an order (or shipment) that is {} cannot become {}", current.as_str(), requested.as_str())]
    IllegalTransition {
        current: OrderStatus,
        requested: OrderStatus,
    },
    #[error("at most {refundable} may still be refunded by you")]
    RefundTooLarge { refundable: i64 },
    #[error("{0}")]
    NotReturnable(String),
    #[error(transparent)]
    Coupon(#[from] crate::coupons::CouponRefusal),
    #[error("this Idempotency-Key was used for another request")]
    IdempotencyConflict,
    #[error("{0}")]
    Conflict(&'static str),
    /// A request with the same Idempotency-Key is still being processed: retry shortly.
    #[error("a request with this Idempotency-Key is being processed; retry")]
    InFlight,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl OrderError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        OrderError::Invalid(Invalid::field(field, message))
    }
}

impl From<CouponError> for OrderError {
    fn from(error: CouponError) -> Self {
        match error {
            CouponError::Refused(refusal) => OrderError::Coupon(refusal),
            CouponError::NotFound => OrderError::invalid("coupon", "no coupon with this code"),
            CouponError::Invalid(invalid) => OrderError::Invalid(invalid),
            CouponError::CodeTaken(_) => OrderError::Conflict("the coupon code is taken"),
            CouponError::Database(error) => OrderError::Database(error),
        }
    }
}

impl Coded for OrderError {
    fn code(&self) -> ErrorCode {
        match self {
            OrderError::NotFound(_) => ErrorCode::NotFound,
            OrderError::OutOfStock { .. } => ErrorCode::OutOfStock,
            OrderError::LimitExceeded { .. } | OrderError::OrderLimitExceeded { .. } => {
                ErrorCode::LimitExceeded
            }
            OrderError::NotOnSaleYet { .. } => ErrorCode::NotOnSaleYet,
            OrderError::SaleEnded { .. } => ErrorCode::SaleEnded,
            OrderError::QueueRequired { .. } => ErrorCode::QueueRequired,
            OrderError::TooManyUnpaidOrders { .. } => ErrorCode::TooManyUnpaidOrders,
            OrderError::TooManyPaymentAttempts { .. } => ErrorCode::TooManyPaymentAttempts,
            OrderError::PaymentDeclined { .. } => ErrorCode::PaymentDeclined,
            OrderError::IllegalTransition { .. } => ErrorCode::IllegalTransition,
            OrderError::RefundTooLarge { .. } => ErrorCode::RefundTooLarge,
            OrderError::NotReturnable(_) => ErrorCode::Conflict,
            OrderError::Coupon(refusal) => refusal.code(),
            OrderError::IdempotencyConflict => ErrorCode::IdempotencyConflict,
            OrderError::Conflict(_) | OrderError::InFlight => ErrorCode::Conflict,
            OrderError::Forbidden(_) => ErrorCode::Forbidden,
            OrderError::Invalid(invalid) => invalid.code(),
            OrderError::Unavailable(_) => ErrorCode::ServiceUnavailable,
            OrderError::Database(error) => error.code(),
            OrderError::Internal(_) => ErrorCode::Internal,
        }
    }

    fn members(&self) -> Members {
        match self {
            OrderError::OutOfStock { product, available } => members([
                ("product_id", Value::from(product.to_string())),
                ("available", Value::from(*available)),
            ]),
            OrderError::LimitExceeded { product, limit } => members([
                ("product_id", Value::from(product.to_string())),
                ("limit", Value::from(*limit)),
                ("per", Value::from("customer")),
            ]),
            OrderError::OrderLimitExceeded { product, limit } => members([
                ("product_id", Value::from(product.to_string())),
                ("limit", Value::from(*limit)),
                ("per", Value::from("order")),
            ]),
            OrderError::NotOnSaleYet { product, starts_at } => members([
                ("product_id", Value::from(product.to_string())),
                ("starts_at", Value::from(rfc3339(*starts_at))),
            ]),
            OrderError::QueueRequired { product, refusal } => {
                let mut members = members([
                    ("product_id", Value::from(product.to_string())),
                    ("reason", Value::from(refusal.as_str())),
                ]);
                if let QueueRefusal::NotAdmitted {
                    position: Some(position),
                } = refusal
                {
                    members.insert("position".into(), Value::from(*position));
                }
                members
            }
            OrderError::SaleEnded { product, ended_at } => members([
                ("product_id", Value::from(product.to_string())),
                ("ended_at", Value::from(rfc3339(*ended_at))),
            ]),
            OrderError::TooManyUnpaidOrders { limit }
            | OrderError::TooManyPaymentAttempts { limit } => {
                members([("limit", Value::from(*limit))])
            }
            OrderError::IllegalTransition { current, requested } => members([
                ("current", Value::from(current.as_str())),
                ("requested", Value::from(requested.as_str())),
            ]),
            OrderError::RefundTooLarge { refundable } => {
                members([("refundable_cents", Value::from(*refundable))])
            }
            OrderError::PaymentDeclined { order, code } => members([
                ("order_id", Value::from(order.to_string())),
                ("decline_code", Value::from(code.as_str())),
            ]),
            OrderError::Coupon(refusal) => refusal.members(),
            _ => Members::new(),
        }
    }

    fn fields(&self) -> Vec<FieldError> {
        match self {
            OrderError::Invalid(invalid) => invalid.fields(),
            _ => Vec::new(),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        matches!(self, OrderError::InFlight).then_some(1)
    }
}

impl From<CheckoutRefusal> for OrderError {
    fn from(refusal: CheckoutRefusal) -> Self {
        match refusal {
            CheckoutRefusal::TooManyUnpaidOrders { limit } => {
                OrderError::TooManyUnpaidOrders { limit }
            }
            CheckoutRefusal::LimitExceeded { product, limit } => {
                OrderError::LimitExceeded { product, limit }
            }
        }
    }
}

impl From<JournalError> for OrderError {
    fn from(error: JournalError) -> Self {
        OrderError::Unavailable(error.to_string())
    }
}

impl From<InventoryError> for OrderError {
    fn from(error: InventoryError) -> Self {
        OrderError::Unavailable(error.to_string())
    }
}

impl From<crate::accounts::AccountError> for OrderError {
    fn from(error: crate::accounts::AccountError) -> Self {
        match error {
            crate::accounts::AccountError::Database(error) => OrderError::Database(error),
            other => OrderError::Internal(anyhow::Error::new(other)),
        }
    }
}
