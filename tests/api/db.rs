//! [`TestDb`]: the test's own connection to the database of the app under test, on either
//! backend, for what no client can see (the ledger, stored hashes) or do (age a token).
//!
//! Statements are written once for both backends: `$1` parameters, `CAST(... AS BIGINT)`
//! instead of `::bigint`, times bound as [`Bind::Time`] instead of `now()`.

use sqlx::postgres::PgRow;
use sqlx::sqlite::{SqliteConnectOptions, SqliteRow};
use sqlx::{FromRow, PgPool, SqlitePool};
use std::str::FromStr;
use time::OffsetDateTime;
use uuid::Uuid;

/// A connection pool to the database of one app.
#[derive(Clone)]
pub enum TestDb {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// A value bound to a statement.
#[derive(Clone, Debug)]
pub enum Bind {
    Uuid(Uuid),
    Text(String),
    Int(i64),
    /// A time, stored as the backend stores times.
    Time(OffsetDateTime),
}

impl From<Uuid> for Bind {
    fn from(id: Uuid) -> Self {
        Bind::Uuid(id)
    }
}

impl From<&str> for Bind {
    fn from(text: &str) -> Self {
        Bind::Text(text.to_owned())
    }
}

impl From<i64> for Bind {
    fn from(n: i64) -> Self {
        Bind::Int(n)
    }
}

impl From<OffsetDateTime> for Bind {
    fn from(at: OffsetDateTime) -> Self {
        Bind::Time(at)
    }
}

/// Binds `binds` to `$query` in order, for either backend.
macro_rules! bound {
    ($query:expr, $binds:expr, $time:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                Bind::Uuid(id) => query.bind(*id),
                Bind::Text(text) => query.bind(text.clone()),
                Bind::Int(n) => query.bind(*n),
                Bind::Time(at) => query.bind($time(*at)),
            };
        }
        query
    }};
}

impl From<&bazaar::db::Database> for TestDb {
    /// The pools of a database opened in the test itself (the embedded one: its writer).
    fn from(db: &bazaar::db::Database) -> Self {
        match db {
            bazaar::db::Database::Postgres(pool) => TestDb::Postgres(pool.clone()),
            bazaar::db::Database::Sqlite(embedded) => TestDb::Sqlite(embedded.writer.clone()),
        }
    }
}

impl TestDb {
    /// Opens a pool of its own to the database at `url`.
    pub async fn connect(url: &str) -> Self {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .expect("sqlite url")
                .busy_timeout(std::time::Duration::from_secs(10))
                .foreign_keys(true);
            TestDb::Sqlite(
                SqlitePool::connect_with(options)
                    .await
                    .expect("open sqlite"),
            )
        } else {
            TestDb::Postgres(PgPool::connect(url).await.expect("connect postgres"))
        }
    }

    /// Runs a statement; the rows it changed.
    pub async fn execute(&self, sql: &str, binds: &[Bind]) -> u64 {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self {
            TestDb::Postgres(pool) => bound!(sqlx::query(sql), binds, |at| at)
                .execute(pool)
                .await
                .map(|done| done.rows_affected()),
            TestDb::Sqlite(pool) => bound!(sqlx::query(sql), binds, bazaar::db::timestamp)
                .execute(pool)
                .await
                .map(|done| done.rows_affected()),
        }
        .unwrap_or_else(|error| panic!("{error}"))
    }

    /// The rows a query answers.
    pub async fn rows<T>(&self, sql: &str, binds: &[Bind]) -> Vec<T>
    where
        T: Send + Unpin + for<'r> FromRow<'r, PgRow> + for<'r> FromRow<'r, SqliteRow>,
    {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self {
            TestDb::Postgres(pool) => {
                bound!(sqlx::query_as(sql), binds, |at| at)
                    .fetch_all(pool)
                    .await
            }
            TestDb::Sqlite(pool) => {
                bound!(sqlx::query_as(sql), binds, bazaar::db::timestamp)
                    .fetch_all(pool)
                    .await
            }
        }
        .unwrap_or_else(|error| panic!("{error}"))
    }

    /// The one row a query answers.
    pub async fn row<T>(&self, sql: &str, binds: &[Bind]) -> T
    where
        T: Send + Unpin + for<'r> FromRow<'r, PgRow> + for<'r> FromRow<'r, SqliteRow>,
    {
        let mut rows = self.rows(sql, binds).await;
        assert_eq!(rows.len(), 1, "one row from {sql}");
        rows.remove(0)
    }

    /// The single value of the one row a query answers.
    pub async fn value<T>(&self, sql: &str, binds: &[Bind]) -> T
    where
        (T,): Send + Unpin + for<'r> FromRow<'r, PgRow> + for<'r> FromRow<'r, SqliteRow>,
    {
        self.row::<(T,)>(sql, binds).await.0
    }

    /// What a `SELECT count(*) ...` answers.
    pub async fn count(&self, sql: &str, binds: &[Bind]) -> i64 {
        self.value(sql, binds).await
    }

    /// Every row of every table as text, one row a line: to search the whole database for data
    /// that must never be stored.
    pub async fn everything_as_text(&self) -> String {
        let mut text = String::new();
        match self {
            TestDb::Postgres(pool) => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'",
                )
                .fetch_all(pool)
                .await
                .unwrap();
                for table in tables {
                    let sql = format!(
                        "SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM \"{table}\" t"
                    );
                    let rows: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .fetch_one(pool)
                        .await
                        .unwrap();
                    text.push_str(&rows);
                    text.push('\n');
                }
            }
            TestDb::Sqlite(pool) => {
                let tables: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                        .fetch_all(pool)
                        .await
                        .unwrap();
                for table in tables {
                    let columns: Vec<String> =
                        sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                            .bind(&table)
                            .fetch_all(pool)
                            .await
                            .unwrap();
                    let row = columns
                        .iter()
                        .map(|column| format!("coalesce(CAST(\"{column}\" AS TEXT), '')"))
                        .collect::<Vec<_>>()
                        .join(" || ' ' || ");
                    // Blobs are not UTF-8: read bytes, and search them as text.
                    let sql = format!(
                        "SELECT CAST(coalesce(group_concat({row}, char(10)), '') AS BLOB) \
                         FROM \"{table}\""
                    );
                    let rows: Vec<u8> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .fetch_one(pool)
                        .await
                        .unwrap();
                    text.push_str(&String::from_utf8_lossy(&rows));
                    text.push('\n');
                }
            }
        }
        text
    }

    /// The PostgreSQL pool, for the tests of designs only PostgreSQL runs.
    pub fn postgres(&self) -> Option<&PgPool> {
        match self {
            TestDb::Postgres(pool) => Some(pool),
            TestDb::Sqlite(_) => None,
        }
    }
}
