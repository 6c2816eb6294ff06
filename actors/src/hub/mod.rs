//! The live hub: routes events from their sources (inventory actors, order flows) to the
//! WebSocket sessions that may see them.
//!
//! Sessions register with a bounded queue. `stock` events go to the sessions subscribed to the
//! product's topic; order events to the order's customer and the sellers of its lines; inventory
//! and low-stock events to the product's seller. Publishing never waits: a session whose queue is
//! full is dropped (its socket closes with "try again later"), so one slow client cannot grow
//! memory or slow a sale.

mod actor;

pub use actor::{Event, Hub, Push, QueuePlace, ShipmentStep, Subscription};
