//! [`ProductCache`]: product pages at memory speed.
//!
//! `GET /products/{id}` is the hottest read of a flash sale, so products are kept in memory after
//! their first read. Every change of a product (or its stock, or its ratings) invalidates its entry
//! here and, through a Redis channel, in every other process. A process that loses its
//! subscription forgets everything when it resubscribes, since invalidations published meanwhile
//! are lost. An epoch counter stops a read that raced with an invalidation from caching the stale
//! row it read.

use super::Product;
use crate::locks::{read, write};
use crate::redis_store::{ChannelFollower, RedisStore, follow};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use uuid::Uuid;

/// How many products one process keeps; beyond it, arbitrary entries make room.
const CAPACITY: usize = 100_000;

/// The in-memory product cache of one process.
pub struct ProductCache {
    entries: RwLock<HashMap<Uuid, Arc<Product>>>,
    epoch: AtomicU64,
    redis: RedisStore,
}

impl ProductCache {
    /// A cache that follows the invalidations of every process sharing `redis`'s prefix.
    pub fn start(redis: RedisStore) -> Arc<Self> {
        let cache = Arc::new(Self {
            entries: RwLock::default(),
            epoch: AtomicU64::new(0),
            redis: redis.clone(),
        });
        follow(&redis, Arc::clone(&cache));
        cache
    }

    /// The cached product, if any.
    pub fn get(&self, id: Uuid) -> Option<Arc<Product>> {
        let product = read(&self.entries).get(&id).cloned();
        let outcome = if product.is_some() { "hit" } else { "miss" };
        metrics::counter!("product_cache_lookups_total", "outcome" => outcome).increment(1);
        product
    }

    /// The current epoch: take it before reading a product from the database.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Caches `product` read at `epoch`, unless an invalidation happened since.
    pub fn insert(&self, product: Arc<Product>, epoch: u64) {
        let mut entries = write(&self.entries);
        // Checked under the write lock: invalidations bump the epoch under it too.
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        if entries.len() >= CAPACITY {
            let victims: Vec<Uuid> = entries.keys().take(CAPACITY / 10).copied().collect();
            for victim in victims {
                entries.remove(&victim);
            }
        }
        entries.insert(product.id, product);
    }

    /// Forgets `ids` here and in every other process.
    pub async fn invalidate(&self, ids: &[Uuid]) {
        if ids.is_empty() {
            return;
        }
        self.forget(ids);
        let payload = serde_json::to_string(ids).unwrap_or_default();
        let mut connection = self.redis.connection();
        let published = redis::cmd("PUBLISH")
            .arg(self.channel())
            .arg(payload)
            .query_async::<()>(&mut connection)
            .await;
        if let Err(error) = published {
            // Other processes clear their whole cache when their subscription comes back.
            tracing::warn!(%error, "could not publish a product invalidation");
        }
    }

    fn forget(&self, ids: &[Uuid]) {
        let mut entries = write(&self.entries);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        for id in ids {
            entries.remove(id);
        }
    }
}

impl ChannelFollower for ProductCache {
    fn channel(&self) -> String {
        self.redis.key("product-invalidations")
    }

    async fn resync(&self) -> anyhow::Result<()> {
        let mut entries = write(&self.entries);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.clear();
        Ok(())
    }

    fn on_message(&self, payload: &[u8]) {
        match serde_json::from_slice::<Vec<Uuid>>(payload) {
            Ok(ids) => self.forget(&ids),
            Err(error) => tracing::warn!(%error, "unreadable product invalidation"),
        }
    }
}
