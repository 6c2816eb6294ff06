//! Cancelling an order: a pending order's holds go back on sale; a paid order's units return to
//! stock and what was paid is refunded through the gateway.

use super::OrderError;
use super::model::{Order, get_order, load_order};
use super::units::{CANCELLABLE, CancelWork, Captured};
use crate::auth::AuthUser;
use crate::domain::Role;
use crate::state::AppState;
use bazaar_actors::journal::{Applied, Work};
use futures_util::future::BoxFuture;
use std::sync::Arc;
use uuid::Uuid;

/// Cancels order `id` for its customer (before it ships) or an admin.
#[tracing::instrument(skip(state, caller), fields(caller = %caller.id))]
pub async fn cancel_order(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
) -> Result<Order, OrderError> {
    let order = get_order(&state.pool, caller, id).await?;
    if order.user_id != caller.id && caller.role != Role::Admin {
        return Err(OrderError::Forbidden(
            "only the customer or an admin can cancel an order",
        ));
    }
    if !CANCELLABLE.contains(&order.status.as_str()) {
        return Err(OrderError::Conflict(
            "this order can no longer be cancelled",
        ));
    }
    let work = Arc::new(CancelWork {
        order: id,
        by: caller.id,
        changed: Captured::default(),
        refunded: Captured::default(),
    });
    if !state.journal.write(Shared(work.clone())).await? {
        return Err(OrderError::Conflict(
            "this order can no longer be cancelled",
        ));
    }
    if let Some((paid, holds)) = work.changed.get() {
        for hold in holds {
            if paid {
                state.inventory.returned(hold.product_id, hold.qty).await;
            } else {
                state.inventory.release_hold(hold.product_id, hold.id).await;
            }
        }
    }
    if let Some(Some((_, amount, Some(reference)))) = work.refunded.get()
        && let Err(error) = state.gateway.refund(&reference, amount).await
    {
        // The refund is recorded; the gateway call is what failed. It needs a person.
        tracing::error!(%error, order = %id, "recorded refund could not be sent to the gateway");
    }
    let order = load_order(&state.pool, id).await?;
    super::announce(state, &order);
    Ok(order)
}

/// A unit the caller keeps a share of, to read what it captured after the commit.
pub(super) struct Shared<W>(pub Arc<W>);

impl<W: Work> Work for Shared<W> {
    fn apply<'c>(
        &'c self,
        connection: &'c mut sqlx::PgConnection,
    ) -> BoxFuture<'c, sqlx::Result<Applied>> {
        self.0.apply(connection)
    }
}
