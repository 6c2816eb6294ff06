//! Validation that reports every bad field at once, without a state where parsing "succeeded"
//! but a value is missing.
//!
//! Each field parses to a [`Parsed<T>`]; [`AllValid::all_valid`] turns a tuple of them into the
//! tuple of values, or into one [`Invalid`] listing the problems of every field. A nested value
//! (an address inside a checkout) parses the same way and is moved under its parent's name with
//! [`Invalid::within`].

use serde::Serialize;
use utoipa::ToSchema;

/// One offending input field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub(crate) struct FieldError {
    /// The field's path in the request (`email`, `shipping_address.country`, `page`).
    pub field: String,
    /// What is wrong with it, for a human.
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Input that did not parse: one or more fields, each with what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid fields: {}", self.names())]
pub(crate) struct Invalid(Vec<FieldError>);

impl Invalid {
    /// `field` is wrong because of `message`.
    pub(crate) fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, message)])
    }

    /// Several fields are wrong (an empty list is not a problem: use [`Invalid::field`]).
    pub(crate) fn fields(errors: Vec<FieldError>) -> Self {
        Self(errors)
    }

    /// The fields and their problems.
    pub(crate) fn errors(&self) -> &[FieldError] {
        &self.0
    }

    pub(crate) fn into_errors(self) -> Vec<FieldError> {
        self.0
    }

    /// The same problems, for a value found under `parent` (`within("items[2]")` turns `qty`
    /// into `items[2].qty`).
    pub(crate) fn within(self, parent: &str) -> Self {
        Self(
            self.0
                .into_iter()
                .map(|error| FieldError::new(format!("{parent}.{}", error.field), error.message))
                .collect(),
        )
    }

    fn names(&self) -> String {
        let names: Vec<&str> = self.0.iter().map(|error| error.field.as_str()).collect();
        names.join(", ")
    }
}

/// A value parsed from input, or why it could not be.
pub(crate) type Parsed<T> = Result<T, Invalid>;

/// Names the problem of a parser under `name`.
pub(crate) fn field<T>(name: &str, parsed: Result<T, String>) -> Parsed<T> {
    parsed.map_err(|message| Invalid::field(name, message))
}

/// An optional field: absent stays absent, present must parse.
pub(crate) fn optional<R, T>(
    name: &str,
    raw: Option<R>,
    parse: impl FnOnce(R) -> Result<T, String>,
) -> Parsed<Option<T>> {
    raw.map(|raw| field(name, parse(raw))).transpose()
}

/// A tuple of parsed values: all of them, or the problems of every one that failed.
pub(crate) trait AllValid {
    type Values;

    fn all_valid(self) -> Parsed<Self::Values>;
}

macro_rules! all_valid_tuple {
    ($($value:ident),+) => {
        impl<$($value),+> AllValid for ($(Parsed<$value>,)+) {
            type Values = ($($value,)+);

            #[allow(non_snake_case)]
            fn all_valid(self) -> Parsed<Self::Values> {
                let ($($value,)+) = self;
                match ($($value,)+) {
                    ($(Ok($value),)+) => Ok(($($value,)+)),
                    ($($value,)+) => {
                        let mut errors = Vec::new();
                        $(if let Err(invalid) = $value {
                            errors.extend(invalid.into_errors());
                        })+
                        Err(Invalid::fields(errors))
                    }
                }
            }
        }
    };
}

all_valid_tuple!(A);
all_valid_tuple!(A, B);
all_valid_tuple!(A, B, C);
all_valid_tuple!(A, B, C, D);
all_valid_tuple!(A, B, C, D, E);
all_valid_tuple!(A, B, C, D, E, F);
all_valid_tuple!(A, B, C, D, E, F, G);
all_valid_tuple!(A, B, C, D, E, F, G, H);
all_valid_tuple!(A, B, C, D, E, F, G, H, I);
all_valid_tuple!(A, B, C, D, E, F, G, H, I, J);
all_valid_tuple!(A, B, C, D, E, F, G, H, I, J, K);
all_valid_tuple!(A, B, C, D, E, F, G, H, I, J, K, L);

#[cfg(test)]
mod tests {
    use super::*;

    fn positive(n: i64) -> Result<i64, String> {
        if n > 0 {
            Ok(n)
        } else {
            Err("must be positive".into())
        }
    }

    #[test]
    fn all_values_or_every_problem() {
        let ok = (field("a", positive(1)), field("b", positive(2))).all_valid();
        assert_eq!(ok, Ok((1, 2)));
        let bad = (
            field("a", positive(0)),
            field("b", positive(2)),
            field("c", positive(-1)),
        )
            .all_valid()
            .unwrap_err();
        let names: Vec<&str> = bad.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
        assert_eq!(bad.to_string(), "invalid fields: a, c");
    }

    #[test]
    fn nested_problems_are_named_under_their_parent() {
        let invalid = Invalid::field("country", "bad").within("shipping_address");
        assert_eq!(invalid.errors()[0].field, "shipping_address.country");
    }

    #[test]
    fn optional_fields_parse_only_when_present() {
        assert_eq!(optional("n", None, positive), Ok(None));
        assert_eq!(optional("n", Some(3), positive), Ok(Some(3)));
        assert!(optional("n", Some(0), positive).is_err());
    }
}
