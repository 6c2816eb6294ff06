//! [`AppState`]: the shared services every handler reaches through `web::Data`.

use crate::auth::{JwtKeys, PasswordHasher, RateLimits, Revocations};
use crate::catalog::ProductCache;
use crate::config::Settings;
use crate::redis_store::RedisStore;
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
}
