//! Request-body and query extractors whose every failure is a precise problem+json.
//!
//! actix-web's own `Json` reports errors as text and cannot say which field was wrong; [`Json`]
//! here checks the content type (415), enforces the body limit (413), tells malformed JSON (400)
//! from well-formed JSON of the wrong shape (422 naming the field, using `serde_path_to_error`),
//! and rejects unknown fields wherever the target type says `deny_unknown_fields`.

use crate::domain::{field_error, without_position};
use crate::error::{ApiError, ErrorCode};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

/// The largest JSON body any route accepts.
pub(crate) const JSON_BODY_LIMIT: usize = 64 * 1024;

/// A JSON request body deserialized into `T`.
#[derive(Debug)]
pub(crate) struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = has_json_content_type(req);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !content_type_ok {
                return Err(ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "the body must be JSON (Content-Type: application/json)",
                ));
            }
            let bytes = body.await.map_err(|error| {
                let status = error.as_response_error().status_code();
                if status == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        ErrorCode::PayloadTooLarge,
                        format!("the body exceeds {JSON_BODY_LIMIT} bytes"),
                    )
                } else {
                    ApiError::new(ErrorCode::MalformedRequest, "the body could not be read")
                }
            })?;
            parse_json(&bytes).map(Json)
        })
    }
}

fn has_json_content_type(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
        .is_some_and(|mime| mime == "application/json" || mime.ends_with("+json"))
}

/// Turns a request body (which actix keeps on its worker thread) into a `Send` stream, for
/// consumers that need one (CSV parsing). Run the returned pump concurrently with the consumer
/// (`tokio::join!`); the bounded channel between them keeps at most a few chunks in memory.
pub(crate) fn sendable_body(
    mut payload: web::Payload,
) -> (
    impl std::future::Future<Output = ()>,
    impl futures_util::Stream<Item = std::io::Result<web::Bytes>> + Send + Unpin,
) {
    use futures_util::StreamExt;
    let (sender, receiver) = tokio::sync::mpsc::channel(8);
    let pump = async move {
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|error| std::io::Error::other(error.to_string()));
            // The consumer stopped (finished or failed): the rest of the body is not needed.
            if sender.send(chunk).await.is_err() {
                break;
            }
        }
    };
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    (pump, Box::pin(stream))
}

/// Parses `bytes` as `T`, telling syntax errors (400) from shape errors (422 naming the field).
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let message = without_position(&inner.to_string());
        if inner.classify() == serde_json::error::Category::Data {
            ApiError::validation(vec![field_error(&path, &message)])
        } else {
            malformed(&message)
        }
    })?;
    deserializer
        .end()
        .map_err(|error| malformed(&without_position(&error.to_string())))?;
    Ok(value)
}

fn malformed(message: &str) -> ApiError {
    ApiError::new(
        ErrorCode::MalformedRequest,
        format!("malformed JSON: {message}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Login {
        email: String,
        attempts: u32,
        nested: Option<Nested>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Nested {
        city: String,
    }

    fn error_of(body: &str) -> (&'static str, Option<String>) {
        let error = parse_json::<Login>(body.as_bytes()).unwrap_err();
        let field = error_field(&error);
        (error.problem().code, field)
    }

    fn error_field(error: &ApiError) -> Option<String> {
        error.problem().errors.first().map(|e| e.field.clone())
    }

    #[test]
    fn shape_errors_name_the_field() {
        let cases = [
            (r#"{"attempts": 1}"#, "email", "missing field"),
            (r#"{"email": 5, "attempts": 1}"#, "email", "wrong type"),
            (
                r#"{"email": "a", "attempts": 1, "role": "admin"}"#,
                "role",
                "unknown field",
            ),
            (
                r#"{"email": "a", "attempts": 1, "nested": {"city": 1}}"#,
                "nested.city",
                "nested wrong type",
            ),
            (
                r#"{"email": "a", "attempts": 1, "nested": {}}"#,
                "nested.city",
                "nested missing",
            ),
            (r#"1"#, "body", "not an object"),
        ];
        for (body, field, case) in cases {
            assert_eq!(
                error_of(body),
                ("validation_failed", Some(field.to_owned())),
                "{case}"
            );
        }
    }

    #[test]
    fn syntax_errors_are_malformed() {
        for body in [
            "{",
            "",
            "{\"email\": \"a\",}",
            "{\"email\":\"a\",\"attempts\":1} trailing",
        ] {
            assert_eq!(error_of(body).0, "malformed_request", "{body:?}");
        }
    }
}
