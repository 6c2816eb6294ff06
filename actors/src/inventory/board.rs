//! [`StockBoard`]: every running actor's `available`, readable without messaging the actor.
//!
//! Product pages show live stock at memory speed: they read this board instead of asking the
//! actor. Each actor stores into its own atomic after every change; readers take a shared lock
//! only to find the atomic.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use uuid::Uuid;

/// Live `available` per product, as last published by its actor in this process.
#[derive(Default)]
pub struct StockBoard {
    slots: RwLock<HashMap<Uuid, Arc<AtomicI64>>>,
}

impl StockBoard {
    /// The live `available` of `product`, if an actor of this process has published it.
    pub fn available(&self, product: Uuid) -> Option<i64> {
        let slots = self.slots.read().unwrap_or_else(PoisonError::into_inner);
        slots.get(&product).map(|slot| slot.load(Ordering::Acquire))
    }

    /// Records `available` as learned from another process's actor, so this process's product
    /// pages show it too.
    pub fn record(&self, product: Uuid, available: i64) {
        self.slot(product).store(available, Ordering::Release);
    }

    /// The slot an actor publishes into.
    pub(crate) fn slot(&self, product: Uuid) -> Arc<AtomicI64> {
        let mut slots = self.slots.write().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slots.entry(product).or_default())
    }
}
