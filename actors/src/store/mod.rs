//! The one seam to storage: which database the server runs on, a connection inside the
//! journal's transaction, and the statements of the hot state (a product's stock, the stock
//! changes of a batch) and of carts kept in the database.
//!
//! Each store (this one, and every domain's store in the server) has one module of statements
//! per backend with the same functions; [`by_backend!`](crate::by_backend) calls the module of
//! the backend in use. Adding a backend means adding a variant here and a module per store, and
//! touches neither domain logic nor the actors.

mod ledger;
mod postgres;
mod sqlite;

pub use sqlite::{EmbeddedDatabase, timestamp};

use crate::journal::StockChange;
use sqlx::{PgConnection, PgPool, SqliteConnection};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// The database of a running server.
#[derive(Clone, Debug)]
pub enum Database {
    Postgres(PgPool),
    /// The embedded database: a pool of readers and one writer.
    Sqlite(EmbeddedDatabase),
}

impl Database {
    /// Opens a transaction (the journal's batch).
    pub async fn begin(&self) -> sqlx::Result<Transaction> {
        Ok(match self {
            Database::Postgres(pool) => Transaction::Postgres(pool.begin().await?),
            Database::Sqlite(db) => Transaction::Sqlite(db.writer.begin().await?),
        })
    }

    /// The PostgreSQL pool, when the server runs on PostgreSQL (for tools that compare designs
    /// on it).
    pub fn postgres(&self) -> Option<&PgPool> {
        match self {
            Database::Postgres(pool) => Some(pool),
            Database::Sqlite(_) => None,
        }
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> sqlx::Result<()> {
        match self {
            Database::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()),
            Database::Sqlite(db) => sqlx::query("SELECT 1").execute(&db.reads).await.map(|_| ()),
        }
    }

    /// Closes the pool, letting busy connections finish their statement.
    pub async fn close(&self) {
        match self {
            Database::Postgres(pool) => pool.close().await,
            Database::Sqlite(db) => {
                db.reads.close().await;
                db.writer.close().await;
            }
        }
    }
}

/// An open transaction.
pub enum Transaction {
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
}

impl Transaction {
    /// The connection inside the transaction, for one unit's statements.
    pub fn connection(&mut self) -> Connection<'_> {
        match self {
            Transaction::Postgres(tx) => Connection::Postgres(tx),
            Transaction::Sqlite(tx) => Connection::Sqlite(tx),
        }
    }

    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Transaction::Postgres(tx) => tx.commit().await,
            Transaction::Sqlite(tx) => tx.commit().await,
        }
    }
}

/// A connection inside an open transaction, lent to one unit of work.
pub enum Connection<'c> {
    Postgres(&'c mut PgConnection),
    Sqlite(&'c mut SqliteConnection),
}

impl Connection<'_> {
    /// The same connection for one more statement of the unit, which keeps it afterwards.
    pub fn reborrow(&mut self) -> Connection<'_> {
        match self {
            Connection::Postgres(connection) => Connection::Postgres(connection),
            Connection::Sqlite(connection) => Connection::Sqlite(connection),
        }
    }
}

/// Calls `function` of the `postgres` or `sqlite` module in scope with the pool (the embedded
/// database: readers and writer) or connection of the backend in use, then its other arguments:
/// `by_backend!(pool self.db => find_user(id))`, `by_backend!(connection c => write(units))`.
#[macro_export]
macro_rules! by_backend {
    (pool $db:expr => $function:ident($($arg:expr),* $(,)?)) => {
        match $db {
            $crate::store::Database::Postgres(pool) => postgres::$function(pool, $($arg),*).await,
            $crate::store::Database::Sqlite(db) => sqlite::$function(db, $($arg),*).await,
        }
    };
    (connection $connection:expr => $function:ident($($arg:expr),* $(,)?)) => {
        match $connection {
            $crate::store::Connection::Postgres(connection) => {
                postgres::$function(connection, $($arg),*).await
            }
            $crate::store::Connection::Sqlite(connection) => {
                sqlite::$function(connection, $($arg),*).await
            }
        }
    };
}

/// A product's durable stock, as an inventory actor loads it.
#[derive(Debug)]
pub struct StoredStock {
    pub seller: Uuid,
    pub on_hand: i64,
    pub reserved: i64,
    pub low_stock_threshold: i64,
    /// The holds still held: (hold, order, units, until when).
    pub holds: Vec<(Uuid, Uuid, i64, OffsetDateTime)>,
}

/// The durable stock of `product`, if it has an inventory row.
pub(crate) async fn load_stock(db: &Database, product: Uuid) -> sqlx::Result<Option<StoredStock>> {
    by_backend!(pool db => load_stock(product))
}

/// Writes the summed stock changes of a batch and their ledger rows.
pub(crate) async fn write_stock(
    connection: Connection<'_>,
    changes: &[StockChange],
) -> sqlx::Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    by_backend!(connection connection => write_stock(changes))
}

/// A product's `on_hand` and `reserved`, locked for the rest of the transaction.
pub(crate) async fn lock_stock(
    connection: Connection<'_>,
    product: Uuid,
) -> sqlx::Result<Option<(i64, i64)>> {
    by_backend!(connection connection => lock_stock(product))
}

/// Sets a product's low-stock threshold.
pub(crate) async fn set_threshold(
    connection: Connection<'_>,
    product: Uuid,
    threshold: i64,
) -> sqlx::Result<bool> {
    by_backend!(connection connection => set_threshold(product, threshold))
}

/// The lines (product, quantity) of `user`'s cart, unless it was last changed longer than
/// `ttl` ago.
pub(crate) async fn load_cart(
    db: &Database,
    user: Uuid,
    ttl: Duration,
) -> sqlx::Result<Vec<(Uuid, i64)>> {
    by_backend!(pool db => load_cart(user, ttl))
}

/// Sets the quantity of `product` in `user`'s cart (0 removes it) and marks the cart changed;
/// a cart that had expired starts empty.
pub(crate) async fn write_cart_line(
    db: &Database,
    user: Uuid,
    product: Uuid,
    qty: i64,
    ttl: Duration,
) -> sqlx::Result<()> {
    by_backend!(pool db => write_cart_line(user, product, qty, ttl))
}

/// Deletes `user`'s cart.
pub(crate) async fn clear_cart(db: &Database, user: Uuid) -> sqlx::Result<()> {
    by_backend!(pool db => clear_cart(user))
}

/// Deletes every cart last changed longer than `ttl` ago, returning how many.
pub(crate) async fn prune_carts(db: &Database, ttl: Duration) -> sqlx::Result<u64> {
    by_backend!(pool db => prune_carts(ttl))
}
