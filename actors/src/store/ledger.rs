//! What a batch's stock changes write, whatever the backend: one row update per product, and
//! the ledger rows, where the sales of a product are one row naming their orders and every other
//! change of `on_hand` a row of its own.

use crate::journal::{LedgerReason, StockChange};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A product's summed changes in one batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Sums {
    pub reserved: i64,
    pub on_hand: i64,
}

/// The changes summed per product, in product order (concurrent batches lock rows in one order).
pub(super) fn per_product(changes: &[StockChange]) -> BTreeMap<Uuid, Sums> {
    let mut sums: BTreeMap<Uuid, Sums> = BTreeMap::new();
    for change in changes {
        let product = sums.entry(change.product).or_default();
        product.reserved += change.reserved;
        product.on_hand += change.on_hand;
    }
    sums
}

/// The ledger rows of a batch: its sales summed per product, with the orders they sold to;
/// every other change of `on_hand` a row of its own.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Ledger {
    pub rows: Vec<LedgerRow>,
    /// Each order with the (1-based) number of its row.
    pub orders: Vec<(Uuid, i64)>,
}

#[derive(Debug, PartialEq)]
pub(super) struct LedgerRow {
    pub product: Uuid,
    pub delta: i64,
    pub reason: LedgerReason,
}

impl Ledger {
    pub(super) fn of(changes: &[StockChange]) -> Self {
        let mut ledger = Ledger::default();
        let mut sales: BTreeMap<Uuid, usize> = BTreeMap::new();
        for change in changes.iter().filter(|change| change.on_hand != 0) {
            let index = match change.reason {
                LedgerReason::Sale => match sales.get(&change.product) {
                    Some(&index) => {
                        ledger.rows[index].delta += change.on_hand;
                        index
                    }
                    None => {
                        sales.insert(change.product, ledger.rows.len());
                        ledger.push(change)
                    }
                },
                _ => ledger.push(change),
            };
            if let Some(order) = change.order {
                let row = i64::try_from(index + 1).unwrap_or(i64::MAX);
                ledger.orders.push((order, row));
            }
        }
        ledger
    }

    fn push(&mut self, change: &StockChange) -> usize {
        self.rows.push(LedgerRow {
            product: change.product,
            delta: change.on_hand,
            reason: change.reason,
        });
        self.rows.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(
        product: Uuid,
        on_hand: i64,
        reason: LedgerReason,
        order: Option<Uuid>,
    ) -> StockChange {
        StockChange {
            product,
            reserved: 0,
            on_hand,
            reason,
            order,
        }
    }

    #[test]
    fn sales_are_summed_per_product_with_their_orders_and_other_changes_stay_apart() {
        let (hot, other) = (Uuid::now_v7(), Uuid::now_v7());
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let ledger = Ledger::of(&[
            change(hot, -1, LedgerReason::Sale, Some(a)),
            change(hot, 5, LedgerReason::Correction, None),
            change(other, -2, LedgerReason::Sale, Some(b)),
            change(hot, -3, LedgerReason::Sale, Some(c)),
            change(hot, -5, LedgerReason::Correction, None),
            change(hot, 0, LedgerReason::Sale, None),
        ]);
        let row = |product, delta, reason| LedgerRow {
            product,
            delta,
            reason,
        };
        assert_eq!(
            ledger.rows,
            [
                row(hot, -4, LedgerReason::Sale),
                row(hot, 5, LedgerReason::Correction),
                row(other, -2, LedgerReason::Sale),
                row(hot, -5, LedgerReason::Correction),
            ]
        );
        assert_eq!(ledger.orders, [(a, 1), (b, 3), (c, 1)]);
    }
}
