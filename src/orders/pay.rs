//! Paying an order: charge the card (outside any actor), then one journal unit that marks the
//! order paid, sells its held units, redeems its coupon and, for a wallet payment, debits the
//! wallet. A charge whose unit cannot land is refunded at once.

use super::idempotency::{IdempotencyKey, recorded};
use super::model::{Order, OrderEvent, PaymentRecord, PaymentStatus};
use super::outcome::{Declined, PaymentOutcome};
use super::store::UnpaidAttempt;
use super::unanswered::stored_after_all;
use super::units::{PaidWith, PaymentRefusal, PaymentWork, RecordFor};
use super::{OrderError, Orders, announce};
use crate::clock;
use crate::coupons::Redemption;
use crate::domain::{Caller, OrderStatus};
use crate::payments::{Card, ChargeOutcome, ChargeRequest, DeclineCode, Purpose};
use bazaar_actors::journal::JournalError;
use tracing::Instrument;
use uuid::Uuid;

/// How an order is paid.
#[derive(Debug)]
pub(crate) enum PaymentMeans {
    Card(Card),
    /// From the customer's wallet.
    Wallet,
}

/// A parsed payment of an order.
#[derive(Debug)]
pub(crate) struct PaymentRequest {
    pub order: Uuid,
    pub means: PaymentMeans,
    pub idempotency: Option<IdempotencyKey>,
}

/// What committing a payment did.
pub(super) enum Committed {
    /// The payment is durable; the order as it now reads.
    Paid(Box<Order>),
    /// The order could no longer be paid, or (with a reason) its coupon or the wallet refused;
    /// nothing was written.
    Refused(Option<PaymentRefusal>),
    /// The database failed; nothing was written.
    Failed(OrderError),
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
            .charge_and_commit(&order, caller.id, &request.means, record_for)
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

    /// Charges `means` for `order` and, if approved, commits the payment.
    pub(crate) async fn charge_and_commit(
        &self,
        order: &Order,
        payer: Uuid,
        means: &PaymentMeans,
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
        // Refused before any money moves when the coupon is already spent or expired; the
        // payment's unit checks again on the locked coupon.
        if let Some(coupon) = order.coupon_id {
            let coupon = self
                .coupons
                .by_id(coupon)
                .await?
                .ok_or(OrderError::NotFound("coupon"))?;
            self.coupons.check(&coupon, order.user_id).await?;
        }
        // Held until the attempt is recorded: parallel attempts cannot all pass the count.
        let lock = self.payment_locks.lock_for(order.id);
        let _attempt = lock.lock().await;
        let paid_with = match means {
            // A coupon took everything and shipping is free: nothing to charge, nothing to take
            // from a wallet (its payment reads as a wallet payment of 0).
            _ if order.total_cents == 0 => PaidWith::Wallet,
            PaymentMeans::Card(card) => match self.charge_card(order, card).await? {
                Ok(paid_with) => paid_with,
                Err(code) => return Ok(Charged::Declined(code)),
            },
            PaymentMeans::Wallet if order.currency != self.wallet_currency => {
                return Err(OrderError::invalid(
                    "method",
                    format!(
                        "the wallet holds {}; this order is in {}",
                        self.wallet_currency, order.currency
                    ),
                ));
            }
            PaymentMeans::Wallet => PaidWith::Wallet,
        };
        let committed = self
            .commit_payment(order, payer, &paid_with, record_for.clone())
            .await?;
        let (refusal, failure) = match committed {
            Committed::Paid(paid) => return Ok(Charged::Paid(paid)),
            Committed::Refused(refusal) => (refusal, None),
            Committed::Failed(error) => (None, Some(error)),
        };
        if let (PaidWith::Card { gateway_ref, .. }, PaymentMeans::Card(card)) = (&paid_with, means)
        {
            // Paid meanwhile by this very charge: its webhook was faster than its answer.
            if let Some(paid) = self.paid_by(order.id, gateway_ref).await? {
                if let Some(to) = &record_for {
                    self.record_paid_outcome(to, &paid).await?;
                }
                return Ok(Charged::Paid(paid));
            }
            // Otherwise the order expired or was cancelled meanwhile, its coupon ran out, or the
            // database failed: give the money back.
            self.return_charge(order, gateway_ref, card).await?;
        }
        match (failure, refusal) {
            (Some(error), _) => Err(error),
            (None, Some(PaymentRefusal::Coupon(refusal))) => Err(refusal.into()),
            (None, Some(PaymentRefusal::InsufficientFunds)) => {
                Ok(Charged::Declined(DeclineCode::InsufficientFunds))
            }
            (None, None) => Err(OrderError::Conflict("the order can no longer be paid")),
        }
    }

