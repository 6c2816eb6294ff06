//! Per-user cart actors, written through to Redis.
//!
//! One [`CartActor`] per user, started on first use, stopped when idle. Its state (product →
//! quantity) lives in a Redis hash with a 30-day TTL, so carts survive restarts and are shared by
//! every process; the actor loads it when it starts and writes every change through before
//! answering. Prices, names and availability are the server's business: the actor only keeps
//! quantities, and refuses a line beyond the availability the server passes in.

mod actor;
mod handle;

pub use actor::{CartActor, CartError, CartLines};
pub use handle::{CartConfig, Carts};
