//! The built-in test gateway: `4000000000000002` is declined, `4000000000009995` is declined for
//! insufficient funds, every other valid card (such as `4242424242424242`) is approved.

use super::{ChargeOutcome, ChargeRequest, DeclineCode, GatewayError, PaymentGateway};
use futures_util::future::BoxFuture;
use uuid::Uuid;

/// A gateway that answers at once, by card number.
#[derive(Debug, Default)]
pub(crate) struct TestGateway;

impl PaymentGateway for TestGateway {
    fn charge<'a>(
        &'a self,
        request: &'a ChargeRequest<'a>,
    ) -> BoxFuture<'a, Result<ChargeOutcome, GatewayError>> {
        let outcome = match request.card.number() {
            "4000000000000002" => ChargeOutcome::Declined {
                code: DeclineCode::CardDeclined,
            },
            "4000000000009995" => ChargeOutcome::Declined {
                code: DeclineCode::InsufficientFunds,
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
        _idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<(), GatewayError>> {
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::{Card, CardFields, Purpose};

    fn card(number: &str) -> Card {
        Card::parse(&CardFields {
            number: number.into(),
            exp_month: 12,
            exp_year: 2031,
            cvc: "123".into(),
        })
        .unwrap()
    }

    #[tokio::test]
    async fn the_test_gateway_declines_its_test_cards() {
        let gateway = &TestGateway;
        let charge = |number| async move {
            let card = card(number);
            let request = ChargeRequest {
                card: &card,
                amount_cents: 100,
                currency: "EUR",
                purpose: Purpose::Order(Uuid::nil()),
                idempotency_key: "k".into(),
            };
            gateway.charge(&request).await
        };
        assert!(matches!(
            charge("4242424242424242").await.unwrap(),
            ChargeOutcome::Approved { .. }
        ));
        assert_eq!(
            charge("4000000000000002").await.unwrap(),
            ChargeOutcome::Declined {
                code: DeclineCode::CardDeclined
            }
        );
        assert_eq!(
            charge("4000000000009995").await.unwrap(),
            ChargeOutcome::Declined {
                code: DeclineCode::InsufficientFunds
            }
        );
    }
}
