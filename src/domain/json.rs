//! JSON into typed inputs, naming the offending field: serde names a missing field only in its
//! message and gives the path of the rest, which this turns into the field's path.

use super::FieldError;
use serde::de::DeserializeOwned;

/// Converts an already parsed JSON value into `T`, naming the offending field on failure.
pub(crate) fn from_json_value<T: DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        field_error(&path, &without_position(&error.into_inner().to_string()))
    })
}

/// The field a serde error at `path` with `message` is about: serde names a missing or unknown
/// field only in its message (the path stops at its parent).
pub(crate) fn field_error(path: &str, message: &str) -> FieldError {
    let parent = if path == "." { "" } else { path };
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    let field = match named {
        Some(name) if parent == name || parent.ends_with(&format!(".{name}")) => parent.to_owned(),
        Some(name) if parent.is_empty() => name.to_owned(),
        Some(name) => format!("{parent}.{name}"),
        None if parent.is_empty() => "body".to_owned(),
        None => parent.to_owned(),
    };
    FieldError::new(field, message)
}

/// A serde message without its "at line 1 column 5" tail.
pub(crate) fn without_position(message: &str) -> String {
    match message.rsplit_once(" at line ") {
        Some((head, _)) => head.to_owned(),
        None => message.to_owned(),
    }
}
