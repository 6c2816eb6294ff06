//! Bazaar: an actor-based, real-time commerce server.
//!
//! This crate is the HTTP and WebSocket service. `main` only wires settings, telemetry and
//! [`startup::Application`]; everything else lives here so the integration tests start the very
//! same application on a random port.

pub mod accounts;
pub mod auth;
pub mod cart;
pub mod catalog;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod extract;
pub mod live;
mod locks;
pub mod metrics;
pub mod notifications;
pub mod orders;
pub mod outbox;
pub mod payments;
pub mod redis_store;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
