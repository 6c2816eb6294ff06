//! [`AfterCommit`]: what a unit learns while it applies, for its caller to read after the commit.

use std::sync::{Arc, Mutex, PoisonError};

/// A value a unit sets while it applies. `apply` may run twice (in a batch that failed, then
/// alone), so the value is overwritten, never appended. The unit and its caller each hold an
/// `Arc` of it: the unit goes to the journal, the caller keeps the other.
#[derive(Debug)]
pub(crate) struct AfterCommit<T>(Arc<Mutex<Option<T>>>);

impl<T> Default for AfterCommit<T> {
    fn default() -> Self {
        Self(Arc::default())
    }
}

impl<T> Clone for AfterCommit<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T: Clone> AfterCommit<T> {
    pub(crate) fn set(&self, value: T) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(value);
    }

    /// Forgets what an earlier try of the unit set.
    pub(crate) fn clear(&self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// What the unit set, if it applied.
    pub(crate) fn get(&self) -> Option<T> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
