//! The table of error codes: each code's name, HTTP status and title, written once.

use actix_web::http::StatusCode;

/// Declares [`ErrorCode`], its [`ErrorCode::ALL`] list and its accessors from one table.
macro_rules! error_codes {
    ($($code:ident => ($name:literal, $status:ident, $title:literal),)+) => {
        /// Stable, snake_case error codes of the public contract.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum ErrorCode {
            $($code,)+
        }

        impl ErrorCode {
            /// Every code.
            #[cfg(test)]
            pub(crate) const ALL: &'static [ErrorCode] = &[$(ErrorCode::$code,)+];

            /// The code as it appears in the `code` field.
            pub(crate) fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$code => $name,)+
                }
            }

            /// The HTTP status this code is always answered with.
            pub(crate) fn status(self) -> StatusCode {
                match self {
                    $(ErrorCode::$code => StatusCode::$status,)+
                }
            }

            /// A short, human summary used as the problem `title`.
            pub(crate) fn title(self) -> &'static str {
                match self {
                    $(ErrorCode::$code => $title,)+
                }
            }
        }
    };
}

error_codes! {
    MalformedRequest => ("malformed_request", BAD_REQUEST, "Malformed request"),
    ValidationFailed => ("validation_failed", UNPROCESSABLE_ENTITY, "Validation failed"),
    InvalidSignature => ("invalid_signature", BAD_REQUEST, "Invalid webhook signature"),
    Unauthorized => ("unauthorized", UNAUTHORIZED, "Unauthorized"),
    InvalidCredentials => ("invalid_credentials", UNAUTHORIZED, "Invalid credentials"),
    AccountNotActivated => ("account_not_activated", FORBIDDEN, "Account not activated"),
    AccountDisabled => ("account_disabled", FORBIDDEN, "Account disabled"),
    Forbidden => ("forbidden", FORBIDDEN, "Forbidden"),
    NotFound => ("not_found", NOT_FOUND, "Not found"),
    MethodNotAllowed => ("method_not_allowed", METHOD_NOT_ALLOWED, "Method not allowed"),
    Conflict => ("conflict", CONFLICT, "Conflict"),
    EmailTaken => ("email_taken", CONFLICT, "Email already registered"),
    OutOfStock => ("out_of_stock", CONFLICT, "Out of stock"),
    LimitExceeded => ("limit_exceeded", CONFLICT, "Purchase limit exceeded"),
    NotOnSaleYet => ("not_on_sale_yet", CONFLICT, "Not on sale yet"),
    SaleEnded => ("sale_ended", CONFLICT, "The sale has ended"),
    QueueRequired => ("queue_required", CONFLICT, "Admission from the waiting room required"),
    NotInQueue => ("not_in_queue", NOT_FOUND, "Not in the waiting room"),
    ImportInProgress => ("import_in_progress", CONFLICT, "An import is already running"),
    TooManyUnpaidOrders => ("too_many_unpaid_orders", CONFLICT, "Too many orders pending payment"),
    TooManyPaymentAttempts => (
        "too_many_payment_attempts",
        CONFLICT,
        "Too many declined payment attempts"
    ),
    IllegalTransition => ("illegal_transition", CONFLICT, "Illegal status transition"),
    RefundTooLarge => (
        "refund_too_large",
        CONFLICT,
        "More than may still be refunded"
    ),
    CouponCodeTaken => ("coupon_code_taken", CONFLICT, "Coupon code already in use"),
    CouponExpired => ("coupon_expired", CONFLICT, "Coupon not valid now"),
    CouponExhausted => ("coupon_exhausted", CONFLICT, "Coupon fully redeemed"),
    CouponNotApplicable => (
        "coupon_not_applicable",
        CONFLICT,
        "Coupon does not apply to this cart"
    ),
    CouponMinimumNotMet => (
        "coupon_minimum_not_met",
        CONFLICT,
        "Subtotal below the coupon's minimum"
    ),
    TooManyTopUps => ("too_many_top_ups", TOO_MANY_REQUESTS, "Too many wallet top-ups"),
    PaymentDeclined => ("payment_declined", PAYMENT_REQUIRED, "Payment declined"),
    IdempotencyConflict => (
        "idempotency_conflict",
        UNPROCESSABLE_ENTITY,
        "Idempotency key reused with another request"
    ),
    PayloadTooLarge => ("payload_too_large", PAYLOAD_TOO_LARGE, "Payload too large"),
    UnsupportedMediaType => (
        "unsupported_media_type",
        UNSUPPORTED_MEDIA_TYPE,
        "Unsupported media type"
    ),
    RateLimited => ("rate_limited", TOO_MANY_REQUESTS, "Too many requests"),
    ServiceUnavailable => ("service_unavailable", SERVICE_UNAVAILABLE, "Service unavailable"),
    Internal => ("internal", INTERNAL_SERVER_ERROR, "Internal server error"),
}

impl ErrorCode {
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
