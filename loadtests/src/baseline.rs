//! The classic design: lock the stock row for each order.

use crate::report::Measured;
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// `concurrency` callers each run `BEGIN; SELECT ... FOR UPDATE; UPDATE stock; INSERT order;
/// COMMIT` on one hot row until `run` is over.
pub async fn run(pool: &PgPool, concurrency: usize, run: Duration) -> anyhow::Result<Measured> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS baseline_stock (id int PRIMARY KEY, on_hand bigint NOT NULL CHECK (on_hand >= 0))",
    )
    .execute(pool)
    .await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS baseline_orders (id uuid PRIMARY KEY, product int NOT NULL, qty int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())",
    )
    .execute(pool)
    .await?;
    sqlx::query("INSERT INTO baseline_stock VALUES (1, 1000000000) ON CONFLICT (id) DO UPDATE SET on_hand = 1000000000")
        .execute(pool)
        .await?;
    let connections = sqlx::postgres::PgPoolOptions::new()
        .max_connections(u32::try_from(concurrency).unwrap_or(u32::MAX).clamp(1, 90))
        .connect_with(pool.connect_options().as_ref().clone())
        .await?;
    let callers = connections.clone();
    let measured = crate::closed_loop::run(concurrency, run, move |_| {
        let pool = callers.clone();
        async move { sell_one(&pool).await.is_ok() }
    })
    .await;
    connections.close().await;
    measured
}

async fn sell_one(pool: &PgPool) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    let on_hand: i64 =
        sqlx::query_scalar("SELECT on_hand FROM baseline_stock WHERE id = 1 FOR UPDATE")
            .fetch_one(&mut *tx)
            .await?;
    if on_hand < 1 {
        return Err(sqlx::Error::RowNotFound);
    }
    sqlx::query("UPDATE baseline_stock SET on_hand = on_hand - 1 WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO baseline_orders (id, product, qty) VALUES ($1, 1, 1)")
        .bind(Uuid::now_v7())
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
