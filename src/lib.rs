//! Bazaar: an actor-based, real-time commerce server.
//!
//! This crate is the HTTP and WebSocket service. `main` only wires the command line, settings,
//! telemetry and [`startup::Application`]; everything else lives here so the integration tests
//! start the very same application on a random port. `docs/ARCHITECTURE.md` maps every route to
//! its domain module, store and actors.
//!
//! Items are crate-private unless a caller outside needs them: the binary, the integration tests
//! and the load-test harness use what is re-exported below.

#![warn(unreachable_pub)]

mod accounts;
mod analytics;
mod auth;
mod bus;
mod cart;
mod catalog;
mod client_address;
mod clock;
pub mod config;
mod coupons;
pub mod db;
pub mod demo;
mod domain;
mod drops;
mod error;
mod extract;
mod health;
mod live;
mod locks;
mod metrics;
mod notifications;
mod orders;
mod outbox;
mod payments;
mod promotions;
mod redis_store;
mod routes;
mod security_headers;
mod services;
mod single_process;
pub mod startup;
mod stock;
pub mod telemetry;
mod wallet;
mod web_client;

pub use auth::JwtKeys;
pub use catalog::seed;
pub use domain::Role;
