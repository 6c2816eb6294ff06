//! Cancelling an order before any of it ships or is refunded: a pending order's holds go back on sale; a paid
//! order's units return to stock and what was paid is refunded through the gateway.

use super::model::{Order, RefundStatus};
use super::units::CancelWork;
use super::{OrderError, Orders, announce};
use crate::domain::{Caller, OrderStatus, Role};
use tracing::Instrument;
use uuid::Uuid;

impl Orders {
    /// Cancels order `id` for its customer (before it ships) or an admin.
    #[tracing::instrument(skip(self, caller), fields(caller = %caller.id))]
    pub(crate) async fn cancel(&self, caller: Caller, id: Uuid) -> Result<Order, OrderError> {
        let orders = self.clone();
        let cancelling = async move { orders.cancel_order(caller, id).await };
        tokio::task::spawn_local(cancelling.in_current_span())
            .await
            .map_err(|error| OrderError::Internal(error.into()))?
    }

    async fn cancel_order(&self, caller: Caller, id: Uuid) -> Result<Order, OrderError> {
        let order = self.order(caller, id).await?;
        if order.user_id != caller.id && caller.role != Role::Admin {
            return Err(OrderError::Forbidden(
                "only the customer or an admin can cancel an order",
            ));
        }
        let shipped = order.shipments.iter().any(|shipment| {
            shipment.status.fulfilment_stage() >= OrderStatus::Shipped.fulfilment_stage()
        });
        let refunded = order
            .refunds
            .iter()
            .any(|refund| refund.status != RefundStatus::Failed);
        if !order.status.is_cancellable() || shipped || refunded {
            return Err(OrderError::Conflict(
                "this order can no longer be cancelled",
            ));
        }
        let work = CancelWork {
            order: id,
            by: caller.id,
            cancelled: Default::default(),
        };
        let cancelled = work.cancelled.clone();
        if !self.journal.write(work).await? {
            return Err(OrderError::Conflict(
                "this order can no longer be cancelled",
            ));
        }
        if let Some(cancelled) = cancelled.get() {
            for hold in &cancelled.holds {
                if cancelled.was_paid {
                    self.inventory.returned(hold.product_id, hold.qty).await;
                } else {
                    self.inventory.release_hold(hold.product_id, hold.id).await;
                }
            }
            if let Some((amount, Some(reference))) = cancelled.refund
                && let Err(error) = self
                    .gateway
                    .refund(&reference, amount, &format!("cancel-{id}"))
                    .await
            {
                // The refund is recorded; the gateway call is what failed. It needs a person.
                tracing::error!(%error, order = %id, "recorded refund could not be sent to the gateway");
            }
        }
        let order = self
            .store
            .order(id)
            .await?
            .ok_or(OrderError::NotFound("order"))?;
        announce(&self.hub, &order);
        Ok(order)
    }
}
