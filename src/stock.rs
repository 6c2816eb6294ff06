//! [`StockRoom`]: a product's stock as its seller reads and adjusts it, through the product's
//! inventory actor (the single writer of its stock), with the rules of an adjustment.

use crate::catalog::{Catalog, CatalogError};
use crate::domain::Caller;
use crate::domain::Invalid;
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
}

impl Adjustment {
    /// `delta` units for `reason` (`restock` adds, `damage` removes, `correction` either way),
    /// non-zero and at most [`MAX_ADJUSTMENT`] either way.
    pub(crate) fn parse(delta: i64, reason: &str) -> Result<Self, Invalid> {
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
        Ok(Self { delta, reason })
    }
}

/// Reading and adjusting stock.
#[derive(Clone)]
pub(crate) struct StockRoom {
    catalog: Catalog,
    inventory: Inventory,
}

impl StockRoom {
    pub(crate) fn new(catalog: Catalog, inventory: Inventory) -> Self {
        Self { catalog, inventory }
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
    pub(crate) async fn adjust(
        &self,
        viewer: Caller,
        product: Uuid,
        adjustment: Adjustment,
    ) -> Result<Snapshot, CatalogError> {
        self.catalog.ensure_manages(viewer, product).await?;
        Ok(self
            .inventory
            .adjust(product, adjustment.delta, adjustment.reason)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjustments_follow_their_reason_and_stay_in_range() {
        assert!(Adjustment::parse(5, "restock").is_ok());
        assert!(Adjustment::parse(-5, "damage").is_ok());
        assert!(Adjustment::parse(-5, "correction").is_ok());
        for (delta, reason, field) in [
            (-5, "restock", "delta"),
            (5, "damage", "delta"),
            (0, "correction", "delta"),
            (i64::MIN, "correction", "delta"),
            (MAX_ADJUSTMENT + 1, "restock", "delta"),
            (5, "sale", "reason"),
        ] {
            let error = Adjustment::parse(delta, reason).unwrap_err();
            assert_eq!(error.errors()[0].field, field, "{delta} {reason}");
        }
    }
}
