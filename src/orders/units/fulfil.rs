//! A fulfilment step: shipments of an order move one status on, the timeline records who moved
//! them, and the order takes the status of its least advanced shipment.
//!
//! Each seller ships their own lines; a courier moves the shipments handed to them; an admin moves
//! one seller's shipment, or every shipment the step can apply to. Which shipments a step moves,
//! and whether it may, is decided by [`plan`] on the rows the unit locked, so two steps racing
//! on one order are decided one after the other.

use super::AfterCommit;
use crate::domain::{Caller, OrderStatus, Role};
use crate::orders::store;
use crate::outbox::{self, Letter, letters};
use bazaar_actors::journal::{Applied, Work};
use bazaar_actors::store::Connection;
use futures_util::future::BoxFuture;
use time::OffsetDateTime;
use uuid::Uuid;

/// A fulfilment step someone asked for.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    pub status: OrderStatus,
    pub note: Option<String>,
    /// Who carries the parcel, given with `shipped`.
    pub handover: Option<Handover>,
    /// An admin's choice of one seller's shipment.
    pub seller: Option<Uuid>,
}

/// The courier a shipment is handed to, and its tracking number.
#[derive(Clone, Debug)]
pub(crate) struct Handover {
    pub courier: Uuid,
    pub tracking_number: String,
}

/// A shipment as the unit reads and writes it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub(crate) struct ShipmentRow {
    pub seller: Uuid,
    pub status: OrderStatus,
    pub courier: Option<Uuid>,
    pub tracking_number: Option<String>,
    pub shipped_at: Option<OffsetDateTime>,
    pub delivered_at: Option<OffsetDateTime>,
}

/// An order's fulfilment as the unit found it, its row locked.
pub(crate) struct FulfilmentState {
    pub status: OrderStatus,
    /// Its shipments; for an order not yet in fulfilment, one per seller, not yet stored.
    pub shipments: Vec<ShipmentRow>,
    pub stored: bool,
}

/// Why a step was not taken.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StepRefusal {
    /// The shipment (or the order) is not where the step starts from.
    Illegal { current: OrderStatus },
    /// The caller has no shipment of this order that this step would move.
    NothingToMove,
    /// An admin named a seller with no lines in the order.
    UnknownSeller,
    /// `courier_id` is not an active courier.
    NotACourier,
}

/// What a step changed: the sellers whose shipments moved.
#[derive(Clone, Debug)]
pub(crate) struct Fulfilled {
    pub moved: Vec<Uuid>,
}

/// A step to write.
pub(crate) struct FulfilWork {
    pub order: Uuid,
    pub by: Caller,
    pub step: Step,
    pub at: OffsetDateTime,
    pub outcome: AfterCommit<Result<Fulfilled, StepRefusal>>,
}

impl Work for FulfilWork {
    fn apply<'c>(&'c self, mut connection: Connection<'c>) -> BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move {
            let refuse = |refusal| {
                self.outcome.set(Err(refusal));
                Ok(Applied::refused())
            };
            let state = store::fulfilment_state(connection.reborrow(), self.order).await?;
            let Some(mut state) = state else {
                return refuse(StepRefusal::NothingToMove);
            };
            let moving = match plan(&state, self.by, &self.step) {
                Ok(moving) => moving,
                Err(refusal) => return refuse(refusal),
            };
            if let Some(handover) = &self.step.handover
                && !store::is_active_courier(connection.reborrow(), handover.courier).await?
            {
                return refuse(StepRefusal::NotACourier);
            }
            for &index in &moving {
                take_step(&mut state.shipments[index], &self.step, self.at);
            }
            let order_status = least_advanced(&state.shipments);
            let written: Vec<&ShipmentRow> = if state.stored {
                moving
                    .iter()
                    .map(|&index| &state.shipments[index])
                    .collect()
            } else {
                state.shipments.iter().collect()
            };
            let event = store::TimelineEvent {
                status: self.step.status,
                by: Some(self.by.id),
                note: self.step.note.as_deref(),
                at: self.at,
            };
            let new_status = (order_status != state.status).then_some(order_status);
            if let Some(letter) = letter_for(&self.step, self.order) {
                outbox::store::enqueue_to_customer(connection.reborrow(), self.order, &letter)
                    .await?;
            }
            store::write_fulfilment(connection, self.order, &written, &event, new_status).await?;
            self.outcome.set(Ok(Fulfilled {
                moved: moving
                    .iter()
                    .map(|&index| state.shipments[index].seller)
                    .collect(),
            }));
            Ok(Applied::accepted(Vec::new()))
        })
    }
}

