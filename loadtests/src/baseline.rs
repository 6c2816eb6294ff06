//! The classic design: lock the stock row for each order.

use crate::report::Measured;
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// `concurrency` callers each run `BEGIN; SELECT ... FOR UPDATE; UPDATE stock; INSERT order;
/// [INSERT payment;] COMMIT` on one hot row until `run` is over: a hold, or with `paying` the
/// whole purchase.
pub async fn run(
    pool: &PgPool,
    concurrency: usize,
    run: Duration,
    paying: bool,
) -> anyhow::Result<Measured> {
    for statement in [
        "CREATE TABLE IF NOT EXISTS baseline_stock (id int PRIMARY KEY, on_hand bigint NOT NULL CHECK (on_hand >= 0))",
        "CREATE TABLE IF NOT EXISTS baseline_orders (id uuid PRIMARY KEY, product int NOT NULL, qty int NOT NULL, status text NOT NULL DEFAULT 'pending_payment', created_at timestamptz NOT NULL DEFAULT now())",
        "ALTER TABLE baseline_orders ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'pending_payment'",
        "CREATE TABLE IF NOT EXISTS baseline_payments (id uuid PRIMARY KEY, order_id uuid NOT NULL REFERENCES baseline_orders (id), amount_cents bigint NOT NULL, card_last4 text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())",
        "INSERT INTO baseline_stock VALUES (1, 1000000000) ON CONFLICT (id) DO UPDATE SET on_hand = 1000000000",
    ] {
        sqlx::query(statement).execute(pool).await?;
    }
    let connections = sqlx::postgres::PgPoolOptions::new()
        .max_connections(u32::try_from(concurrency).unwrap_or(u32::MAX).clamp(1, 90))
        .connect_with(pool.connect_options().as_ref().clone())
        .await?;
    let callers = connections.clone();
    let measured = crate::closed_loop::run(concurrency, run, move |_| {
        let pool = callers.clone();
        async move { sell_one(&pool, paying).await.is_ok() }
    })
    .await;
    connections.close().await;
    measured
}

async fn sell_one(pool: &PgPool, paying: bool) -> sqlx::Result<()> {
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
    let order = Uuid::now_v7();
    let status = if paying { "paid" } else { "pending_payment" };
    sqlx::query("INSERT INTO baseline_orders (id, product, qty, status) VALUES ($1, 1, 1, $2)")
        .bind(order)
        .bind(status)
        .execute(&mut *tx)
        .await?;
    if paying {
        sqlx::query(
            "INSERT INTO baseline_payments (id, order_id, amount_cents, card_last4)
             VALUES ($1, $2, 100, '4242')",
        )
        .bind(Uuid::now_v7())
        .bind(order)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}
