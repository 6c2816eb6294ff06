//! Refunds: a seller gives back money from their own lines' share, an admin from what the order
//! paid; never more in all than was paid, however many refunds race (the units of
//! [`ReserveRefund`] decide on the locked order, counting refunds still pending). The gateway is
//! asked between the reservation and its settlement, outside any transaction. With `restock`,
//! the units of the refunder's lines come back to stock through the inventory actors, in the
//! ledger as `return`, and the inventory actors learn of them.

use super::idempotency::IdempotencyKey;
use super::model::{RefundRecord, RefundStatus};
use super::units::{AfterCommit, RefundRefusal, ReserveRefund, Reserved, Restock, SettleRefund};
use super::{OrderError, Orders, announce};
use crate::domain::{Caller, Role};
use time::OffsetDateTime;
use tracing::Instrument;
use uuid::Uuid;

/// A refund someone asked for.
pub(crate) struct RefundRequest {
    pub order: Uuid,
    /// Without one, all the caller may still refund.
    pub amount_cents: Option<i64>,
    pub reason: String,
    pub restock: bool,
    pub idempotency: Option<IdempotencyKey>,
}

/// A refund to make, as refunds and return approvals ask for it.
pub(super) struct GiveBack {
    pub order: Uuid,
    pub by: Caller,
    /// The seller whose share it comes from; none: an admin's refund of the order.
    pub seller: Option<Uuid>,
    pub amount: Option<i64>,
    pub reason: String,
    pub restock: Restock,
    pub idempotency: Option<IdempotencyKey>,
    pub approves: Option<Uuid>,
}

impl Orders {
    /// Refunds (part of) order `request.order` for `caller`, its seller or an admin.
    pub(crate) async fn refund(
        &self,
        caller: Caller,
        request: RefundRequest,
    ) -> Result<RefundRecord, OrderError> {
        let order = self.order(caller, request.order).await?;
        if !matches!(caller.role, Role::Admin | Role::Seller) || order.user_id == caller.id {
            return Err(OrderError::Forbidden(
                "refunds are made by the order's sellers and admins",
            ));
        }
        // Held to the end: a retry meanwhile waits for this attempt's outcome and replays it.
        let key_lock = request.idempotency.as_ref().map(|key| {
            self.key_locks
                .lock_for((key.user, key.scope.clone(), key.key.clone()))
        });
        let _key_guard = match &key_lock {
            Some(lock) => Some(lock.lock().await),
            None => None,
        };
        if let Some(key) = &request.idempotency
            && let Some(refund) = self.replayed_refund(key).await?
        {
            return replayed(refund);
        }
        let give_back = GiveBack {
            order: request.order,
            by: caller,
            seller: (caller.role == Role::Seller).then_some(caller.id),
            amount: request.amount_cents,
            reason: request.reason,
            restock: if request.restock {
                Restock::Lines
            } else {
                Restock::None
            },
            idempotency: request.idempotency.clone(),
            approves: None,
        };
        match self.give_back(give_back).await {
            Err(OrderError::InFlight) => match &request.idempotency {
                Some(key) => replayed(
                    self.replayed_refund(key)
                        .await?
                        .ok_or(OrderError::InFlight)?,
                ),
                None => Err(OrderError::InFlight),
            },
            Ok(made) => Ok(made),
            Err(error) => Err(error),
        }
    }

    /// The refund a key's first request made, if it made one.
    async fn replayed_refund(
        &self,
        key: &IdempotencyKey,
    ) -> Result<Option<RefundRecord>, OrderError> {
        #[derive(serde::Deserialize)]
        struct Made {
            refund_id: Uuid,
        }
        let Some(made) = key.replay::<Made>(&self.store).await? else {
            return Ok(None);
        };
        let order = key
            .scope
            .strip_prefix("refund:")
            .and_then(|id| id.parse().ok())
            .ok_or(OrderError::IdempotencyConflict)?;
        self.refund_record(order, made.refund_id).await.map(Some)
    }

