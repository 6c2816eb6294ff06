//! [`PersonName`]: how a user is addressed.

use super::bounded_text;

/// A trimmed name of 1 to 100 characters without control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PersonName(String);

impl PersonName {
    pub(crate) fn parse(raw: &str) -> Result<Self, String> {
        bounded_text(raw, 1, 100).map(Self)
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::PersonName;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(PersonName::parse("  Ada  ").unwrap().as_str(), "Ada");
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"a".repeat(101)).is_err());
        assert!(PersonName::parse("Ada\u{0}").is_err());
    }
}
