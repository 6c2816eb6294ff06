//! Integration tests: a real client against the real server, on the embedded database or on
//! PostgreSQL and Redis (see `helpers`).

mod accounts;
mod actors;
mod addresses;
mod admin;
mod business_rules;
mod cart;
mod catalogs;
mod categories;
mod checkout;
mod crash;
mod db;
mod errors;
mod flash_sale;
mod fulfilment;
mod helpers;
mod import;
mod inventory;
mod live;
mod mail;
mod notifications;
mod operations;
mod orders;
mod products;
mod rate_limits;
mod refunds;
mod reviews;
mod search;
mod sessions;
mod smtp_sink;
mod text_input;
mod users;
