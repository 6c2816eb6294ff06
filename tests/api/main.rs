//! Integration tests: a real client against the real server, database and Redis.

mod accounts;
mod addresses;
mod admin;
mod catalogs;
mod categories;
mod errors;
mod helpers;
mod import;
mod operations;
mod products;
mod rate_limits;
mod reviews;
mod search;
mod sessions;
mod users;
