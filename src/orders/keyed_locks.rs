//! [`KeyedLocks`]: one async lock per key, dropped when nobody holds it. Checkouts take one per
//! customer, so one customer's parallel checkouts of limited products cannot both slip under a
//! limit, and one per idempotency key, so a retry waits for an earlier attempt still in flight
//! in this process (a journal unit waiting out an outage) and replays its outcome, instead of
//! running as a new request that could answer "out of stock" for a key whose first attempt then
//! commits an order.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError, Weak};

/// One lock per key, dropped when nobody holds it.
pub(crate) struct KeyedLocks<K> {
    locks: Mutex<HashMap<K, Weak<tokio::sync::Mutex<()>>>>,
}

impl<K> Default for KeyedLocks<K> {
    fn default() -> Self {
        Self {
            locks: Mutex::default(),
        }
    }
}

impl<K: Eq + Hash> KeyedLocks<K> {
    pub(crate) fn lock_for(&self, key: K) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(lock) = locks.get(&key).and_then(Weak::upgrade) {
            return lock;
        }
        if locks.len() > 1_024 {
            locks.retain(|_, lock| lock.strong_count() > 0);
        }
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        locks.insert(key, Arc::downgrade(&lock));
        lock
    }
}