/// The mail a step sends the customer: shipped (with the tracking number), out for delivery,
/// delivered.
fn letter_for(step: &Step, order: Uuid) -> Option<Letter> {
    match step.status {
        OrderStatus::Shipped => step
            .handover
            .as_ref()
            .map(|handover| letters::shipped(order, &handover.tracking_number)),
        OrderStatus::OutForDelivery => Some(letters::out_for_delivery(order)),
        OrderStatus::Delivered => Some(letters::delivered(order)),
        _ => None,
    }
}

/// The shipments (by index) that `step`, taken by `by`, moves; or why it may not be taken.
pub(crate) fn plan(
    state: &FulfilmentState,
    by: Caller,
    step: &Step,
) -> Result<Vec<usize>, StepRefusal> {
    let in_fulfilment =
        state.status.fulfilment_stage().is_some() || state.status == OrderStatus::PartiallyRefunded;
    let from = step.status.previous_in_fulfilment();
    let Some(from) = from.filter(|_| in_fulfilment) else {
        return Err(StepRefusal::Illegal {
            current: state.status,
        });
    };
    let indexes = |keep: &dyn Fn(&ShipmentRow) -> bool| -> Vec<usize> {
        (0..state.shipments.len())
            .filter(|&index| keep(&state.shipments[index]))
            .collect()
    };
    let moving = match (by.role, step.seller) {
        (Role::Admin, Some(seller)) => {
            let moving = indexes(&|shipment| shipment.seller == seller);
            if moving.is_empty() {
                return Err(StepRefusal::UnknownSeller);
            }
            moving
        }
        (Role::Admin, None) => {
            let moving = indexes(&|shipment| shipment.status == from);
            if moving.is_empty() {
                return Err(StepRefusal::Illegal {
                    current: least_advanced(&state.shipments),
                });
            }
            moving
        }
        (Role::Seller, _) => indexes(&|shipment| shipment.seller == by.id),
        (Role::Courier, _) => indexes(&|shipment| shipment.courier == Some(by.id)),
        (Role::Customer, _) => Vec::new(),
    };
    if moving.is_empty() {
        return Err(StepRefusal::NothingToMove);
    }
    if let Some(&stuck) = moving
        .iter()
        .find(|&&index| state.shipments[index].status != from)
    {
        return Err(StepRefusal::Illegal {
            current: state.shipments[stuck].status,
        });
    }
    Ok(moving)
}

fn take_step(shipment: &mut ShipmentRow, step: &Step, at: OffsetDateTime) {
    shipment.status = step.status;
    if let Some(handover) = &step.handover {
        shipment.courier = Some(handover.courier);
        shipment.tracking_number = Some(handover.tracking_number.clone());
        shipment.shipped_at = Some(at);
    }
    if step.status == OrderStatus::Delivered {
        shipment.delivered_at = Some(at);
    }
}

