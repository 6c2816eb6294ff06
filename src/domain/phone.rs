//! [`Phone`]: a phone number in international form.

/// A phone number normalized to `+` followed by 7 to 15 digits (E.164). Spaces, dashes, dots
/// and parentheses that people type are accepted and removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Phone(String);

impl Phone {
    pub(crate) fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        let Some(rest) = trimmed.strip_prefix('+') else {
            return Err("must start with + and the country code, like +44 20 7946 0958".into());
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err("may contain only digits, spaces, dashes and parentheses".into()),
            }
        }
        if !(7..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err("must have 7 to 15 digits after +, not starting with 0".into());
        }
        Ok(Self(format!("+{digits}")))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Phone;

    #[test]
    fn normalizes_typed_numbers() {
        assert_eq!(
            Phone::parse(" +44 (20) 7946-0958 ").unwrap().as_str(),
            "+442079460958"
        );
    }

    #[test]
    fn rejects_other_input() {
        for case in [
            "",
            "020 7946 0958",
            "+44abc",
            "+123",
            "+0123456789",
            "+1234567890123456",
        ] {
            assert!(Phone::parse(case).is_err(), "{case:?}");
        }
    }
}
