//! Cards as clients send them: a valid number (Luhn), an expiry in the future and a CVC. Only
//! the brand and last four digits ever leave this module; [`Card`] redacts itself in `Debug`.

use crate::domain::{AllValid, Invalid, Parsed};
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A card as a client sends it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CardFields {
    pub number: String,
    pub exp_month: i64,
    pub exp_year: i64,
    pub cvc: String,
}

impl std::fmt::Debug for CardFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardFields(<redacted>)")
    }
}

/// A valid card: Luhn-checked number, expiry in the future, 3 or 4 digit CVC.
#[derive(Clone)]
pub(crate) struct Card {
    number: String,
    exp_month: i64,
    exp_year: i64,
    cvc: String,
    pub brand: &'static str,
    pub last4: String,
}

impl std::fmt::Debug for Card {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Card({} ending {})", self.brand, self.last4)
    }
}

impl Card {
    /// Parses `fields`, naming each bad field.
    pub(crate) fn parse(fields: &CardFields) -> Parsed<Self> {
        let number: String = fields
            .number
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let valid_number = (12..=19).contains(&number.len())
            && number.chars().all(|c| c.is_ascii_digit())
            && luhn(&number);
        let number = if valid_number {
            Ok(number)
        } else {
            Err(Invalid::field("number", "must be a valid card number"))
        };
        let year = if (0..100).contains(&fields.exp_year) {
            fields.exp_year + 2000
        } else {
            fields.exp_year
        };
        let now = OffsetDateTime::now_utc();
        let (this_year, this_month) = (i64::from(now.year()), i64::from(u8::from(now.month())));
        let expiry = if !(1..=12).contains(&fields.exp_month) {
            Err(Invalid::field("exp_month", "must be 1 to 12"))
        } else if year < this_year
            || (year == this_year && fields.exp_month < this_month)
            || year > this_year + 50
        {
            Err(Invalid::field(
                "exp_year",
                "the card has expired or the year is not valid",
            ))
        } else {
            Ok(())
        };
        let cvc = fields.cvc.trim();
        let cvc = if (3..=4).contains(&cvc.len()) && cvc.chars().all(|c| c.is_ascii_digit()) {
            Ok(())
        } else {
            Err(Invalid::field("cvc", "must be 3 or 4 digits"))
        };
        let (number, (), ()) = (number, expiry, cvc).all_valid()?;
        let last4 = number[number.len() - 4..].to_owned();
        Ok(Self {
            brand: brand(&number),
            last4,
            number,
            exp_month: fields.exp_month,
            exp_year: year,
            cvc: fields.cvc.trim().to_owned(),
        })
    }

    /// The full number, for the gateway only.
    pub(crate) fn number(&self) -> &str {
        &self.number
    }

    /// Month and four-digit year of expiry, and the CVC: for the gateway only.
    pub(crate) fn secrets(&self) -> (i64, i64, &str) {
        (self.exp_month, self.exp_year, &self.cvc)
    }
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// `name` as one of the brands [`Card`] knows (`card` for any other).
pub(crate) fn known_brand(name: &str) -> &'static str {
    ["visa", "mastercard", "amex"]
        .into_iter()
        .find(|known| *known == name)
        .unwrap_or("card")
}

fn brand(number: &str) -> &'static str {
    let prefix2: u32 = number[..2].parse().unwrap_or(0);
    let prefix4: u32 = number[..4].parse().unwrap_or(0);
    match () {
        _ if number.starts_with('4') => "visa",
        _ if (51..=55).contains(&prefix2) || (2221..=2720).contains(&prefix4) => "mastercard",
        _ if prefix2 == 34 || prefix2 == 37 => "amex",
        _ => "card",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(number: &str, month: i64, year: i64, cvc: &str) -> Result<Card, String> {
        let fields = CardFields {
            number: number.into(),
            exp_month: month,
            exp_year: year,
            cvc: cvc.into(),
        };
        Card::parse(&fields).map_err(|error| error.within("card").to_string())
    }

    #[test]
    fn valid_cards_keep_only_brand_and_last_four_visible() {
        let parsed = card("4242 4242 4242 4242", 12, 2031, "123").unwrap();
        assert_eq!((parsed.brand, parsed.last4.as_str()), ("visa", "4242"));
        assert!(!format!("{parsed:?}").contains("42424242"));
    }

    #[test]
    fn bad_cards_name_the_field() {
        let problems = |number, month, year, cvc| card(number, month, year, cvc).unwrap_err();
        assert!(
            problems("4242424242424241", 12, 2031, "123").contains("card.number"),
            "Luhn"
        );
        assert!(problems("4242424242424242", 13, 2031, "123").contains("card.exp_month"));
        assert!(problems("4242424242424242", 1, 2020, "123").contains("card.exp_year"));
        assert!(problems("4242424242424242", 12, 2031, "12").contains("card.cvc"));
    }
}
