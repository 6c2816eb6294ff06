//! The one table of error codes and the `application/problem+json` body every error becomes.
//!
//! Each layer has its own error type that says which [`ErrorCode`] it is; this module maps codes to
//! HTTP statuses in one place, so a code always answers with the same status and body. Internal
//! causes are logged here, once, and never reach the client.

mod fallback;
mod problem;

pub(crate) use fallback::{path_error, problem_fallback};
pub use problem::{ApiError, FieldError, Problem};

use actix_web::http::StatusCode;

/// Stable, snake_case error codes of the public contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    MalformedRequest,
    ValidationFailed,
    Unauthorized,
    InvalidCredentials,
    AccountNotActivated,
    AccountDisabled,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    EmailTaken,
    OutOfStock,
    LimitExceeded,
    PaymentDeclined,
    IdempotencyConflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    ServiceUnavailable,
    Internal,
}

impl ErrorCode {
    /// Every code, for documentation and tests.
    pub const ALL: [ErrorCode; 20] = [
        ErrorCode::MalformedRequest,
        ErrorCode::ValidationFailed,
        ErrorCode::Unauthorized,
        ErrorCode::InvalidCredentials,
        ErrorCode::AccountNotActivated,
        ErrorCode::AccountDisabled,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Conflict,
        ErrorCode::EmailTaken,
        ErrorCode::OutOfStock,
        ErrorCode::LimitExceeded,
        ErrorCode::PaymentDeclined,
        ErrorCode::IdempotencyConflict,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::RateLimited,
        ErrorCode::ServiceUnavailable,
        ErrorCode::Internal,
    ];

    /// The code as it appears in the `code` field.
    pub fn as_str(self) -> &'static str {
        self.entry().0
    }

    /// The HTTP status this code is always answered with.
    pub fn status(self) -> StatusCode {
        self.entry().1
    }

    /// A short, human summary used as the problem `title`.
    pub fn title(self) -> &'static str {
        self.entry().2
    }

    fn entry(self) -> (&'static str, StatusCode, &'static str) {
        use ErrorCode::*;
        match self {
            MalformedRequest => (
                "malformed_request",
                StatusCode::BAD_REQUEST,
                "Malformed request",
            ),
            ValidationFailed => (
                "validation_failed",
                StatusCode::UNPROCESSABLE_ENTITY,
                "Validation failed",
            ),
            Unauthorized => ("unauthorized", StatusCode::UNAUTHORIZED, "Unauthorized"),
            InvalidCredentials => (
                "invalid_credentials",
                StatusCode::UNAUTHORIZED,
                "Invalid credentials",
            ),
            AccountNotActivated => (
                "account_not_activated",
                StatusCode::FORBIDDEN,
                "Account not activated",
            ),
            AccountDisabled => (
                "account_disabled",
                StatusCode::FORBIDDEN,
                "Account disabled",
            ),
            Forbidden => ("forbidden", StatusCode::FORBIDDEN, "Forbidden"),
            NotFound => ("not_found", StatusCode::NOT_FOUND, "Not found"),
            MethodNotAllowed => (
                "method_not_allowed",
                StatusCode::METHOD_NOT_ALLOWED,
                "Method not allowed",
            ),
            Conflict => ("conflict", StatusCode::CONFLICT, "Conflict"),
            EmailTaken => (
                "email_taken",
                StatusCode::CONFLICT,
                "Email already registered",
            ),
            OutOfStock => ("out_of_stock", StatusCode::CONFLICT, "Out of stock"),
            LimitExceeded => (
                "limit_exceeded",
                StatusCode::CONFLICT,
                "Per-customer limit exceeded",
            ),
            PaymentDeclined => (
                "payment_declined",
                StatusCode::PAYMENT_REQUIRED,
                "Payment declined",
            ),
            IdempotencyConflict => (
                "idempotency_conflict",
                StatusCode::UNPROCESSABLE_ENTITY,
                "Idempotency key reused with another request",
            ),
            PayloadTooLarge => (
                "payload_too_large",
                StatusCode::PAYLOAD_TOO_LARGE,
                "Payload too large",
            ),
            UnsupportedMediaType => (
                "unsupported_media_type",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type",
            ),
            RateLimited => (
                "rate_limited",
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests",
            ),
            ServiceUnavailable => (
                "service_unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                "Service unavailable",
            ),
            Internal => (
                "internal",
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal server error",
            ),
        }
    }

    /// The code that answers a bare status produced outside our handlers (routing, extractors).
    pub(crate) fn for_status(status: StatusCode) -> ErrorCode {
        match status {
            StatusCode::NOT_FOUND => ErrorCode::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
            StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
            StatusCode::FORBIDDEN => ErrorCode::Forbidden,
            StatusCode::CONFLICT => ErrorCode::Conflict,
            StatusCode::UNPROCESSABLE_ENTITY => ErrorCode::ValidationFailed,
            StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimited,
            StatusCode::SERVICE_UNAVAILABLE => ErrorCode::ServiceUnavailable,
            status if status.is_client_error() => ErrorCode::MalformedRequest,
            _ => ErrorCode::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case_and_errors() {
        let names: HashSet<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        for code in ErrorCode::ALL {
            let name = code.as_str();
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name}"
            );
            assert!(code.status().is_client_error() || code.status().is_server_error());
        }
    }

    #[test]
    fn bare_statuses_map_back_to_their_codes() {
        for code in [
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::RateLimited,
        ] {
            assert_eq!(ErrorCode::for_status(code.status()), code);
        }
        assert_eq!(
            ErrorCode::for_status(StatusCode::BAD_REQUEST),
            ErrorCode::MalformedRequest
        );
    }
}
