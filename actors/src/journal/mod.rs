//! The journal: one group-commit writer for every durable change of the hot path.
//!
//! Callers hand it [`Unit`]s (a checkout, a payment, a release, an expiry, a restock) and wait for
//! their outcome. While one transaction is in flight the next units queue; the writer then takes
//! all of them (up to a bounded batch) into the next transaction, so one fsync serves many
//! checkouts. Each unit runs its own statements — or, for a [`Batchable`] kind such as checkouts, all
//! of the batch's units of that kind are written together with set-based statements; the stock changes of the whole batch are summed
//! per product and written by one `UPDATE` (each product row updated once), with one ledger insert.
//! A unit is acknowledged only after the transaction holding it commits. If a batch fails, its
//! units are retried one by one, so one bad unit (say, one the `CHECK` on inventory refuses)
//! cannot fail the others.

mod unit;
mod writer;

pub use unit::{
    Applied, Batchable, LedgerReason, StockChange, StockOnly, StockSet, ThresholdChange, Unit, Work,
};
pub use writer::{Journal, JournalConfig, JournalError};
