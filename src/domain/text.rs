//! Free text fields: trimmed, bounded, without control characters; and the `null`-or-absent
//! distinction of partial updates.

/// Trims `raw` and checks it is between `min` and `max` characters with no control characters.
pub(crate) fn bounded_text(raw: &str, min: usize, max: usize) -> Result<String, String> {
    let text = raw.trim();
    let length = text.chars().count();
    if length < min {
        return Err(if min == 1 {
            "must not be empty".to_owned()
        } else {
            format!("must be at least {min} characters")
        });
    }
    if length > max {
        return Err(format!("must be at most {max} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    Ok(text.to_owned())
}

/// Parses an optional text field: absent or blank is `None`.
pub(crate) fn optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => bounded_text(text, 1, max).map(Some),
    }
}

/// Deserializes a field that may be absent (outer `None`, through `#[serde(default)]`) or `null`
/// (`Some(None)`), for partial updates where `null` clears a value.
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_bounded_and_printable() {
        assert_eq!(bounded_text("  Ada ", 1, 10), Ok("Ada".to_owned()));
        assert!(bounded_text(" ", 1, 10).is_err());
        assert!(bounded_text("abcdef", 1, 5).is_err());
        assert!(bounded_text("a\u{7}b", 1, 5).is_err());
        assert_eq!(optional_text(Some("  "), 5), Ok(None));
    }
}
