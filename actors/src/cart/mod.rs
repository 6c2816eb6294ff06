//! Per-user cart actors, written through to their store.
//!
//! One [`CartActor`] per user, started on first use, stopped when idle. Its state (product →
//! quantity) lives in a [`CartStorage`] with a 30-day TTL: a Redis hash, shared by every process,
//! or the database when the server runs without Redis. So carts survive restarts; the actor loads
//! its cart when it starts and writes every change through before answering. Prices, names and
//! availability are the server's business: the actor only keeps quantities, and refuses a line
//! beyond the availability the server passes in.

mod actor;
mod handle;
mod storage;

pub use actor::{CartActor, CartError, CartLines};
pub use handle::{CartConfig, Carts};
pub use storage::{CART_TTL, CartStorage};
