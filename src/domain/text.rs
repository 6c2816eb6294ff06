//! Free text fields: trimmed, bounded, without control characters; and the `null`-or-absent
//! distinction of partial updates.
//!
//! No text a client sends may hold NUL or another control character: PostgreSQL refuses NUL in
//! text outright, and the others only hide things from whoever reads the text. Multi-line text
//! (descriptions, review bodies) keeps tab and line breaks. Single-line text (names, titles,
//! address lines) also refuses the bidirectional embeddings, overrides and isolates, which can make
//! a name read differently from what it is (`"evil\u{202E}txt.exe"` shows as `evilexe.txt`).

use serde_json::Value;

/// Trims `raw` and checks it is between `min` and `max` characters on one line, with no control
/// or bidirectional formatting characters.
pub(crate) fn bounded_text(raw: &str, min: usize, max: usize) -> Result<String, String> {
    let text = within(raw, min, max)?;
    if text.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    if text.chars().any(|c| matches!(c, '\u{2028}' | '\u{2029}')) {
        return Err("must be one line".to_owned());
    }
    if text.chars().any(is_bidi_control) {
        return Err("must not contain bidirectional override characters".to_owned());
    }
    Ok(text.to_owned())
}

/// Trims `raw` and checks it is between `min` and `max` characters, with no control characters
/// but tab and line breaks.
pub(crate) fn multiline_text(raw: &str, min: usize, max: usize) -> Result<String, String> {
    let text = within(raw, min, max)?;
    if text.chars().any(is_forbidden_in_multiline) {
        return Err(
            "must not contain control characters other than tab and line breaks".to_owned(),
        );
    }
    Ok(text.to_owned())
}

/// Checks that no string in `value` (keys included, at any depth) holds a control character other
/// than tab and line breaks.
pub(crate) fn printable_json(value: &Value) -> Result<(), String> {
    let clean = |text: &str| !text.chars().any(is_forbidden_in_multiline);
    let printable = match value {
        Value::String(text) => clean(text),
        Value::Array(items) => return items.iter().try_for_each(printable_json),
        Value::Object(fields) => {
            for (key, value) in fields {
                if key.chars().any(char::is_control) {
                    return Err("keys must not contain control characters".to_owned());
                }
                printable_json(value)?;
            }
            true
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => true,
    };
    if printable {
        Ok(())
    } else {
        Err("must not contain control characters other than tab and line breaks".to_owned())
    }
}

/// `raw` trimmed, if it has `min` to `max` characters.
fn within(raw: &str, min: usize, max: usize) -> Result<&str, String> {
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
    Ok(text)
}

fn is_forbidden_in_multiline(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The bidirectional embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
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
        assert!(bounded_text("a\0b", 1, 5).is_err());
        assert!(bounded_text("a\nb", 1, 5).is_err(), "one line");
        assert!(bounded_text("a\u{2028}b", 1, 5).is_err(), "one line");
        assert_eq!(optional_text(Some("  "), 5), Ok(None));
    }

    #[test]
    fn single_line_text_refuses_bidirectional_overrides() {
        for c in ['\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}'] {
            assert!(
                bounded_text(&format!("evil{c}txt.exe"), 1, 20).is_err(),
                "{c:?}"
            );
        }
        assert!(
            bounded_text("שלום Ada", 1, 20).is_ok(),
            "right-to-left text itself is fine"
        );
    }

    #[test]
    fn multiline_text_keeps_tabs_and_line_breaks_only() {
        assert_eq!(
            multiline_text(" a\n\tb\r\nc ", 0, 20),
            Ok("a\n\tb\r\nc".to_owned())
        );
        assert!(multiline_text("a\0b", 0, 20).is_err());
        assert!(multiline_text("a\u{1b}[31mb", 0, 20).is_err());
        assert_eq!(multiline_text("", 0, 20), Ok(String::new()));
    }

    #[test]
    fn json_is_printable_at_every_depth() {
        use serde_json::json;
        assert!(printable_json(&json!({"a": ["x\ny", {"b": 1}]})).is_ok());
        assert!(printable_json(&json!({"a": ["x", {"b": "\u{0}"}]})).is_err());
        assert!(printable_json(&json!({"a\u{0}": 1})).is_err());
        assert!(printable_json(&json!(["\u{7f}"])).is_err());
    }
}
