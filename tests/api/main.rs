//! Integration tests: a real client against the real server, database and Redis.

mod accounts;
mod addresses;
mod admin;
mod errors;
mod helpers;
mod operations;
mod rate_limits;
mod sessions;
mod users;
