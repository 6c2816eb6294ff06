//! The messages of [`super::InventoryActor`] and what they answer.

use actix::Message;
use time::OffsetDateTime;
use uuid::Uuid;

/// Why an inventory operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    #[error("only {available} available")]
    OutOfStock { available: i64 },
    #[error("stock cannot go below the {reserved} units reserved by open orders")]
    BelowReserved { reserved: i64 },
    #[error("no inventory for this product")]
    NotFound,
    #[error("the inventory is unavailable: {0}")]
    Unavailable(String),
}

/// A provisional hold on `qty` units, to be confirmed once durable or released.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HoldTicket {
    pub hold: Uuid,
    pub product: Uuid,
    pub order: Uuid,
    pub qty: i64,
    pub expires_at: OffsetDateTime,
}

/// A product's stock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    pub low_stock_threshold: i64,
}

/// Holds `qty` units for `order` until `expires_at`, if that many are available.
#[derive(Clone, Copy, Message)]
#[rtype(result = "Result<HoldTicket, InventoryError>")]
pub struct Reserve {
    pub order: Uuid,
    pub qty: i64,
    pub expires_at: OffsetDateTime,
}

/// The hold is now durable (its checkout committed): it expires on its own from now on.
#[derive(Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Confirm {
    pub hold: Uuid,
}

/// The hold goes back to the shelf: its checkout failed, or its release committed.
#[derive(Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Release {
    pub hold: Uuid,
}

/// The held units were sold (their payment committed): they leave `on_hand`.
#[derive(Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Commit {
    pub hold: Uuid,
}

/// Changes `on_hand` by `delta` durably (restock, correction, damage) and answers the new stock.
#[derive(Clone, Copy, Message)]
#[rtype(result = "Result<Snapshot, InventoryError>")]
pub struct Adjust {
    pub delta: i64,
    pub reason: crate::journal::LedgerReason,
}

/// Sets `on_hand` to a new value durably (an import), with the ledger row for the difference,
/// and answers the new stock.
#[derive(Clone, Copy, Message)]
#[rtype(result = "Result<Snapshot, InventoryError>")]
pub struct SetStock {
    pub on_hand: i64,
    pub reason: crate::journal::LedgerReason,
}

/// Sets the low-stock threshold durably; alerts use it from then on.
#[derive(Clone, Copy, Message)]
#[rtype(result = "Result<Snapshot, InventoryError>")]
pub struct SetThreshold {
    pub threshold: i64,
}

/// `delta` units came back durably through another unit (a cancelled paid order).
#[derive(Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Returned {
    pub delta: i64,
}

/// Answers the current stock.
#[derive(Clone, Copy, Message)]
#[rtype(result = "Result<Snapshot, InventoryError>")]
pub struct GetSnapshot;

/// Reloads the state from the database (after the database refused a change: another process
/// sold the same stock).
#[derive(Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Reload;
