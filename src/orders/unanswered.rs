//! When a journal unit's commit goes unanswered (the connection broke, the database stopped), it
//! may or may not have landed: the database is asked until it answers.

use std::future::Future;
use std::time::Duration;
use uuid::Uuid;

/// How long to keep asking.
const WAIT: Duration = Duration::from_secs(10);

/// Whether the unit identified by `id` is stored, asking `exists` until the database answers,
/// for up to [`WAIT`]; `None` if it never did.
pub(crate) async fn stored_after_all<F, Fut>(id: Uuid, exists: F) -> Option<bool>
where
    F: Fn(Uuid) -> Fut,
    Fut: Future<Output = sqlx::Result<bool>>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match exists(id).await {
            Ok(stored) => return Some(stored),
            Err(_) if tokio::time::Instant::now() >= deadline => return None,
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}