/// The status of the least advanced shipment: how far the whole order is.
pub(crate) fn least_advanced(shipments: &[ShipmentRow]) -> OrderStatus {
    shipments
        .iter()
        .map(|shipment| shipment.status)
        .min_by_key(|status| status.fulfilment_stage())
        .unwrap_or(OrderStatus::Paid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipment(seller: Uuid, status: OrderStatus, courier: Option<Uuid>) -> ShipmentRow {
        ShipmentRow {
            seller,
            status,
            courier,
            tracking_number: courier.map(|_| "T1".to_owned()),
            shipped_at: None,
            delivered_at: None,
        }
    }

    fn step(status: OrderStatus) -> Step {
        Step {
            status,
            note: None,
            handover: None,
            seller: None,
        }
    }

    fn caller(role: Role) -> Caller {
        Caller {
            id: Uuid::now_v7(),
            role,
        }
    }

    #[test]
    fn each_seller_moves_only_their_own_shipment_and_only_one_step() {
        let (a, b) = (caller(Role::Seller), caller(Role::Seller));
        let state = FulfilmentState {
            status: OrderStatus::Paid,
            shipments: vec![
                shipment(a.id, OrderStatus::Paid, None),
                shipment(b.id, OrderStatus::Processing, None),
            ],
            stored: true,
        };
        assert_eq!(plan(&state, a, &step(OrderStatus::Processing)), Ok(vec![0]));
        assert_eq!(
            plan(&state, a, &step(OrderStatus::Shipped)),
            Err(StepRefusal::Illegal {
                current: OrderStatus::Paid
            })
        );
        assert_eq!(plan(&state, b, &step(OrderStatus::Shipped)), Ok(vec![1]));
        assert_eq!(
            plan(&state, caller(Role::Seller), &step(OrderStatus::Processing)),
            Err(StepRefusal::NothingToMove)
        );
        assert_eq!(least_advanced(&state.shipments), OrderStatus::Paid);
    }

    #[test]
    fn a_courier_moves_what_was_handed_to_them_and_an_admin_what_can_move() {
        let courier = caller(Role::Courier);
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let state = FulfilmentState {
            status: OrderStatus::Processing,
            shipments: vec![
                shipment(a, OrderStatus::Shipped, Some(courier.id)),
                shipment(b, OrderStatus::Processing, None),
            ],
            stored: true,
        };
        let out = step(OrderStatus::OutForDelivery);
        assert_eq!(plan(&state, courier, &out), Ok(vec![0]));
        assert_eq!(
            plan(&state, caller(Role::Courier), &out),
            Err(StepRefusal::NothingToMove)
        );
        let admin = caller(Role::Admin);
        assert_eq!(
            plan(&state, admin, &step(OrderStatus::Shipped)),
            Ok(vec![1])
        );
        assert_eq!(
            plan(&state, admin, &step(OrderStatus::Delivered)),
            Err(StepRefusal::Illegal {
                current: OrderStatus::Processing
            })
        );
        let one = Step {
            seller: Some(Uuid::now_v7()),
            ..step(OrderStatus::Shipped)
        };
        assert_eq!(plan(&state, admin, &one), Err(StepRefusal::UnknownSeller));
    }

    #[test]
    fn an_order_outside_fulfilment_takes_no_step() {
        let seller = caller(Role::Seller);
        for status in [
            OrderStatus::PendingPayment,
            OrderStatus::Cancelled,
            OrderStatus::Expired,
            OrderStatus::Refunded,
        ] {
            let state = FulfilmentState {
                status,
                shipments: vec![shipment(seller.id, OrderStatus::Paid, None)],
                stored: false,
            };
            assert_eq!(
                plan(&state, seller, &step(OrderStatus::Processing)),
                Err(StepRefusal::Illegal { current: status })
            );
        }
        let paid = FulfilmentState {
            status: OrderStatus::Paid,
            shipments: vec![shipment(seller.id, OrderStatus::Paid, None)],
            stored: false,
        };
        assert_eq!(
            plan(&paid, seller, &step(OrderStatus::Cancelled)),
            Err(StepRefusal::Illegal {
                current: OrderStatus::Paid
            })
        );
    }
}
