//! Paying an order: charge the card (outside any actor), then one journal unit that marks the
//! order paid and sells its held units. A charge whose unit cannot land is refunded at once.

use super::idempotency::{IdempotencyKey, recorded};
use super::model::{Order, OrderEvent, PaymentRecord, PaymentStatus};
use super::outcome::{Declined, PaymentOutcome};
use super::store::UnpaidAttempt;
use super::unanswered::stored_after_all;
use super::units::{PaymentWork, RecordFor};
use super::{OrderError, Orders, announce};
use crate::clock;
use crate::domain::{Caller, OrderStatus, PaymentMethod};
use crate::payments::{Card, ChargeOutcome, DeclineCode};
use bazaar_actors::journal::JournalError;
use tracing::Instrument;
use uuid::Uuid;

/// A parsed payment of an order.
#[derive(Debug)]
pub(crate) struct PaymentRequest {
    pub order: Uuid,
    pub card: Card,
    pub idempotency: Option<IdempotencyKey>,
}

/// What charging an order did.
pub(crate) enum Charged {
    /// The payment is durable; the order as it now reads.
    Paid(Box<Order>),
    /// The card was refused (the attempt is recorded).
    Declined(DeclineCode),
}

impl Orders {
    /// Pays `request.order`, which must be the caller's; a retry with the same key gets the same
    /// outcome. Like a checkout, it runs to its end even if the caller stops waiting.
    #[tracing::instrument(skip_all, fields(order = %request.order))]
    pub(crate) async fn pay(
        &self,
        caller: Caller,
        request: PaymentRequest,
    ) -> Result<PaymentOutcome, OrderError> {
        let orders = self.clone();
        let paying = async move { orders.pay_order(caller, request).await };
        tokio::task::spawn_local(paying.in_current_span())
            .await
            .map_err(|error| OrderError::Internal(error.into()))?
    }

    async fn pay_order(
        &self,
        caller: Caller,
        request: PaymentRequest,
    ) -> Result<PaymentOutcome, OrderError> {
        if let Some(key) = &request.idempotency
            && let Some(outcome) = key.replay(&self.store).await?
        {
            return Ok(outcome);
        }
        let order = self.order(caller, request.order).await?;
        if order.user_id != caller.id {
            return Err(OrderError::NotFound("order"));
        }
        let record_for = request.idempotency.clone().map(RecordFor::Payment);
        match self
            .charge_and_commit(&order, caller.id, &request.card, record_for)
            .await
        {
            Ok(Charged::Paid(order)) => Ok(PaymentOutcome::Paid(order)),
            Ok(Charged::Declined(code)) => {
                let declined = PaymentOutcome::Declined(Declined {
                    order: order.id,
                    code,
                });
                if let Some(key) = &request.idempotency {
                    self.store
                        .record_outcome(key, &recorded(&declined)?)
                        .await?;
                }
                Ok(declined)
            }
            Err(OrderError::Conflict(detail)) => {
                // A concurrent request with the same key may have paid: answer what it did.
                if let Some(key) = &request.idempotency
                    && let Some(outcome) = key.replay(&self.store).await?
                {
                    return Ok(outcome);
                }
                Err(OrderError::Conflict(detail))
            }
            Err(error) => Err(error),
        }
    }

