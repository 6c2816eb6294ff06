//! Hold expiry: the unit the inventory actors run when a hold's time is up, and the start-up
//! sweep that releases what expired while the server was down.

use super::store::OrderStore;
use super::units::ExpireWork;
use bazaar_actors::hub::Hub;
use bazaar_actors::inventory::{ExpireHold, HoldTicket, Inventory};
use bazaar_actors::journal::Unit;

/// Builds expiry units for the inventory actors; expired orders are announced on `hub`.
pub(crate) struct HoldExpiry {
    pub hub: Hub,
}

impl ExpireHold for HoldExpiry {
    fn unit(&self, hold: &HoldTicket) -> Unit {
        Unit::from(ExpireWork {
            hold: *hold,
            hub: self.hub.clone(),
            expired: Default::default(),
        })
    }
}

/// Before anything sells: releases every hold that expired while no server was running (its
/// order expires), then starts the actors of the products with holds still open, so those holds
/// expire on time even if nobody asks for the products.
#[tracing::instrument(skip_all)]
pub(crate) async fn resume_holds(store: &OrderStore, inventory: &Inventory) -> sqlx::Result<()> {
    let released = store.release_expired_holds().await?;
    if released.units > 0 {
        tracing::info!(
            units = released.units,
            products = released.products,
            "released expired holds"
        );
    }
    inventory.wake(&store.products_with_open_holds().await?);
    Ok(())
}
