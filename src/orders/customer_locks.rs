//! [`CustomerLocks`]: one lock per customer, so one customer's parallel checkouts of limited
//! products cannot both slip under a limit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use uuid::Uuid;

/// One lock per customer, dropped when nobody holds it.
#[derive(Default)]
pub(crate) struct CustomerLocks {
    locks: Mutex<HashMap<Uuid, Weak<tokio::sync::Mutex<()>>>>,
}

impl CustomerLocks {
    pub(crate) fn lock_for(&self, customer: Uuid) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(lock) = locks.get(&customer).and_then(Weak::upgrade) {
            return lock;
        }
        if locks.len() > 1_024 {
            locks.retain(|_, lock| lock.strong_count() > 0);
        }
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        locks.insert(customer, Arc::downgrade(&lock));
        lock
    }
}