    /// Commits a payment `paid_with` of `order` in one journal unit (with its coupon's
    /// redemption and, for the wallet, the debit); refused if the order can no longer be paid or
    /// the coupon or the wallet refuses. Whoever charged gives the money back when it did not
    /// land.
    pub(super) async fn commit_payment(
        &self,
        order: &Order,
        payer: Uuid,
        paid_with: &PaidWith,
        record_for: Option<RecordFor>,
    ) -> Result<Committed, OrderError> {
        let at = clock::now();
        let payment = Uuid::now_v7();
        let paid = paid_order(order, payer, payment, paid_with, at);
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
            paid_with: paid_with.clone(),
            coupon: order.coupon_id.map(|coupon| Redemption {
                coupon,
                customer: order.user_id,
                order: order.id,
                discount_cents: order.discount_cents,
                at,
            }),
            at,
            idempotency,
            committed: Default::default(),
            refusal: Default::default(),
        };
        let committed = work.committed.clone();
        let refusal = work.refusal.clone();
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
                    tracing::error!(order = %order.id, %payment, paid_with = ?paid_with.gateway_ref(),
                        "paid, but the database did not say whether the payment was stored: reconcile");
                    return Err(OrderError::Unavailable(format!(
                        "paid order {}, but the database did not say whether payment {payment} \
                         was stored: reconcile",
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
                Ok(Committed::Paid(Box::new(paid)))
            }
            Ok(false) => Ok(Committed::Refused(refusal.get())),
            Err(error) => Ok(Committed::Failed(error.into())),
        }
    }

    /// `order` as it reads now, if a succeeded payment with `reference` paid it.
    async fn paid_by(
        &self,
        order: Uuid,
        reference: &str,
    ) -> Result<Option<Box<Order>>, OrderError> {
        let Some(read) = self.store.order(order).await? else {
            return Ok(None);
        };
        let paid = self.store.paid_with_reference(order, reference).await?;
        Ok(paid.then(|| Box::new(read)))
    }

    /// Charges `card` for `order`, recording a decline; what paid, or the decline.
    async fn charge_card(
        &self,
        order: &Order,
        card: &Card,
    ) -> Result<Result<PaidWith, DeclineCode>, OrderError> {
        let limit = self.rules.max_payment_declines;
        let (declined, attempts) = self.store.payment_attempts(order.id).await?;
        if declined >= limit {
            return Err(OrderError::TooManyPaymentAttempts { limit });
        }
        // A retry of an attempt whose answer was lost (a timeout) asks with the same key, so a
        // gateway that keeps keys answers the first charge instead of charging twice; an attempt
        // that was recorded (declined, or charged and given back) makes the next one new.
        let (month, year, _) = card.secrets();
        let request = ChargeRequest {
            card,
            amount_cents: order.total_cents,
            currency: &order.currency,
            purpose: Purpose::Order(order.id),
            idempotency_key: format!(
                "order-{}-{}",
                order.id,
                self.fingerprints.tag(&[
                    card.number().as_bytes(),
                    &month.to_be_bytes(),
                    &year.to_be_bytes(),
                    &attempts.to_be_bytes(),
                ])
            ),
        };
        let charged = self
            .gateway
            .charge(&request)
            .await
            .map_err(|error| OrderError::Unavailable(error.to_string()))?;
        match charged {
            ChargeOutcome::Approved { reference } => Ok(Ok(PaidWith::Card {
                gateway_ref: reference,
                brand: card.brand,
                last4: card.last4.clone(),
            })),
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
                Ok(Err(code))
            }
        }
    }

    /// Records that the charge `reference` did not pay `order`, then refunds it. Recorded
    /// first: the record is what makes the next attempt ask the gateway anew (its key counts the
    /// attempts recorded) and what stops a late webhook from paying with the refunded charge. If
    /// it cannot be recorded, the money stays charged and a retry gets the same charge back.
    async fn return_charge(
        &self,
        order: &Order,
        reference: &str,
        card: &Card,
    ) -> Result<(), OrderError> {
        self.store
            .record_unpaid_attempt(UnpaidAttempt {
                order,
                card,
                status: PaymentStatus::Refunded,
                reference: Some(reference),
                decline: None,
            })
            .await?;
        let key = format!("return-{reference}");
        if let Err(error) = self
            .gateway
            .refund(reference, order.total_cents, &key)
            .await
        {
            tracing::error!(%error, reference, "refund of an unrecorded charge failed: reconcile");
        }
        Ok(())
    }

    /// Records `paid` as the answer to the request `to` names, for its retries.
    async fn record_paid_outcome(&self, to: &RecordFor, paid: &Order) -> Result<(), OrderError> {
        match to {
            RecordFor::Payment(key) => {
                let outcome = recorded(&PaymentOutcome::Paid(Box::new(paid.clone())))?;
                self.store.record_outcome(key, &outcome).await?;
            }
            RecordFor::Checkout(key) => {
                let outcome = recorded(&super::outcome::CheckoutOutcome::Placed(Box::new(
                    paid.clone(),
                )))?;
                self.store.replace_outcome(key, &outcome).await?;
            }
        }
        Ok(())
    }
}

/// The order as it reads once the payment commits.
fn paid_order(
    order: &Order,
    payer: Uuid,
    payment: Uuid,
    paid_with: &PaidWith,
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
        method: paid_with.method(),
        status: PaymentStatus::Succeeded,
        card_brand: paid_with.card_brand().map(Into::into),
        card_last4: paid_with.card_last4().map(Into::into),
        decline_code: None,
        created_at: at,
    });
    paid
}
