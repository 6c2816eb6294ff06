//! Per-product inventory actors: the single writer of each product's stock.
//!
//! One [`InventoryActor`] per product in play, started by [`Inventory`] on first use with its state
//! loaded from PostgreSQL, stopped when idle with no holds open. It handles one message at a time,
//! so checking `available` and taking a hold cannot interleave: that, not a lock, is what prevents
//! overselling. Reservations are provisional (they count at once) until the caller has committed
//! them through the journal; the actor never waits on the database between messages. Increases of
//! stock count only once durable, decreases at once: a failed commit can only ever make the actor
//! refuse conservatively, never sell what is not there.

mod actor;
mod board;
mod handle;
mod holds;
mod messages;

pub use actor::InventoryActor;
pub use board::StockBoard;
pub use handle::{ExpireHold, Inventory, InventoryConfig};
pub use messages::{HoldTicket, InventoryError, Snapshot};
