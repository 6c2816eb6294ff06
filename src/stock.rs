//! [`StockRoom`]: a product's stock as its seller reads and adjusts it, through the product's
//! inventory actor (the single writer of its stock), with the rules of an adjustment.

use crate::catalog::{Catalog, CatalogError};
use crate::domain::Caller;
use crate::domain::Invalid;
use crate::drops::{MAX_WAITLIST_HOLDS, Waitlists};
use bazaar_actors::inventory::{Inventory, Snapshot};
use bazaar_actors::journal::LedgerReason;
use uuid::Uuid;

/// The largest change one adjustment makes, either way.
pub(crate) const MAX_ADJUSTMENT: i64 = 1_000_000_000;

/// A valid change of stock.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Adjustment {
    delta: i64,
    reason: LedgerReason,
    /// Units of an increase to hold for the first back-in-stock subscribers.
    waitlist_holds: i64,
}

impl Adjustment {
    /// `delta` units for `reason` (`restock` adds, `damage` removes, `correction` either way),
    /// non-zero and at most [`MAX_ADJUSTMENT`] either way; an increase may hold up to
    /// `waitlist_holds` of its units (at most the increase) for the waitlist's first.
    pub(crate) fn parse(delta: i64, reason: &str, waitlist_holds: i64) -> Result<Self, Invalid> {
        if !(0..=MAX_WAITLIST_HOLDS.min(delta.max(0))).contains(&waitlist_holds) {
            return Err(Invalid::field(
                "waitlist_holds",
                format!("must be from 0 to the units added (at most {MAX_WAITLIST_HOLDS})"),
            ));
        }
        let reason = LedgerReason::ADJUSTMENTS
            .into_iter()
            .find(|allowed| allowed.as_str() == reason)
            .ok_or_else(|| Invalid::field("reason", "must be restock, damage or correction"))?;
        if !reason.allows(delta) || !(-MAX_ADJUSTMENT..=MAX_ADJUSTMENT).contains(&delta) {
            return Err(Invalid::field(
                "delta",
                format!(
                    "must be non-zero, at most {MAX_ADJUSTMENT} either way, positive for a \
                     restock and negative for damage"
                ),
            ));
        }
        Ok(Self {
            delta,
            reason,
            waitlist_holds,
        })
    }
}

/// Reading and adjusting stock.
#[derive(Clone)]
pub(crate) struct StockRoom {
    catalog: Catalog,
    inventory: Inventory,
    waitlists: Waitlists,
}

impl StockRoom {
    pub(crate) fn new(catalog: Catalog, inventory: Inventory, waitlists: Waitlists) -> Self {
        Self {
            catalog,
            inventory,
            waitlists,
        }
    }

    /// The stock of a product `viewer` manages.
    pub(crate) async fn snapshot(
        &self,
        viewer: Caller,
        product: Uuid,
    ) -> Result<Snapshot, CatalogError> {
        self.catalog.ensure_manages(viewer, product).await?;
        Ok(self.inventory.snapshot(product).await?)
    }

    /// Changes the stock of a product `viewer` manages, durably; never below what is reserved.
    /// An increase that leaves units available tells the product's waitlist (holding
    /// `waitlist_holds` of them for its first); the stock changed whether or not that works.
    pub(crate) async fn adjust(
        &self,
        viewer: Caller,
        product: Uuid,
        adjustment: Adjustment,
    ) -> Result<Snapshot, CatalogError> {
        self.catalog.ensure_manages(viewer, product).await?;
        let snapshot = self
            .inventory
            .adjust(product, adjustment.delta, adjustment.reason)
            .await?;
        if adjustment.delta > 0 && snapshot.available > 0 {
            if let Err(error) = self
                .waitlists
                .restocked(product, adjustment.waitlist_holds)
                .await
            {
                tracing::warn!(%error, %product, "a restock's waitlist was not told");
            }
            return Ok(self.inventory.snapshot(product).await?);
        }
        Ok(snapshot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjustments_follow_their_reason_and_stay_in_range() {
        assert!(Adjustment::parse(5, "restock", 0).is_ok());
        assert!(Adjustment::parse(5, "restock", 5).is_ok());
        assert!(Adjustment::parse(-5, "damage", 0).is_ok());
        assert!(Adjustment::parse(-5, "correction", 0).is_ok());
        for (delta, holds) in [(5, 6), (5, -1), (-5, 1)] {
            let error = Adjustment::parse(delta, "correction", holds).unwrap_err();
            assert_eq!(error.errors()[0].field, "waitlist_holds", "{delta} {holds}");
        }
        for (delta, reason, field) in [
            (-5, "restock", "delta"),
            (5, "damage", "delta"),
            (0, "correction", "delta"),
            (i64::MIN, "correction", "delta"),
            (MAX_ADJUSTMENT + 1, "restock", "delta"),
            (5, "sale", "reason"),
        ] {
            let error = Adjustment::parse(delta, reason, 0).unwrap_err();
            assert_eq!(error.errors()[0].field, field, "{delta} {reason}");
        }
    }
}
