//! Orders: checkout (reservations through the inventory actors, one journal unit for the order),
//! payment, cancellation, hold expiry, idempotent retries, and reading orders back.

mod cancel;
mod checkout;
mod expiry;
mod idempotency;
mod model;
mod pay;
mod units;

pub use cancel::cancel_order;
use checkout::problem_body as checkout_problem_body;
pub use checkout::{
    CheckoutLine, CheckoutRequest, CustomerLocks, Shipping, ShippingMethod, checkout,
};
pub use expiry::{HoldExpiry, release_expired_holds};
pub use idempotency::IdempotencyKey;
pub use model::{Order, OrderFilter, OrderItem, get_order, list_orders};
pub use pay::{PaymentRequest, pay_order};

use crate::error::{ApiError, ErrorCode};
use bazaar_actors::inventory::InventoryError;
use bazaar_actors::journal::JournalError;
use uuid::Uuid;

/// An answer stored for idempotent replay: status and body.
#[derive(Debug, Clone)]
pub struct Stored {
    pub status: u16,
    pub body: serde_json::Value,
}

/// What can go wrong with an order.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("only {available} of product {product} available")]
    OutOfStock { product: Uuid, available: i64 },
    #[error("at most {limit} of product {product} per customer")]
    LimitExceeded { product: Uuid, limit: i64 },
    #[error("the payment was declined ({code})")]
    PaymentDeclined { order: Uuid, code: &'static str },
    #[error("this Idempotency-Key was used for another request")]
    IdempotencyConflict,
    #[error("{0}")]
    Conflict(&'static str),
    /// A request with the same Idempotency-Key is still being processed: retry shortly.
    #[error("a request with this Idempotency-Key is being processed; retry")]
    InFlight,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl OrderError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        OrderError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl OrderError {
    /// The stable code this error answers with (also a metrics label).
    pub fn code(&self) -> ErrorCode {
        match self {
            OrderError::NotFound(_) => ErrorCode::NotFound,
            OrderError::OutOfStock { .. } => ErrorCode::OutOfStock,
            OrderError::LimitExceeded { .. } => ErrorCode::LimitExceeded,
            OrderError::PaymentDeclined { .. } => ErrorCode::PaymentDeclined,
            OrderError::IdempotencyConflict => ErrorCode::IdempotencyConflict,
            OrderError::Conflict(_) | OrderError::InFlight => ErrorCode::Conflict,
            OrderError::Forbidden(_) => ErrorCode::Forbidden,
            OrderError::Invalid { .. } => ErrorCode::ValidationFailed,
            OrderError::Unavailable(_) => ErrorCode::ServiceUnavailable,
            OrderError::Database(_) | OrderError::Internal(_) => ErrorCode::Internal,
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

impl From<OrderError> for ApiError {
    fn from(error: OrderError) -> Self {
        let detail = error.to_string();
        match error {
            OrderError::NotFound(what) => ApiError::not_found(what),
            OrderError::OutOfStock { product, available } => {
                ApiError::new(ErrorCode::OutOfStock, detail)
                    .with("product_id", product.to_string())
                    .with("available", available)
            }
            OrderError::LimitExceeded { product, limit } => {
                ApiError::new(ErrorCode::LimitExceeded, detail)
                    .with("product_id", product.to_string())
                    .with("limit", limit)
            }
            OrderError::PaymentDeclined { order, code } => {
                ApiError::new(ErrorCode::PaymentDeclined, detail)
                    .with("order_id", order.to_string())
                    .with("decline_code", code)
            }
            OrderError::IdempotencyConflict => {
                ApiError::new(ErrorCode::IdempotencyConflict, detail)
            }
            OrderError::Conflict(_) => ApiError::new(ErrorCode::Conflict, detail),
            OrderError::InFlight => ApiError::new(ErrorCode::Conflict, detail).retry_after(1),
            OrderError::Forbidden(_) => ApiError::new(ErrorCode::Forbidden, detail),
            OrderError::Invalid { field, message } => ApiError::invalid_field(field, message),
            OrderError::Unavailable(cause) => ApiError::unavailable(cause),
            OrderError::Database(error) => error.into(),
            OrderError::Internal(error) => ApiError::internal(format!("{error:#}")),
        }
    }
}

/// How long to keep asking whether a unit landed when its commit went unanswered.
const UNKNOWN_OUTCOME_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Whether a journal unit whose commit went unanswered (the connection broke, the database
/// stopped) landed after all: `exists` (a `SELECT EXISTS (...)` about `id`) is asked until the
/// database answers, for up to [`UNKNOWN_OUTCOME_WAIT`]; `None` if it never did.
pub(crate) async fn landed(pool: &sqlx::PgPool, exists: &'static str, id: Uuid) -> Option<bool> {
    let deadline = tokio::time::Instant::now() + UNKNOWN_OUTCOME_WAIT;
    loop {
        match sqlx::query_scalar(exists).bind(id).fetch_one(pool).await {
            Ok(landed) => return Some(landed),
            Err(error) if tokio::time::Instant::now() >= deadline => {
                tracing::error!(%id, %error, "cannot tell whether a unit landed");
                return None;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
}

/// Now, at the microsecond precision PostgreSQL keeps, so what is answered equals what is read
/// back later.
pub(crate) fn now() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
        .unwrap_or(now)
}

/// Tells the live hub that `order` is now in its status: its customer and the sellers of its
/// lines see it.
pub(crate) fn announce(state: &crate::state::AppState, order: &Order) {
    let mut sellers: Vec<Uuid> = order.items.iter().map(|item| item.seller_id).collect();
    sellers.sort_unstable();
    sellers.dedup();
    state.hub.publish(bazaar_actors::hub::Event::Order {
        order: order.id,
        status: order.status.clone(),
        customer: order.user_id,
        sellers,
    });
}
