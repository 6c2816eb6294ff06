//! [`Password`]: a password of acceptable length, never printed.

/// A password of 10 to 128 characters. Its `Debug` output is redacted so it cannot leak into logs.
#[derive(Clone)]
pub(crate) struct Password(String);

impl Password {
    pub(crate) const MIN_CHARS: usize = 10;
    pub(crate) const MAX_CHARS: usize = 128;

    pub(crate) fn parse(raw: &str) -> Result<Self, String> {
        let length = raw.chars().count();
        if length < Self::MIN_CHARS {
            return Err(format!("must be at least {} characters", Self::MIN_CHARS));
        }
        if length > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        Ok(Self(raw.to_owned()))
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::Password;

    #[test]
    fn length_is_counted_in_characters() {
        assert!(Password::parse("ñññññññññ").is_err());
        assert!(Password::parse("ññññññññññ").is_ok());
        assert!(Password::parse(&"x".repeat(128)).is_ok());
        assert!(Password::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let password = Password::parse("correct horse battery").unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }
}
