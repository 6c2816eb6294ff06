//! Fulfilment as the routes ask for it: a step of an order's way to the customer, and who may
//! take which. Sellers (and admins) set `processing`, then `shipped` with a courier and a
//! tracking number; the courier (or an admin) sets `out_for_delivery`, then `delivered`. Which
//! shipments a step moves, and whether they are where it starts from, the journal unit decides
//! on the locked rows ([`FulfilWork`]).

use super::units::{AfterCommit, FulfilWork, Step, StepRefusal};
use super::views::view_of;
use super::{OrderError, OrderView, Orders, announce_moved};
use crate::domain::{Caller, OrderStatus, Role};
use time::OffsetDateTime;
use tracing::Instrument;
use uuid::Uuid;

/// Whether someone of `role` may take the step to `status` (a step of fulfilment).
fn may_take(role: Role, status: OrderStatus) -> Result<(), OrderError> {
    let by_seller = matches!(status, OrderStatus::Processing | OrderStatus::Shipped);
    match role {
        Role::Admin => Ok(()),
        Role::Seller if by_seller => Ok(()),
        Role::Courier if !by_seller => Ok(()),
        Role::Seller => Err(OrderError::Forbidden(
            "the courier sets out_for_delivery and delivered",
        )),
        Role::Courier => Err(OrderError::Forbidden(
            "the seller sets processing and shipped",
        )),
        Role::Customer => Err(OrderError::Forbidden(
            "a customer does not move an order's status; cancel it or open a return",
        )),
    }
}

impl Orders {
    /// Takes `step` on order `id` for `caller`; the order as they see it afterwards.
    #[tracing::instrument(skip(self, caller, step), fields(caller = %caller.id, status = %step.status))]
    pub(crate) async fn take_step(
        &self,
        caller: Caller,
        id: Uuid,
        step: Step,
    ) -> Result<OrderView, OrderError> {
        let orders = self.clone();
        // Spawned, so a client that goes away does not keep the order from being announced.
        let taking = async move { orders.take_step_now(caller, id, step).await };
        tokio::task::spawn_local(taking.in_current_span())
            .await
            .map_err(|error| OrderError::Internal(error.into()))?
    }

    async fn take_step_now(
        &self,
        caller: Caller,
        id: Uuid,
        step: Step,
    ) -> Result<OrderView, OrderError> {
        let order = self.order(caller, id).await?;
        let requested = step.status;
        if requested.previous_in_fulfilment().is_none() {
            return Err(OrderError::IllegalTransition {
                current: order.status,
                requested,
            });
        }
        may_take(caller.role, requested)?;
        let outcome = AfterCommit::default();
        let work = FulfilWork {
            order: id,
            by: caller,
            step,
            at: OffsetDateTime::now_utc(),
            outcome: outcome.clone(),
        };
        self.journal.write(work).await?;
        let moved = match outcome.get() {
            Some(Ok(fulfilled)) => fulfilled.moved,
            Some(Err(refusal)) => return Err(refused(refusal, requested)),
            None => return Err(OrderError::NotFound("order")),
        };
        let order = self
            .store
            .order(id)
            .await?
            .ok_or(OrderError::NotFound("order"))?;
        announce_moved(&self.hub, &order, &moved);
        Ok(view_of(caller, order))
    }
}

/// The answer to a step the unit refused.
fn refused(refusal: StepRefusal, requested: OrderStatus) -> OrderError {
    match refusal {
        StepRefusal::Illegal { current } => OrderError::IllegalTransition { current, requested },
        StepRefusal::NothingToMove => {
            OrderError::Forbidden("none of this order's shipments is yours to move")
        }
        StepRefusal::UnknownSeller => {
            OrderError::invalid("seller_id", "has no lines in this order")
        }
        StepRefusal::NotACourier => OrderError::invalid("courier_id", "is not an active courier"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sellers_ship_and_couriers_deliver() {
        use OrderStatus::*;
        for (role, status, allowed) in [
            (Role::Seller, Processing, true),
            (Role::Seller, Shipped, true),
            (Role::Seller, OutForDelivery, false),
            (Role::Courier, OutForDelivery, true),
            (Role::Courier, Delivered, true),
            (Role::Courier, Shipped, false),
            (Role::Admin, Delivered, true),
            (Role::Customer, Processing, false),
        ] {
            assert_eq!(may_take(role, status).is_ok(), allowed, "{role:?} {status}");
        }
    }
}
