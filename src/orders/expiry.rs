//! Hold expiry: the unit the inventory actors run when a hold's time is up, and the start-up
//! sweep that releases what expired while the server was down.

use super::units::ExpireWork;
use bazaar_actors::hub::Hub;
use bazaar_actors::inventory::{ExpireHold, HoldTicket};
use bazaar_actors::journal::Unit;
use sqlx::PgPool;

/// Builds expiry units for the inventory actors; expired orders are announced on `hub`.
pub struct HoldExpiry {
    pub hub: Hub,
}

impl ExpireHold for HoldExpiry {
    fn unit(&self, hold: &HoldTicket) -> Unit {
        Unit::from(ExpireWork {
            hold: *hold,
            hub: self.hub.clone(),
            expired: Default::default(),
        })
    }
}

/// Releases every hold that expired while no server was running and expires its order, in one
/// transaction. Runs at start-up, before anything is sold.
#[tracing::instrument(skip_all)]
pub async fn release_expired_holds(pool: &PgPool) -> sqlx::Result<u64> {
    let mut tx = pool.begin().await?;
    let released: Vec<(uuid::Uuid, i64)> = sqlx::query_as(
        "WITH released AS (
             UPDATE holds SET state = 'released', updated_at = now()
             WHERE state = 'held' AND expires_at <= now()
             RETURNING order_id, product_id, qty),
         expired AS (
             UPDATE orders SET status = 'expired', updated_at = now()
             WHERE status = 'pending_payment' AND id IN (SELECT order_id FROM released)
             RETURNING id),
         events AS (
             INSERT INTO order_events (order_id, status, note)
             SELECT id, 'expired', 'not paid in time' FROM expired)
         SELECT product_id, sum(qty)::bigint FROM released GROUP BY product_id ORDER BY product_id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let (products, quantities): (Vec<uuid::Uuid>, Vec<i64>) = released.into_iter().unzip();
    sqlx::query(
        "UPDATE inventory i SET reserved = i.reserved - r.qty, updated_at = now()
         FROM unnest($1::uuid[], $2::bigint[]) AS r (product_id, qty)
         WHERE i.product_id = r.product_id",
    )
    .bind(&products)
    .bind(&quantities)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let released = quantities.iter().sum::<i64>();
    if released > 0 {
        tracing::info!(
            units = released,
            products = products.len(),
            "released expired holds"
        );
    }
    Ok(u64::try_from(released).unwrap_or(0))
}
