//! The accounts' routes (→ [`crate::accounts`]): sign-up and sign-in flows, one's own profile and
//! address book, and user management by admins.

pub(super) mod addresses;
pub(super) mod admin;
pub(super) mod couriers;
pub(super) mod flows;
pub(super) mod users;
