//! Bazaar: an actor-based, real-time commerce server.
//!
//! This crate is the HTTP and WebSocket service. `main` only wires the command line, settings,
//! telemetry and [`startup::Application`]; everything else lives here so the integration tests
//! start the very same application on a random port. `docs/ARCHITECTURE.md` maps every route to
//! its domain module, store and actors.

pub mod accounts;
pub mod auth;
pub mod cart;
pub mod catalog;
mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
mod extract;
mod health;
pub mod live;
mod locks;
pub mod metrics;
pub mod notifications;
pub mod orders;
pub mod outbox;
pub mod payments;
mod redis_store;
mod routes;
mod services;
pub mod startup;
mod stock;
pub mod telemetry;
