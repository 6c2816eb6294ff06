//! Lock helpers for in-memory state shared between workers.
//!
//! A poisoned lock only means another thread panicked while holding it; the maps behind our
//! locks stay consistent after every single operation, so the guard is taken over instead of
//! turning one panic into a panic on every later request.

use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}
