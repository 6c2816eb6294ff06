//! [`SingleProcess`]: the claim of a server that must be the only process of its deployment.
//!
//! The embedded database is served by one process, and so is PostgreSQL without Redis (nothing
//! would tell other processes about revocations, cache invalidations or carts). Such a server
//! claims its database at start-up and keeps the claim until it exits: a lock file beside the
//! SQLite file, or a PostgreSQL advisory lock (scoped to the database) on a connection of its
//! own. A second server of the same deployment waits a few seconds (the first may be shutting
//! down) and then refuses to start.

use crate::db::Database;
use anyhow::Context;
use sqlx::sqlite::SqliteConnectOptions;
use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

/// How long a starting server waits for the claim of a stopping one.
const WAIT: Duration = Duration::from_secs(5);

/// The advisory lock key of a single-process deployment on PostgreSQL.
const ADVISORY_KEY: i64 = 0x6261_7a61_6172; // "bazaar"

/// Held for as long as the server runs; dropping it gives the claim up (it is never read).
pub(crate) enum SingleProcess {
    LockFile { _locked: File },
    Advisory { _locked: sqlx::PgConnection },
}

impl SingleProcess {
    /// Claims the deployment of `database_url` if it must have one process (`shared`: the
    /// deployment shares Redis), waiting up to [`WAIT`] for a process that is stopping.
    pub(crate) async fn claim(
        database_url: &str,
        db: &Database,
        shared: bool,
    ) -> anyhow::Result<Option<Self>> {
        match db {
            Database::Sqlite(_) => Ok(Some(Self::lock_file(database_url).await?)),
            Database::Postgres(_) if shared => Ok(None),
            Database::Postgres(pool) => Ok(Some(Self::advisory(pool).await?)),
        }
    }

    async fn lock_file(database_url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(database_url)?;
        let mut path = PathBuf::from(options.get_filename());
        path.as_mut_os_string().push(".lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => {
                    record_holder(&file)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    return Ok(SingleProcess::LockFile { _locked: file });
                }
                Err(TryLockError::WouldBlock) if started.elapsed() < WAIT => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(TryLockError::WouldBlock) => anyhow::bail!(
                    "{} serves this database (it holds {}); the embedded database serves one \
                     process: stop it, or give this one another BAZAAR_DATABASE_URL",
                    holder(&path),
                    path.display()
                ),
                Err(TryLockError::Error(error)) => {
                    return Err(error).with_context(|| format!("cannot lock {}", path.display()));
                }
            }
        }
    }

    async fn advisory(pool: &sqlx::PgPool) -> anyhow::Result<Self> {
        // Out of the pool: the lock lives as long as this connection, which closes on drop.
        let mut connection = pool.acquire().await?.detach();
        let started = Instant::now();
        loop {
            let claimed: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(ADVISORY_KEY)
                .fetch_one(&mut connection)
                .await?;
            if claimed {
                return Ok(SingleProcess::Advisory {
                    _locked: connection,
                });
            }
            anyhow::ensure!(
                started.elapsed() < WAIT,
                "another Bazaar process serves this database without Redis; several processes \
                 of one deployment need BAZAAR_REDIS_URL"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Writes this process's id into the lock file it holds, for a refused second process to name.
fn record_holder(mut file: &File) -> std::io::Result<()> {
    file.set_len(0)?;
    write!(file, "{}", std::process::id())?;
    file.sync_data()
}

/// The process named in the lock file at `path`, as a refusal says it.
fn holder(path: &Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(pid) if !pid.trim().is_empty() => format!("the Bazaar process {}", pid.trim()),
        _ => "another Bazaar process".into(),
    }
}
