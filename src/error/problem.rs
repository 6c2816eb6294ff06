//! [`ApiError`]: the error every handler returns, rendered as RFC 9457 problem+json.

use super::{Coded, ErrorCode, Members};
use crate::domain::FieldError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

/// The problem+json body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Problem {
    /// A URI naming the problem type (`about:blank` style: our stable code).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// Stable snake_case code, see the error table.
    pub code: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Members particular to a code (`product_id` of `out_of_stock`, `order_id` of
    /// `payment_declined`...).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: Members,
}

/// An error on its way to the client.
#[derive(Debug)]
pub(crate) struct ApiError {
    code: ErrorCode,
    detail: String,
    errors: Vec<FieldError>,
    members: Members,
    retry_after_secs: Option<u64>,
    /// What failed inside (`internal`, `service_unavailable`): logged with the request, never
    /// sent.
    cause: Option<String>,
}

impl ApiError {
    /// An error of `code` with a human `detail` that is safe to show to the client.
    pub(crate) fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            members: Members::new(),
            retry_after_secs: None,
            cause: None,
        }
    }

    /// A `validation_failed` error listing the offending fields.
    pub(crate) fn validation(errors: Vec<FieldError>) -> Self {
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        let detail = format!("invalid fields: {}", fields.join(", "));
        Self {
            errors,
            ..Self::new(ErrorCode::ValidationFailed, detail)
        }
    }

    /// A `validation_failed` error about one field.
    pub(crate) fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    /// An unexpected failure: the client sees a generic message, the request's log line the
    /// cause.
    pub(crate) fn internal(cause: impl fmt::Display) -> Self {
        Self {
            cause: Some(cause.to_string()),
            ..Self::new(
                ErrorCode::Internal,
                "the server failed to handle the request",
            )
        }
    }

    /// A backing service that does not answer: 503 with `Retry-After`.
    pub(crate) fn unavailable(cause: impl fmt::Display) -> Self {
        Self {
            cause: Some(cause.to_string()),
            ..Self::new(
                ErrorCode::ServiceUnavailable,
                "a backing service is not answering; try again shortly",
            )
        }
        .retry_after(5)
    }

    /// Adds a `Retry-After` header (429, 503).
    pub(crate) fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs.max(1));
        self
    }

    /// The body of this error.
    pub(crate) fn problem(&self) -> Problem {
        Problem {
            kind: format!("https://bazaar.dev/problems/{}", self.code.as_str()),
            title: self.code.title(),
            status: self.code.status().as_u16(),
            detail: self.detail.clone(),
            code: self.code.as_str(),
            errors: self.errors.clone(),
            extensions: self.members.clone(),
        }
    }
}

/// Every layer's error becomes the answer its code calls for.
impl<E: Coded> From<E> for ApiError {
    fn from(error: E) -> Self {
        let code = error.code();
        let fields = error.fields();
        let mut answer = match code {
            ErrorCode::Internal => ApiError::internal(cause_chain(&error)),
            ErrorCode::ServiceUnavailable => ApiError::unavailable(cause_chain(&error)),
            ErrorCode::ValidationFailed if !fields.is_empty() => ApiError::validation(fields),
            _ => ApiError::new(code, error.to_string()),
        };
        answer.members = error.members();
        if let Some(secs) = error.retry_after() {
            answer = answer.retry_after(secs);
        }
        answer
    }
}

/// The error and everything it wraps, outermost first.
fn cause_chain(error: &dyn std::error::Error) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !chain.ends_with(&text) {
            chain.push_str(": ");
            chain.push_str(&text);
        }
        source = cause.source();
    }
    chain
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)?;
        if let Some(cause) = &self.cause {
            write!(f, " (cause: {cause})")?;
        }
        Ok(())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        // Serializing a struct of strings, numbers and JSON values cannot fail.
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        response.body(body)
    }
}
