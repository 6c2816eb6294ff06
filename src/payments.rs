//! Payments: the [`PaymentGateway`] the server charges through, and the built-in test gateway.
//!
//! Card numbers never leave this module except as brand and last four digits, and never reach a
//! log: [`Card`] redacts itself in `Debug`.

use futures_util::future::BoxFuture;
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A card as a client sends it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardFields {
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
pub struct Card {
    number: String,
    pub brand: &'static str,
    pub last4: String,
}

impl std::fmt::Debug for Card {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Card({} ending {})", self.brand, self.last4)
    }
}

impl Card {
    /// Parses `fields`, naming each bad field (prefixed by `prefix`, e.g. `payment.card.`).
    pub fn parse(
        fields: &CardFields,
        errors: &mut crate::domain::FieldErrors,
        prefix: &str,
    ) -> Option<Self> {
        let at = |name: &str| format!("{prefix}{name}");
        let number: String = fields
            .number
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let valid_number = (12..=19).contains(&number.len())
            && number.chars().all(|c| c.is_ascii_digit())
            && luhn(&number);
        if !valid_number {
            errors.add(&at("number"), "must be a valid card number");
        }
        let year = if (0..100).contains(&fields.exp_year) {
            fields.exp_year + 2000
        } else {
            fields.exp_year
        };
        let now = OffsetDateTime::now_utc();
        let (this_year, this_month) = (i64::from(now.year()), i64::from(u8::from(now.month())));
        if !(1..=12).contains(&fields.exp_month) {
            errors.add(&at("exp_month"), "must be 1 to 12");
        } else if year < this_year
            || (year == this_year && fields.exp_month < this_month)
            || year > this_year + 50
        {
            errors.add(
                &at("exp_year"),
                "the card has expired or the year is not valid",
            );
        }
        let cvc = fields.cvc.trim();
        if !(3..=4).contains(&cvc.len()) || !cvc.chars().all(|c| c.is_ascii_digit()) {
            errors.add(&at("cvc"), "must be 3 or 4 digits");
        }
        if !valid_number {
            return None;
        }
        let last4 = number[number.len() - 4..].to_owned();
        Some(Self {
            brand: brand(&number),
            last4,
            number,
        })
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

/// What the gateway said about a charge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChargeOutcome {
    /// Money taken; `reference` identifies the charge for refunds.
    Approved { reference: String },
    /// Refused, with the gateway's reason (`card_declined`, `insufficient_funds`...).
    Declined { code: &'static str },
}

/// The gateway could not be reached or failed.
#[derive(Debug, thiserror::Error)]
#[error("payment gateway error: {0}")]
pub struct GatewayError(pub String);

/// A card payment processor.
pub trait PaymentGateway: Send + Sync + 'static {
    fn charge<'a>(
        &'a self,
        card: &'a Card,
        amount_cents: i64,
        currency: &'a str,
    ) -> BoxFuture<'a, Result<ChargeOutcome, GatewayError>>;

    fn refund<'a>(
        &'a self,
        reference: &'a str,
        amount_cents: i64,
    ) -> BoxFuture<'a, Result<(), GatewayError>>;
}

/// The built-in test gateway: `4000000000000002` is declined, `4000000000009995` is declined for
/// insufficient funds, every other valid card (such as `4242424242424242`) is approved.
#[derive(Debug, Default)]
pub struct TestGateway;

impl PaymentGateway for TestGateway {
    fn charge<'a>(
        &'a self,
        card: &'a Card,
        _amount_cents: i64,
        _currency: &'a str,
    ) -> BoxFuture<'a, Result<ChargeOutcome, GatewayError>> {
        let outcome = match card.number.as_str() {
            "4000000000000002" => ChargeOutcome::Declined {
                code: "card_declined",
            },
            "4000000000009995" => ChargeOutcome::Declined {
                code: "insufficient_funds",
            },
            _ => ChargeOutcome::Approved {
                reference: format!("test_ch_{}", Uuid::now_v7().simple()),
            },
        };
        Box::pin(async move { Ok(outcome) })
    }

    fn refund<'a>(
        &'a self,
        _reference: &'a str,
        _amount_cents: i64,
    ) -> BoxFuture<'a, Result<(), GatewayError>> {
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::FieldErrors;

    fn card(number: &str, month: i64, year: i64, cvc: &str) -> (Option<Card>, String) {
        let mut errors = FieldErrors::default();
        let fields = CardFields {
            number: number.into(),
            exp_month: month,
            exp_year: year,
            cvc: cvc.into(),
        };
        let card = Card::parse(&fields, &mut errors, "card.");
        let text = errors
            .finish()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        (card, text)
    }

    #[test]
    fn valid_cards_keep_only_brand_and_last_four_visible() {
        let (parsed, errors) = card("4242 4242 4242 4242", 12, 2031, "123");
        let parsed = parsed.unwrap();
        assert_eq!(errors, "");
        assert_eq!((parsed.brand, parsed.last4.as_str()), ("visa", "4242"));
        assert!(!format!("{parsed:?}").contains("42424242"));
    }

    #[test]
    fn bad_cards_name_the_field() {
        assert!(
            card("4242424242424241", 12, 2031, "123")
                .1
                .contains("card.number"),
            "Luhn"
        );
        assert!(
            card("4242424242424242", 13, 2031, "123")
                .1
                .contains("card.exp_month")
        );
        assert!(
            card("4242424242424242", 1, 2020, "123")
                .1
                .contains("card.exp_year")
        );
        assert!(
            card("4242424242424242", 12, 2031, "12")
                .1
                .contains("card.cvc")
        );
    }

    #[tokio::test]
    async fn the_test_gateway_declines_its_test_cards() {
        let gateway = TestGateway;
        let charge = |number: &str| {
            let (card, _) = card(number, 12, 2031, "123");
            card.unwrap()
        };
        assert!(matches!(
            gateway
                .charge(&charge("4242424242424242"), 100, "EUR")
                .await
                .unwrap(),
            ChargeOutcome::Approved { .. }
        ));
        assert_eq!(
            gateway
                .charge(&charge("4000000000000002"), 100, "EUR")
                .await
                .unwrap(),
            ChargeOutcome::Declined {
                code: "card_declined"
            }
        );
        assert_eq!(
            gateway
                .charge(&charge("4000000000009995"), 100, "EUR")
                .await
                .unwrap(),
            ChargeOutcome::Declined {
                code: "insufficient_funds"
            }
        );
    }
}
