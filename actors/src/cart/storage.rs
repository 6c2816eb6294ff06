//! Where carts live: a Redis hash per cart with a TTL, shared by every process of a deployment,
//! or the database, for a server that runs without Redis. Either way a cart not changed for
//! [`CART_TTL`] is gone.

use super::actor::{CartError, CartLines};
use crate::store::Database;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use std::time::Duration;
use uuid::Uuid;

/// How long a cart survives without changes.
pub const CART_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The store of every cart.
#[derive(Clone)]
pub enum CartStorage {
    /// The hash `{key_prefix}:cart:{user}` (field: product, value: quantity), expiring
    /// [`CART_TTL`] after its last change.
    Redis {
        connection: ConnectionManager,
        key_prefix: String,
    },
    /// The `carts` and `cart_lines` tables.
    Database(Database),
}

impl CartStorage {
    /// The lines of `user`'s cart (none if it expired).
    pub(crate) async fn load(&self, user: Uuid) -> Result<CartLines, CartError> {
        match self {
            CartStorage::Redis {
                connection,
                key_prefix,
            } => {
                let fields: Vec<(String, i64)> = connection
                    .clone()
                    .hgetall(cart_key(key_prefix, user))
                    .await
                    .map_err(unavailable)?;
                Ok(fields
                    .into_iter()
                    .filter_map(|(product, qty)| Some((product.parse().ok()?, qty)))
                    .collect())
            }
            CartStorage::Database(db) => {
                let lines = crate::store::load_cart(db, user, CART_TTL)
                    .await
                    .map_err(unavailable)?;
                Ok(lines.into_iter().collect())
            }
        }
    }

    /// Sets the quantity of `product` in `user`'s cart (0 removes the line) and restarts the
    /// cart's TTL.
    pub(crate) async fn write_line(
        &self,
        user: Uuid,
        product: Uuid,
        qty: i64,
    ) -> Result<(), CartError> {
        match self {
            CartStorage::Redis {
                connection,
                key_prefix,
            } => {
                let key = cart_key(key_prefix, user);
                let mut pipe = redis::pipe();
                pipe.atomic();
                if qty == 0 {
                    pipe.hdel(&key, product.to_string()).ignore();
                } else {
                    pipe.hset(&key, product.to_string(), qty).ignore();
                }
                pipe.expire(&key, ttl_seconds()).ignore();
                pipe.query_async::<()>(&mut connection.clone())
                    .await
                    .map_err(unavailable)
            }
            CartStorage::Database(db) => {
                crate::store::write_cart_line(db, user, product, qty, CART_TTL)
                    .await
                    .map_err(unavailable)
            }
        }
    }

    /// Empties `user`'s cart.
    pub(crate) async fn clear(&self, user: Uuid) -> Result<(), CartError> {
        match self {
            CartStorage::Redis {
                connection,
                key_prefix,
            } => connection
                .clone()
                .del::<_, ()>(cart_key(key_prefix, user))
                .await
                .map_err(unavailable),
            CartStorage::Database(db) => crate::store::clear_cart(db, user)
                .await
                .map_err(unavailable),
        }
    }

    /// Deletes the carts whose TTL ran out, returning how many (Redis expires its own: none).
    pub async fn prune_expired(&self) -> Result<u64, CartError> {
        match self {
            CartStorage::Redis { .. } => Ok(0),
            CartStorage::Database(db) => crate::store::prune_carts(db, CART_TTL)
                .await
                .map_err(unavailable),
        }
    }
}

fn cart_key(key_prefix: &str, user: Uuid) -> String {
    format!("{key_prefix}:cart:{user}")
}

fn ttl_seconds() -> i64 {
    i64::try_from(CART_TTL.as_secs()).unwrap_or(i64::MAX)
}

fn unavailable(error: impl std::fmt::Display) -> CartError {
    CartError::Unavailable(error.to_string())
}
