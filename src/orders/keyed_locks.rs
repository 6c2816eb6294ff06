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
    locks: Mutex<Locks<K>>,
}

struct Locks<K> {
    by_key: HashMap<K, Weak<tokio::sync::Mutex<()>>>,
    /// The size at which released locks are swept out next: twice what the last sweep kept, so
    /// a checkout pays for a sweep only once per doubling, however many keys are in flight.
    sweep_at: usize,
}

/// Below this many locks, none are swept.
const FIRST_SWEEP: usize = 1_024;

impl<K> Default for KeyedLocks<K> {
    fn default() -> Self {
        Self {
            locks: Mutex::new(Locks {
                by_key: HashMap::new(),
                sweep_at: FIRST_SWEEP,
            }),
        }
    }
}

impl<K: Eq + Hash> KeyedLocks<K> {
    pub(crate) fn lock_for(&self, key: K) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(lock) = locks.by_key.get(&key).and_then(Weak::upgrade) {
            return lock;
        }
        if locks.by_key.len() >= locks.sweep_at {
            locks.by_key.retain(|_, lock| lock.strong_count() > 0);
            locks.sweep_at = (locks.by_key.len() * 2).max(FIRST_SWEEP);
        }
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        locks.by_key.insert(key, Arc::downgrade(&lock));
        lock
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_shares_its_lock_while_held_and_released_locks_are_swept() {
        let locks = KeyedLocks::default();
        let held = locks.lock_for(1);
        assert!(Arc::ptr_eq(&held, &locks.lock_for(1)), "one lock per key");
        assert!(!Arc::ptr_eq(&held, &locks.lock_for(2)));
        for key in 3..10_000 {
            drop(locks.lock_for(key));
        }
        let kept = locks.locks.lock().unwrap().by_key.len();
        assert!(kept <= FIRST_SWEEP, "released locks are swept: {kept} kept");
        assert!(
            Arc::ptr_eq(&held, &locks.lock_for(1)),
            "a held lock survives a sweep"
        );
    }

    #[test]
    fn many_held_locks_do_not_make_every_new_key_sweep() {
        let locks = KeyedLocks::default();
        let held: Vec<_> = (0..5_000).map(|key| locks.lock_for(key)).collect();
        let sweep_at = locks.locks.lock().unwrap().sweep_at;
        assert!(
            sweep_at > held.len(),
            "the next sweep waits for the map to double: {sweep_at}"
        );
    }
}
