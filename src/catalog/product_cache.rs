//! [`ProductCache`]: product pages at memory speed.
//!
//! `GET /products/{id}` is the hottest read of a flash sale, so products are kept in memory after
//! their first read. Every change of a product (or its stock, or its ratings) invalidates its entry
//! here and, through the [`Bus`], in every other process. A process that loses its
//! subscription forgets everything when it resubscribes, since invalidations published meanwhile
//! are lost. An epoch counter stops a read that raced with an invalidation from caching the stale
//! row it read.

use super::Product;
use crate::bus::Bus;
use crate::locks::{read, write};
use crate::redis_store::ChannelFollower;
use actix_web::web::Bytes;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use uuid::Uuid;

/// How many products one process keeps; beyond it, arbitrary entries make room.
const CAPACITY: usize = 100_000;

/// A product with its JSON already rendered around the one field that changes with every sale,
/// so serving it costs a copy, not a serialization.
#[derive(Debug)]
pub(crate) struct CachedProduct {
    pub product: Product,
    /// The JSON up to and including `"available":`.
    head: Bytes,
    /// The JSON after the value of `available`.
    tail: Bytes,
}

impl CachedProduct {
    /// Renders `product` with its `available` field taken out of the object by structure and put
    /// back last, so the live value goes between `head` and `tail`. Nothing searches the text: a
    /// seller's text or attributes cannot move where the stock goes.
    pub(crate) fn new(product: Product) -> Result<Self, serde_json::Error> {
        let Value::Object(mut fields) = serde_json::to_value(&product)? else {
            return Err(serde::ser::Error::custom("a product is a JSON object"));
        };
        fields.remove("available");
        let mut head = serde_json::to_vec(&fields)?;
        // `fields` rendered as `{...}`: drop the closing brace, then append the stock's key.
        head.pop();
        if !fields.is_empty() {
            head.push(b',');
        }
        head.extend_from_slice(b"\"available\":");
        Ok(Self {
            head: Bytes::from(head),
            tail: Bytes::from_static(b"}"),
            product,
        })
    }

    /// The product's JSON with `available` units.
    pub(crate) fn to_json(&self, available: i64) -> Bytes {
        let mut number = itoa::Buffer::new();
        let number = number.format(available);
        let mut json = Vec::with_capacity(self.head.len() + number.len() + self.tail.len());
        json.extend_from_slice(&self.head);
        json.extend_from_slice(number.as_bytes());
        json.extend_from_slice(&self.tail);
        Bytes::from(json)
    }
}

/// The in-memory product cache of one process.
pub(crate) struct ProductCache {
    entries: RwLock<HashMap<Uuid, Arc<CachedProduct>>>,
    epoch: AtomicU64,
    bus: Bus,
    hits: metrics::Counter,
    misses: metrics::Counter,
}

impl ProductCache {
    /// A cache that follows the invalidations of every process on `bus`.
    pub(crate) fn start(bus: Bus) -> Arc<Self> {
        let cache = Arc::new(Self {
            entries: RwLock::default(),
            epoch: AtomicU64::new(0),
            bus: bus.clone(),
            hits: metrics::counter!("product_cache_lookups_total", "outcome" => "hit"),
            misses: metrics::counter!("product_cache_lookups_total", "outcome" => "miss"),
        });
        bus.follow(Arc::clone(&cache));
        cache
    }

    /// The cached product, if any.
    pub(crate) fn get(&self, id: Uuid) -> Option<Arc<CachedProduct>> {
        let product = read(&self.entries).get(&id).cloned();
        match product {
            Some(_) => self.hits.increment(1),
            None => self.misses.increment(1),
        }
        product
    }

    /// The current epoch: take it before reading a product from the database.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Caches `product` read at `epoch`, unless an invalidation happened since.
    pub(crate) fn insert(&self, product: Arc<CachedProduct>, epoch: u64) {
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
        entries.insert(product.product.id, product);
    }

    /// Forgets `ids` here and in every other process.
    pub(crate) async fn invalidate(&self, ids: &[Uuid]) {
        if ids.is_empty() {
            return;
        }
        self.forget(ids);
        let payload = serde_json::to_string(ids).unwrap_or_default();
        if let Err(error) = self.bus.publish(self.channel(), payload).await {
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
    fn channel(&self) -> &'static str {
        "product-invalidations"
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ProductStatus;
    use time::OffsetDateTime;

    #[test]
    fn rendered_json_equals_serialized_json_for_any_stock() {
        let product = Product {
            id: Uuid::now_v7(),
            seller_id: Uuid::now_v7(),
            sku: "S-1".into(),
            name: "\"available\":-9223372036854775808 tricky name".into(),
            description: String::new(),
            brand: None,
            category_id: Uuid::now_v7(),
            price_cents: 100,
            currency: "EUR".into(),
            images: vec![],
            attributes: serde_json::json!({"available": i64::MIN, "note": "\"available\":-9223372036854775808"}),
            status: ProductStatus::Published,
            available: 7,
            rating_avg: Some(4.5),
            rating_count: 2,
            max_per_customer: None,
            sale_starts_at: None,
            sale_ends_at: None,
            sale_price_cents: None,
            waiting_room: false,
            max_per_order: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        };
        let cached = CachedProduct::new(product.clone()).unwrap();
        for available in [0, 7, 123_456, -1, i64::MIN] {
            let expected = serde_json::to_value(Product {
                available,
                ..product.clone()
            })
            .unwrap();
            let rendered: Value = serde_json::from_slice(&cached.to_json(available)).unwrap();
            assert_eq!(rendered, expected, "the stock lands in `available` alone");
        }
    }
}
