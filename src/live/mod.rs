//! Live updates: the WebSocket endpoint and the JSON protocol it speaks.
//!
//! Each connection is one task (`actix-ws`) that selects over the client's frames, the pushes the
//! hub routes to it, a coalescing tick and a heartbeat. Stock pushes are coalesced: at most one
//! message per product per 100 ms, the latest value.

mod protocol;
pub mod relay;
mod ws;

pub use ws::{__path_websocket, websocket};
