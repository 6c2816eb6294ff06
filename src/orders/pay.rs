//! Paying an order: charge the card (outside any actor), then one journal unit that marks the
//! order paid and sells its held units. A charge whose unit cannot land is refunded at once.

use super::cancel::Shared;
use super::idempotency::IdempotencyKey;
use super::model::{Order, OrderEvent, PaymentRecord, get_order};
use super::units::{Captured, PaymentWork};
use super::{OrderError, Stored, now};
use crate::auth::AuthUser;
use crate::payments::{Card, ChargeOutcome};
use crate::state::AppState;
use bazaar_actors::journal::JournalError;
use serde_json::json;
use uuid::Uuid;

/// Whether a payment is stored.
const PAYMENT_EXISTS: &str = "SELECT EXISTS (SELECT 1 FROM payments WHERE id = $1)";

/// A parsed payment of an order.
#[derive(Debug)]
pub struct PaymentRequest {
    pub order: Uuid,
    pub card: Card,
    pub idempotency: Option<IdempotencyKey>,
}

/// Pays `request.order`, which must be the caller's; answers the paid order (200) or the decline
/// (402), and a retry with the same key gets the same answer.
#[tracing::instrument(skip_all, fields(order = %request.order))]
pub async fn pay_order(
    state: &AppState,
    caller: &AuthUser,
    request: PaymentRequest,
) -> Result<Stored, OrderError> {
    if let Some(key) = &request.idempotency
        && let Some(stored) = key.replay(&state.pool).await?
    {
        return Ok(stored);
    }
    let order = get_order(&state.pool, caller, request.order).await?;
    if order.user_id != caller.id {
        return Err(OrderError::NotFound("order"));
    }
    let answer_to = request.idempotency.clone().map(AnswerTo::Payment);
    match charge_and_commit(state, &order, caller.id, &request.card, answer_to).await {
        Ok(order) => Ok(Stored {
            status: 200,
            body: json!(order),
        }),
        Err(declined @ OrderError::PaymentDeclined { .. }) => {
            let error = crate::error::ApiError::from(declined);
            let answer = Stored {
                status: 402,
                body: super::checkout_problem_body(&error),
            };
            if let Some(key) = &request.idempotency {
                let mut connection = state.pool.acquire().await?;
                key.record(&mut connection, &answer).await?;
            }
            Ok(answer)
        }
        Err(OrderError::Conflict(detail)) => {
            // A concurrent request with the same key may have paid: answer what it answered.
            if let Some(key) = &request.idempotency
                && let Some(stored) = key.replay(&state.pool).await?
            {
                return Ok(stored);
            }
            Err(OrderError::Conflict(detail))
        }
        Err(error) => Err(error),
    }
}

/// The request whose Idempotency-Key gets the paid answer, in the payment's own transaction (so
/// a retry after a crash replays `paid`, never a stale `pending_payment`).
pub(super) enum AnswerTo {
    /// `POST /orders/{id}/pay`: a new record, 200 with the order.
    Payment(IdempotencyKey),
    /// A checkout that paid at once: its record is replaced, 201 with `{order}`.
    Checkout(IdempotencyKey),
}

