//! The database: connecting to it (creating and migrating it first), and the refusals the
//! domain reacts to. A `sqlite:` URL selects the embedded database (a file, created with its
//! directory), a `postgres:` URL PostgreSQL.

use anyhow::Context;
pub use bazaar_actors::store::{Database, EmbeddedDatabase, timestamp};
use sqlx::error::ErrorKind;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;
use std::time::Duration;

/// The error PostgreSQL raises when `CREATE DATABASE` races with another creator.
const DUPLICATE_DATABASE: &str = "42P04";

/// How long a statement of the embedded database waits for a lock (only its migrations and a
/// checkpoint can hold one against the writer).
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How much of the embedded database a read connection maps into memory instead of copying
/// each page it reads, which a search visiting thousands of products spends most of its time
/// on (docs/BENCHMARKS.md).
/// The mapped pages are the operating system's page cache, shared by every connection and
/// reclaimable under memory pressure, though they count towards the process's resident memory
/// and a container's memory limit. The cost SQLite documents: an I/O error while reading a
/// mapped page, or the file truncated by something other than SQLite, ends the process with
/// SIGBUS instead of failing one statement (the lock on the file keeps other Bazaar processes
/// out; no other program should write it).
const READ_MMAP_BYTES: u64 = 256 << 20;

/// Connects to the database named in `url`, creating it first if needed, and migrates it.
#[tracing::instrument(skip_all)]
pub async fn connect_and_migrate(url: &str) -> anyhow::Result<Database> {
    match url.split_once(':').map(|(scheme, _)| scheme) {
        Some("sqlite") => connect_embedded(url).await,
        Some("postgres" | "postgresql") => connect_postgres(url).await,
        // Only the scheme: the rest of the URL may hold a password.
        _ => anyhow::bail!(
            "the database URL must start with sqlite:// (the embedded database) or postgres://"
        ),
    }
}

async fn connect_postgres(url: &str) -> anyhow::Result<Database> {
    let options = PgConnectOptions::from_str(url).context("not a PostgreSQL URL")?;
    create_database_if_missing(&options).await?;
    let pool = PgPoolOptions::new()
        .max_connections(16)
        // A request waits at most this long for a connection; beyond it the database is
        // considered down and the client gets 503 instead of hanging.
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(options)
        .await?;
    // A process of the previous release that restarts during a rolling deploy finds the new
    // release's migrations applied. They are expand steps it can run on, so it goes on.
    sqlx::migrate!("./migrations/postgres")
        .set_ignore_missing(true)
        .run(&pool)
        .await?;
    Ok(Database::Postgres(pool))
}

/// Opens (creating it and its directory if needed) and migrates the embedded database: WAL, so
/// readers never wait for the writer; `synchronous=FULL`, so a commit is on disk before it is
/// acknowledged; foreign keys on.
async fn connect_embedded(url: &str) -> anyhow::Result<Database> {
    let options = SqliteConnectOptions::from_str(url)
        .context("not an SQLite URL")?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(SQLITE_BUSY_TIMEOUT);
    let file = options.get_filename().to_owned();
    if let Some(directory) = file.parent()
        && !directory.as_os_str().is_empty()
    {
        std::fs::create_dir_all(directory)
            .with_context(|| format!("cannot create the directory {}", directory.display()))?;
    }
    open_embedded(options)
        .await
        .with_context(|| format!("cannot open the database file {}", file.display()))
}

async fn open_embedded(options: SqliteConnectOptions) -> anyhow::Result<Database> {
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(options.clone())
        .await?;
    sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
    let reads = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(
            options
                .read_only(true)
                .pragma("mmap_size", READ_MMAP_BYTES.to_string()),
        )
        .await?;
    Ok(Database::Sqlite(EmbeddedDatabase { reads, writer }))
}

async fn create_database_if_missing(options: &PgConnectOptions) -> anyhow::Result<()> {
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    let mut admin = options.clone().database("postgres").connect().await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await?;
    if !exists {
        // Identifiers cannot be bound; quote it, doubling any quote inside.
        let statement = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
        let created = sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
            .execute(&mut admin)
            .await;
        match created {
            Ok(_) => tracing::info!(database = %name, "created database"),
            Err(sqlx::Error::Database(error))
                if error.code().as_deref() == Some(DUPLICATE_DATABASE) => {}
            Err(error) => return Err(error.into()),
        }
    }
    admin.close().await?;
    Ok(())
}

/// Whether `error` is the database refusing a change for breaking a constraint of `kind`.
pub(crate) fn violates(error: &sqlx::Error, kind: ErrorKind) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.kind() == kind)
}
