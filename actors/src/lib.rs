//! `bazaar-actors`: Bazaar's in-memory hot state.
//!
//! One actor per piece of hot state (a product's inventory, a user's cart), each the single
//! writer of that state, started on first use and stopped when idle, and the journal that makes
//! their changes durable in group commits. This crate knows nothing of HTTP: the server reaches
//! every actor through a typed handle. Its statements sit behind [`store`], the one seam to the
//! database.

pub mod cart;
pub mod hub;
pub mod inventory;
pub mod journal;
pub mod registry;
pub mod store;

pub use registry::Registry;
