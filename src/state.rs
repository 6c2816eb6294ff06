//! [`AppState`]: the shared services every handler reaches through `web::Data`.

use crate::auth::{JwtKeys, PasswordHasher, RateLimits, Revocations};
use crate::catalog::ProductCache;
use crate::config::Settings;
use crate::orders::CustomerLocks;
use crate::payments::PaymentGateway;
use crate::redis_store::RedisStore;
use bazaar_actors::cart::Carts;
use bazaar_actors::inventory::Inventory;
use bazaar_actors::journal::Journal;
use sqlx::PgPool;
use std::sync::Arc;

/// What one running application shares between its workers.
pub struct AppState {
    pub settings: Settings,
    pub pool: PgPool,
    pub redis: RedisStore,
    pub jwt: JwtKeys,
    pub passwords: PasswordHasher,
    pub revocations: Arc<Revocations>,
    pub rate_limits: RateLimits,
    /// Product pages in memory, invalidated across processes.
    pub products: Arc<ProductCache>,
    /// The group-commit writer of the hot path.
    pub journal: Journal,
    /// The per-product inventory actors.
    pub inventory: Inventory,
    /// The per-user cart actors.
    pub carts: Carts,
    pub gateway: Arc<dyn PaymentGateway>,
    /// Serializes one customer's checkouts of limited products.
    pub checkout_locks: CustomerLocks,
    /// Routes live events to WebSocket sessions.
    pub hub: bazaar_actors::hub::Hub,
    /// The thread the inventory and cart actors run on.
    pub actors: actix::ArbiterHandle,
}