    async fn refund_record(&self, order: Uuid, refund: Uuid) -> Result<RefundRecord, OrderError> {
        self.store
            .order(order)
            .await?
            .and_then(|order| order.refunds.into_iter().find(|made| made.id == refund))
            .ok_or(OrderError::NotFound("refund"))
    }

    /// Reserves, asks the gateway for, and settles a refund; the refund made. Spawned, so a client that
    /// goes away cannot leave a refund reserved but never asked for.
    pub(super) async fn give_back(&self, give_back: GiveBack) -> Result<RefundRecord, OrderError> {
        let orders = self.clone();
        let giving = async move { orders.give_back_now(give_back).await };
        tokio::task::spawn_local(giving.in_current_span())
            .await
            .map_err(|error| OrderError::Internal(error.into()))?
    }

    async fn give_back_now(&self, give_back: GiveBack) -> Result<RefundRecord, OrderError> {
        let refund = Uuid::now_v7();
        let outcome = AfterCommit::default();
        let note = format!("refund: {}", give_back.reason);
        self.journal
            .write(ReserveRefund {
                refund,
                order: give_back.order,
                by: give_back.by,
                seller: give_back.seller,
                amount: give_back.amount,
                reason: give_back.reason,
                restock: give_back.restock,
                idempotency: give_back.idempotency,
                approves: give_back.approves,
                at: OffsetDateTime::now_utc(),
                outcome: outcome.clone(),
            })
            .await?;
        let reserved = match outcome.get() {
            Some(Ok(reserved)) => reserved,
            Some(Err(refusal)) => return Err(refused(refusal)),
            None => return Err(OrderError::NotFound("order")),
        };
        let sent = match &reserved.payment_reference {
            Some(reference) => {
                let key = format!("refund-{refund}");
                self.gateway.refund(reference, reserved.amount, &key).await
            }
            None => Ok(()),
        };
        let settle = |succeeded, reserved: Reserved| SettleRefund {
            refund,
            order: give_back.order,
            by: give_back.by.id,
            succeeded,
            reserved,
            note: note.clone(),
            approves: give_back.approves,
            at: OffsetDateTime::now_utc(),
        };
        if let Err(error) = sent {
            self.journal.write(settle(false, reserved)).await?;
            return Err(OrderError::Unavailable(format!(
                "the payment gateway did not make the refund: {error}"
            )));
        }
        let restock = reserved.restock.clone();
        self.journal.write(settle(true, reserved)).await?;
        for (product, qty) in restock {
            self.inventory.returned(product, qty).await;
        }
        let order = self
            .store
            .order(give_back.order)
            .await?
            .ok_or(OrderError::NotFound("order"))?;
        announce(&self.hub, &order);
        order
            .refunds
            .into_iter()
            .find(|made| made.id == refund)
            .ok_or(OrderError::NotFound("refund"))
    }
}

/// A key's first refund as a retry gets it: as it was answered, the gateway's failure included.
fn replayed(refund: RefundRecord) -> Result<RefundRecord, OrderError> {
    match refund.status {
        RefundStatus::Failed => Err(OrderError::Unavailable(
            "the payment gateway did not make this refund; ask again with a new key".to_owned(),
        )),
        _ => Ok(refund),
    }
}

/// The answer to a refund that was not reserved.
fn refused(refusal: RefundRefusal) -> OrderError {
    match refusal {
        RefundRefusal::NothingPaid => {
            OrderError::Conflict("nothing was paid for this order that could be refunded")
        }
        RefundRefusal::TooMuch { refundable } => OrderError::RefundTooLarge { refundable },
        RefundRefusal::KeyTaken => OrderError::InFlight,
        RefundRefusal::ReturnDecided => OrderError::Conflict("this return was decided already"),
        RefundRefusal::NotRestockable { product } => OrderError::NotReturnable(format!(
            "no more units of product {product} are left to give back to stock"
        )),
    }
}