/// Charges `card` for `order` and, if approved, commits the payment; the paid order.
pub(super) async fn charge_and_commit(
    state: &AppState,
    order: &Order,
    payer: Uuid,
    card: &Card,
    answer_to: Option<AnswerTo>,
) -> Result<Order, OrderError> {
    if order.status != "pending_payment" {
        return Err(OrderError::Conflict(
            "only an order pending payment can be paid",
        ));
    }
    if order.payment_due_at <= time::OffsetDateTime::now_utc() {
        return Err(OrderError::Conflict(
            "the order's hold has expired; it can no longer be paid",
        ));
    }
    let charged = state
        .gateway
        .charge(card, order.total_cents, &order.currency)
        .await
        .map_err(|error| OrderError::Unavailable(error.to_string()))?;
    let reference = match charged {
        ChargeOutcome::Approved { reference } => reference,
        ChargeOutcome::Declined { code } => {
            record_payment(state, order, card, "declined", None, Some(code)).await?;
            return Err(OrderError::PaymentDeclined {
                order: order.id,
                code,
            });
        }
    };
    let at = now();
    let payment = Uuid::now_v7();
    let paid = paid_order(order, payer, payment, card, at);
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
        idempotency: answer_to.map(|to| {
            let answer = match &to {
                AnswerTo::Payment(_) => Stored {
                    status: 200,
                    body: json!(paid),
                },
                AnswerTo::Checkout(_) => Stored {
                    status: 201,
                    body: json!({ "order": paid }),
                },
            };
            (to, answer)
        }),
        committed: Captured::default(),
    };
    let committed = std::sync::Arc::new(work);
    let mut outcome = state.journal.write(Shared(committed.clone())).await;
    if let Err(JournalError::Unavailable(_)) = &outcome {
        // The commit went unanswered: ask the database whether the payment landed.
        match super::landed(&state.pool, PAYMENT_EXISTS, payment).await {
            Some(true) => outcome = Ok(true),
            Some(false) => {}
            // Unknown: neither keep the money for an unpaid order nor refund a paid one blindly.
            None => {
                tracing::error!(order = %order.id, %payment, reference = %reference,
                    "charged, but the database did not say whether the payment was stored: reconcile");
                return Err(OrderError::Unavailable(
                    "the database did not say whether the payment was stored".into(),
                ));
            }
        }
    }
    match outcome {
        Ok(true) => {
            for hold in committed.committed.get().unwrap_or_default() {
                state.inventory.commit(hold.product_id, hold.id).await;
            }
            super::announce(state, &paid);
            Ok(paid)
        }
        refused_or_failed => {
            // The order expired or was cancelled meanwhile, or the database failed: give the
            // money back.
            refund(state, &reference, order.total_cents).await;
            record_payment(state, order, card, "refunded", Some(&reference), None).await?;
            match refused_or_failed {
                Ok(_) => Err(OrderError::Conflict("the order can no longer be paid")),
                Err(error) => Err(error.into()),
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
    paid.status = "paid".into();
    paid.updated_at = at;
    paid.events.push(OrderEvent {
        status: "paid".into(),
        by: Some(payer),
        note: None,
        at,
    });
    paid.payments.push(PaymentRecord {
        id: payment,
        amount_cents: order.total_cents,
        currency: order.currency.clone(),
        method: "card".into(),
        status: "succeeded".into(),
        card_brand: Some(card.brand.into()),
        card_last4: Some(card.last4.clone()),
        decline_code: None,
        created_at: at,
    });
    paid
}

async fn refund(state: &AppState, reference: &str, amount: i64) {
    if let Err(error) = state.gateway.refund(reference, amount).await {
        tracing::error!(%error, reference, "refund of an unrecorded charge failed");
    }
}

/// Records a payment attempt that did not pay the order (declined, or refunded at once).
async fn record_payment(
    state: &AppState,
    order: &Order,
    card: &Card,
    status: &str,
    reference: Option<&str>,
    decline_code: Option<&str>,
) -> Result<(), OrderError> {
    sqlx::query(
        "INSERT INTO payments (id, order_id, amount_cents, currency, method, status, gateway_ref,
             card_brand, card_last4, decline_code)
         VALUES ($1, $2, $3, $4, 'card', $5, $6, $7, $8, $9)",
    )
    .bind(Uuid::now_v7())
    .bind(order.id)
    .bind(order.total_cents)
    .bind(&order.currency)
    .bind(status)
    .bind(reference)
    .bind(card.brand)
    .bind(&card.last4)
    .bind(decline_code)
    .execute(&state.pool)
    .await?;
    Ok(())
}
