//! [`Coded`]: how an error of any layer says which [`ErrorCode`] it is, and the errors of the
//! libraries and actors the domain passes on.
//!
//! Each domain error enum implements it right below its variants; one blanket conversion turns
//! any of them into the problem+json answer ([`super::ApiError`]).

use super::ErrorCode;
use crate::domain::{FieldError, Invalid};
use bazaar_actors::cart::CartError;
use bazaar_actors::inventory::InventoryError;
use bazaar_actors::journal::JournalError;
use serde_json::{Map, Value};

/// Members of a problem body particular to its code (`product_id` of `out_of_stock`...).
pub(crate) type Members = Map<String, Value>;

/// Builds [`Members`] from name and value pairs.
pub(crate) fn members<const N: usize>(pairs: [(&str, Value); N]) -> Members {
    pairs
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

/// An error that knows its stable code. Its `Display` is the problem's `detail`, except for
/// `internal` and `service_unavailable`, whose `Display` is the cause that goes to the log.
pub(crate) trait Coded: std::error::Error {
    fn code(&self) -> ErrorCode;

    /// Members of the problem body particular to this error.
    fn members(&self) -> Members {
        Members::new()
    }

    /// The offending fields of a `validation_failed` error.
    fn fields(&self) -> Vec<FieldError> {
        Vec::new()
    }

    /// Seconds after which a retry may succeed (`Retry-After`).
    fn retry_after(&self) -> Option<u64> {
        None
    }
}

impl Coded for Invalid {
    fn code(&self) -> ErrorCode {
        ErrorCode::ValidationFailed
    }

    fn fields(&self) -> Vec<FieldError> {
        self.errors().to_vec()
    }
}

impl Coded for sqlx::Error {
    fn code(&self) -> ErrorCode {
        match self {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                ErrorCode::ServiceUnavailable
            }
            _ => ErrorCode::Internal,
        }
    }
}

impl Coded for redis::RedisError {
    fn code(&self) -> ErrorCode {
        ErrorCode::ServiceUnavailable
    }
}

impl Coded for JournalError {
    fn code(&self) -> ErrorCode {
        ErrorCode::ServiceUnavailable
    }
}

impl Coded for InventoryError {
    fn code(&self) -> ErrorCode {
        match self {
            InventoryError::OutOfStock { .. } => ErrorCode::OutOfStock,
            InventoryError::BelowReserved { .. } => ErrorCode::Conflict,
            InventoryError::NotFound => ErrorCode::NotFound,
            InventoryError::Unavailable(_) => ErrorCode::ServiceUnavailable,
        }
    }

    fn members(&self) -> Members {
        match self {
            InventoryError::OutOfStock { available } => {
                members([("available", Value::from(*available))])
            }
            _ => Members::new(),
        }
    }
}

impl Coded for CartError {
    fn code(&self) -> ErrorCode {
        match self {
            CartError::OutOfStock { .. } => ErrorCode::OutOfStock,
            CartError::Unavailable(_) => ErrorCode::ServiceUnavailable,
        }
    }

    fn members(&self) -> Members {
        match self {
            CartError::OutOfStock { available } => {
                members([("available", Value::from(*available))])
            }
            CartError::Unavailable(_) => Members::new(),
        }
    }
}
