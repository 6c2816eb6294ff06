//! Live updates: the WebSocket endpoint, the Server-Sent Events endpoint, the JSON protocol they
//! speak, and the relay that carries events between server processes.
//!
//! Each connection is one task (`actix-ws`) that selects over the client's frames, the pushes the
//! hub routes to it and a heartbeat. Stock is coalesced by the hub before it fans out: at most one
//! message per product per 100 ms, the latest value.

mod protocol;
pub mod relay;
mod sse;
mod ws;

pub use sse::{__path_events, events};
pub use ws::{__path_websocket, websocket};