    /// Charges `card` for `order` and, if approved, commits the payment.
    pub(crate) async fn charge_and_commit(
        &self,
        order: &Order,
        payer: Uuid,
        card: &Card,
        record_for: Option<RecordFor>,
    ) -> Result<Charged, OrderError> {
        if order.status != OrderStatus::PendingPayment {
            return Err(OrderError::Conflict(
                "only an order pending payment can be paid",
            ));
        }
        if order.payment_due_at <= time::OffsetDateTime::now_utc() {
            return Err(OrderError::Conflict(
                "the order's hold has expired; it can no longer be paid",
            ));
        }
        // Held until the attempt is recorded: parallel attempts cannot all pass the count.
        let lock = self.payment_locks.lock_for(order.id);
        let _attempt = lock.lock().await;
        let limit = self.rules.max_payment_declines;
        if self.store.declined_payments(order.id).await? >= limit {
            return Err(OrderError::TooManyPaymentAttempts { limit });
        }
        let charged = self
            .gateway
            .charge(card, order.total_cents, &order.currency)
            .await
            .map_err(|error| OrderError::Unavailable(error.to_string()))?;
        let reference = match charged {
            ChargeOutcome::Approved { reference } => reference,
            ChargeOutcome::Declined { code } => {
                self.store
                    .record_unpaid_attempt(UnpaidAttempt {
                        order,
                        card,
                        status: PaymentStatus::Declined,
                        reference: None,
                        decline: Some(code),
                    })
                    .await?;
                return Ok(Charged::Declined(code));
            }
        };
        let at = clock::now();
        let payment = Uuid::now_v7();
        let paid = paid_order(order, payer, payment, card, at);
        let idempotency = match record_for {
            Some(to) => {
                let outcome = match &to {
                    RecordFor::Payment(_) => {
                        recorded(&PaymentOutcome::Paid(Box::new(paid.clone())))?
                    }
                    RecordFor::Checkout(_) => recorded(&super::outcome::CheckoutOutcome::Placed(
                        Box::new(paid.clone()),
                    ))?,
                };
                Some((to, outcome))
            }
            None => None,
        };
        let work = PaymentWork {
            order: order.id,
            payer,
            payment,
            amount_cents: order.total_cents,
            currency: order.currency.clone(),
            gateway_ref: reference.clone(),
            card_brand: card.brand,
            card_last4: card.last4.clone(),
            at,
            idempotency,
            committed: Default::default(),
        };
        let committed = work.committed.clone();
        let mut outcome = self.journal.write(work).await;
        if let Err(JournalError::Unavailable(_)) = &outcome {
            // The commit went unanswered: ask the database whether the payment landed.
            match stored_after_all(payment, |id| self.store.payment_exists(id)).await {
                Some(true) => outcome = Ok(true),
                Some(false) => {}
                // Unknown: neither keep the money for an unpaid order nor refund a paid one
                // blindly.
                None => {
                    // Logged here: a client that hung up would never see the error below.
                    tracing::error!(order = %order.id, %payment, %reference,
                        "charged, but the database did not say whether the payment was stored: reconcile");
                    return Err(OrderError::Unavailable(format!(
                        "charged {reference} for order {}, but the database did not say whether \
                         payment {payment} was stored: reconcile",
                        order.id
                    )));
                }
            }
        }
        match outcome {
            Ok(true) => {
                for hold in committed.get().unwrap_or_default() {
                    self.inventory.commit(hold.product_id, hold.id).await;
                }
                announce(&self.hub, &paid);
                Ok(Charged::Paid(Box::new(paid)))
            }
            refused_or_failed => {
                // The order expired or was cancelled meanwhile, or the database failed: give the
                // money back.
                if let Err(error) = self.gateway.refund(&reference, order.total_cents).await {
                    tracing::error!(%error, reference, "refund of an unrecorded charge failed");
                }
                self.store
                    .record_unpaid_attempt(UnpaidAttempt {
                        order,
                        card,
                        status: PaymentStatus::Refunded,
                        reference: Some(&reference),
                        decline: None,
                    })
                    .await?;
                match refused_or_failed {
                    Ok(_) => Err(OrderError::Conflict("the order can no longer be paid")),
                    Err(error) => Err(error.into()),
                }
            }
        }
    }
}

/// The order as it reads once the payment commits.
fn paid_order(
    order: &Order,
    payer: Uuid,
    payment: Uuid,
    card: &Card,
    at: time::OffsetDateTime,
) -> Order {
    let mut paid = order.clone();
    paid.status = OrderStatus::Paid;
    paid.updated_at = at;
    paid.events.push(OrderEvent {
        status: OrderStatus::Paid,
        by: Some(payer),
        note: None,
        at,
    });
    paid.payments.push(PaymentRecord {
        id: payment,
        amount_cents: order.total_cents,
        currency: order.currency.clone(),
        method: PaymentMethod::Card,
        status: PaymentStatus::Succeeded,
        card_brand: Some(card.brand.into()),
        card_last4: Some(card.last4.clone()),
        decline_code: None,
        created_at: at,
    });
    paid
}
