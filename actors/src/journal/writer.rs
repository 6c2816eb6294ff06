//! The group-commit writer task and its handle.

use super::unit::{Applied, Batchable, Unit};
use crate::store::{self, Database, Transaction};
use std::any::TypeId;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// How the journal batches.
#[derive(Clone, Copy, Debug)]
pub struct JournalConfig {
    /// The most units in one transaction.
    pub max_batch: usize,
    /// How long to wait for more units once one has arrived and the batch is not full. Zero
    /// batches only what queued while the previous transaction was in flight.
    pub max_delay: Duration,
}

impl Default for JournalConfig {
    fn default() -> Self {
        Self {
            max_batch: 512,
            max_delay: Duration::ZERO,
        }
    }
}

/// Why a unit did not land.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The database refused the unit (a constraint it breaks, such as the stock `CHECK`).
    #[error("the database refused the change: {0}")]
    Refused(sqlx::Error),
    /// The database could not be reached or failed; the unit did not commit.
    #[error("the database is unavailable: {0}")]
    Unavailable(sqlx::Error),
    /// The journal is not running.
    #[error("the journal has stopped")]
    Stopped,
}

impl JournalError {
    fn from_sqlx(error: sqlx::Error) -> Self {
        if is_refusal(&error) {
            JournalError::Refused(error)
        } else {
            JournalError::Unavailable(error)
        }
    }
}

/// Whether the database answered by refusing the change (a constraint, a conflict), as opposed to
/// failing: no connection, or the server going away (SQLSTATE classes 08 connection exception,
/// 57 operator intervention such as a shutdown, 58 system error, XX internal error).
fn is_refusal(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(error) => !error.code().is_some_and(|code| {
            ["08", "57", "58", "XX"]
                .iter()
                .any(|class| code.starts_with(class))
        }),
        _ => false,
    }
}

type Reply = oneshot::Sender<Result<bool, JournalError>>;

/// A cloneable handle to the journal.
#[derive(Clone)]
pub struct Journal {
    queue: mpsc::UnboundedSender<(Unit, Reply)>,
}

impl Journal {
    /// Starts the writer on the current runtime.
    pub fn start(db: Database, config: JournalConfig) -> Self {
        let (queue, units) = mpsc::unbounded_channel();
        tokio::spawn(run(db, config, units));
        Self { queue }
    }

    /// Queues `unit` now; the returned future resolves once its transaction committed.
    /// `Ok(true)`: applied; `Ok(false)`: its conditions did not hold, nothing changed.
    pub fn write(
        &self,
        unit: impl Into<Unit>,
    ) -> impl std::future::Future<Output = Result<bool, JournalError>> + Send + 'static {
        let (reply, outcome) = oneshot::channel();
        let queued = self.queue.send((unit.into(), reply)).is_ok();
        async move {
            if !queued {
                return Err(JournalError::Stopped);
            }
            outcome.await.map_err(|_| JournalError::Stopped)?
        }
    }
}

async fn run(
    db: Database,
    config: JournalConfig,
    mut units: mpsc::UnboundedReceiver<(Unit, Reply)>,
) {
    let batch_size = metrics::histogram!("journal_batch_units");
    let commit_seconds = metrics::histogram!("journal_commit_seconds");
    let mut batch = Vec::with_capacity(config.max_batch);
    while let Some(first) = units.recv().await {
        batch.push(first);
        gather(&mut units, &mut batch, config).await;
        let started = std::time::Instant::now();
        batch_size.record(batch.len() as f64);
        commit(&db, &mut batch).await;
        commit_seconds.record(started.elapsed().as_secs_f64());
    }
}

/// Takes what is queued, and waits up to `max_delay` for more, without exceeding `max_batch`.
async fn gather(
    units: &mut mpsc::UnboundedReceiver<(Unit, Reply)>,
    batch: &mut Vec<(Unit, Reply)>,
    config: JournalConfig,
) {
    let deadline = tokio::time::Instant::now() + config.max_delay;
    while batch.len() < config.max_batch {
        match units.try_recv() {
            Ok(unit) => batch.push(unit),
            Err(_) if config.max_delay.is_zero() => return,
            Err(_) => match tokio::time::timeout_at(deadline, units.recv()).await {
                Ok(Some(unit)) => batch.push(unit),
                _ => return,
            },
        }
    }
}

