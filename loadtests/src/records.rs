//! The server's database as the checker reads it after a run: PostgreSQL, or the embedded SQLite
//! file, opened read-only beside the running server. The checker's statements are written once,
//! in SQL both backends understand, and their rows decode the same way from either.

use sqlx::FromRow;
use sqlx::postgres::{PgPool, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteRow};
use std::str::FromStr;

/// A connection to the database of the server under test.
pub enum Records {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

impl Records {
    /// Opens the database of `url`, the server's `BAZAAR_DATABASE_URL`.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?.read_only(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await?;
            return Ok(Self::Sqlite(pool));
        }
        Ok(Self::Postgres(PgPool::connect(url).await?))
    }

    /// The rows of `statement`, which takes no parameters.
    pub async fn rows<T>(&self, statement: &'static str) -> sqlx::Result<Vec<T>>
    where
        T: for<'r> FromRow<'r, PgRow> + for<'r> FromRow<'r, SqliteRow> + Send + Unpin,
    {
        match self {
            Self::Postgres(pool) => sqlx::query_as(statement).fetch_all(pool).await,
            Self::Sqlite(pool) => sqlx::query_as(statement).fetch_all(pool).await,
        }
    }
}
