//! What the payment gateway tells Bazaar about its charges (Stripe's webhooks, verified by the
//! route): a charge that succeeded pays its order, once, even when the event arrives before the
//! gateway's answer to the charge itself, and a charge that can no longer pay its order (or that
//! was given back already) is given back (again: the refund's key makes it once). Each event is acted on once: its id is recorded after it was handled.

use super::pay::Committed;
use super::units::PaidWith;
use super::{OrderError, Orders};
use crate::domain::OrderStatus;
use crate::payments::known_brand;
use crate::payments::stripe::webhook::{Event, IntentSucceeded};

impl Orders {
    /// Acts on a verified gateway event, unless it was handled before.
    pub(crate) async fn gateway_event(&self, event: Event) -> Result<(), OrderError> {
        if self.store.gateway_event_seen(&event.id).await? {
            return Ok(());
        }
        if let Some(paid) = event.order_paid() {
            self.charge_succeeded(paid).await?;
        }
        self.store
            .record_gateway_event(&event.id, &event.kind)
            .await?;
        Ok(())
    }

    /// Pays the order of a succeeded charge if it is still pending and the charge is its total;
    /// otherwise gives the money back (unless that very charge paid it).
    async fn charge_succeeded(&self, charge: IntentSucceeded) -> Result<(), OrderError> {
        let Some(order) = self.store.order(charge.order).await? else {
            tracing::warn!(order = %charge.order, intent = charge.intent,
                "a gateway charge names an order that does not exist");
            return Ok(());
        };
        if self
            .store
            .paid_with_reference(order.id, &charge.intent)
            .await?
        {
            return Ok(());
        }
        // A charge already given back (its payment failed to land) never pays: a customer's
        // retry asks the gateway for a new one.
        let returned = self.store.charge_returned(&charge.intent).await?;
        let pays = !returned
            && order.status == OrderStatus::PendingPayment
            && charge.amount_cents == order.total_cents
            && charge.currency == order.currency;
        if pays {
            let paid_with = PaidWith::Card {
                gateway_ref: charge.intent.clone(),
                brand: known_brand(&charge.card_brand),
                last4: charge.card_last4.clone(),
            };
            // No payment lock: the request that asked for this charge may hold it, waiting for
            // the gateway, which waits for this event's answer.
            match self
                .commit_payment(&order, order.user_id, &paid_with, None)
                .await?
            {
                Committed::Paid(_) => return Ok(()),
                // The database failed: the gateway delivers the event again later.
                Committed::Failed(error) => return Err(error),
                Committed::Refused(_) => {}
            }
            if self
                .store
                .paid_with_reference(order.id, &charge.intent)
                .await?
            {
                return Ok(());
            }
        }
        tracing::warn!(order = %order.id, intent = charge.intent, status = order.status.as_str(),
            "a gateway charge cannot pay its order: refunding it");
        let key = format!("return-{}", charge.intent);
        self.gateway
            .refund(&charge.intent, charge.amount_cents, &key)
            .await
            .map_err(|error| OrderError::Unavailable(error.to_string()))
    }
}