/// Why a batch did not commit.
enum BatchError {
    /// A statement failed, or the database refused the commit: nothing landed.
    Failed(sqlx::Error),
    /// The COMMIT went unanswered (the connection broke): the batch may have landed.
    Unanswered(sqlx::Error),
}

/// Commits the batch, or each unit alone if the batch failed; answers every caller. A batch
/// whose COMMIT went unanswered is not retried: its units may have landed, and running them again
/// could apply them twice. Their callers get `Unavailable` and find out from the database.
async fn commit(db: &Database, batch: &mut Vec<(Unit, Reply)>) {
    let units: Vec<&Unit> = batch.iter().map(|(unit, _)| unit).collect();
    match write_batch(db, &units).await {
        Ok(outcomes) => {
            for ((unit, reply), outcome) in batch.drain(..).zip(outcomes) {
                if outcome {
                    unit.0.committed();
                }
                let _ = reply.send(Ok(outcome));
            }
        }
        Err(BatchError::Unanswered(error)) => {
            tracing::warn!(%error, units = batch.len(), "a commit went unanswered");
            let message = error.to_string();
            for (_, reply) in batch.drain(..) {
                let _ = reply.send(Err(JournalError::Unavailable(sqlx::Error::Protocol(
                    format!("the commit went unanswered: {message}"),
                ))));
            }
        }
        Err(BatchError::Failed(error)) if batch.len() == 1 => {
            if let Some((_, reply)) = batch.pop() {
                let _ = reply.send(Err(JournalError::from_sqlx(error)));
            }
        }
        Err(BatchError::Failed(error)) => {
            tracing::debug!(%error, units = batch.len(), "batch failed; retrying unit by unit");
            for (unit, reply) in batch.drain(..) {
                let outcome = write_batch(db, &[&unit])
                    .await
                    .map(|outcomes| outcomes.first().copied().unwrap_or(false))
                    .map_err(|error| match error {
                        BatchError::Failed(error) => JournalError::from_sqlx(error),
                        BatchError::Unanswered(error) => JournalError::Unavailable(error),
                    });
                if matches!(outcome, Ok(true)) {
                    unit.0.committed();
                }
                let _ = reply.send(outcome);
            }
        }
    }
}

/// One transaction: every unit's statements (batchable kinds together), then the summed stock
/// changes and the ledger.
async fn write_batch(db: &Database, units: &[&Unit]) -> Result<Vec<bool>, BatchError> {
    let started = std::time::Instant::now();
    let (tx, outcomes) = apply_batch(db, units).await.map_err(BatchError::Failed)?;
    metrics::histogram!("journal_statements_seconds").record(started.elapsed().as_secs_f64());
    match tx.commit().await {
        Ok(()) => Ok(outcomes),
        // The database refused the commit (a deferred constraint): nothing landed.
        Err(error) if is_refusal(&error) => Err(BatchError::Failed(error)),
        Err(error) => Err(BatchError::Unanswered(error)),
    }
}

/// Runs every unit's statements in one transaction, left open for the caller to commit.
async fn apply_batch(db: &Database, units: &[&Unit]) -> sqlx::Result<(Transaction, Vec<bool>)> {
    let mut tx = db.begin().await?;
    let mut outcomes = vec![false; units.len()];
    let mut changes = Vec::new();
    // Units of one batchable kind, by kind, with their positions in the batch.
    let mut kinds: Vec<(TypeId, Vec<usize>)> = Vec::new();
    for (index, unit) in units.iter().enumerate() {
        match unit.0.batchable() {
            Some(batchable) => {
                let kind = batchable.as_any().type_id();
                match kinds.iter_mut().find(|(k, _)| *k == kind) {
                    Some((_, members)) => members.push(index),
                    None => kinds.push((kind, vec![index])),
                }
            }
            None => {
                let Applied { accepted, stock } = unit.0.apply(tx.connection()).await?;
                outcomes[index] = accepted;
                if accepted {
                    changes.extend(stock);
                }
            }
        }
    }
    for (_, members) in kinds {
        let together: Vec<&dyn Batchable> = members
            .iter()
            .filter_map(|&index| units[index].0.batchable())
            .collect();
        let applied = together[0]
            .apply_together(&together, tx.connection())
            .await?;
        for (index, Applied { accepted, stock }) in members.into_iter().zip(applied) {
            outcomes[index] = accepted;
            if accepted {
                changes.extend(stock);
            }
        }
    }
    store::write_stock(tx.connection(), &changes).await?;
    Ok((tx, outcomes))
}
