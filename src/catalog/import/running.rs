//! The sellers with an import running in this process. A seller runs one import at a time: a
//! second upload while the first is still being read is refused, so one account cannot multiply
//! what an import costs by sending many at once.

use crate::locks;
use std::collections::HashSet;
use std::sync::{Arc, RwLock};
use uuid::Uuid;

/// Sellers whose import is running.
#[derive(Debug, Default)]
pub(crate) struct RunningImports(RwLock<HashSet<Uuid>>);

impl RunningImports {
    /// Marks `seller`'s import as running until the returned guard drops, or `None` if one
    /// already is.
    pub(crate) fn start(self: &Arc<Self>, seller: Uuid) -> Option<RunningImport> {
        locks::write(&self.0).insert(seller).then(|| RunningImport {
            imports: Arc::clone(self),
            seller,
        })
    }
}

/// A running import; dropping it (the import finished, failed or its client went away) lets the
/// seller start another.
pub(crate) struct RunningImport {
    imports: Arc<RunningImports>,
    seller: Uuid,
}

impl Drop for RunningImport {
    fn drop(&mut self) {
        locks::write(&self.imports.0).remove(&self.seller);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_import_per_seller_until_it_ends() {
        let imports = Arc::new(RunningImports::default());
        let (seller, other) = (Uuid::now_v7(), Uuid::now_v7());
        let first = imports.start(seller).expect("the first import starts");
        assert!(imports.start(seller).is_none(), "a second one waits");
        assert!(
            imports.start(other).is_some(),
            "other sellers are not held up"
        );
        drop(first);
        assert!(imports.start(seller).is_some());
        assert!(locks::read(&imports.0).is_empty(), "nothing is left behind");
    }
}
