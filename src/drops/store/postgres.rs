//! Drops on PostgreSQL.

use super::{
    AddressUse, Admissible, Arrival, Entry, INSERT_ENTRY, Joined, Participant, REPLACE_ENTRY, Room,
    RoomToRun, Scheduled, Seat,
};
use crate::notifications::New;
use crate::outbox::Letter;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

const ENTRY: &str = "SELECT place, joined_at, admitted_until, order_id FROM queue_entries \
     WHERE product_id = $1 AND user_id = $2";
const ROOM: &str =
    "SELECT opened, places, admitted_through, admit_rate FROM waiting_rooms WHERE product_id = $1";

pub(super) async fn schedule(pool: &PgPool, since: OffsetDateTime) -> sqlx::Result<Vec<Scheduled>> {
    // The predicate of the partial index `products_drops_idx`, so only drops are read.
    sqlx::query_as(
        "SELECT id, sale_starts_at, sale_ends_at FROM products
         WHERE (sale_starts_at IS NOT NULL OR sale_ends_at IS NOT NULL OR waiting_room)
           AND (sale_starts_at > $1 OR sale_ends_at > $1)",
    )
    .bind(since)
    .fetch_all(pool)
    .await
}

pub(super) async fn join(
    pool: &PgPool,
    product: Uuid,
    arrivals: &[Arrival],
    opens_at: Option<OffsetDateTime>,
) -> sqlx::Result<Joined> {
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO waiting_rooms (product_id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(product)
        .execute(&mut *tx)
        .await?;
    let mut room: Room = sqlx::query_as(sqlx::AssertSqlSafe(format!("{ROOM} FOR UPDATE")))
        .bind(product)
        .fetch_one(&mut *tx)
        .await?;
    let mut drawn = Vec::new();
    let placed_before = room.places;
    let mut entries = Vec::with_capacity(arrivals.len());
    for arrival in arrivals {
        if room.must_open_for(arrival.at, opens_at) {
            drawn = draw(&mut tx, product, &mut room).await?;
        }
        let kept: Option<Entry> = sqlx::query_as(ENTRY)
            .bind(product)
            .bind(arrival.user)
            .fetch_optional(&mut *tx)
            .await?;
        let seat = room.seat(kept, arrival);
        if let Seat::New { entry, replaces } = &seat {
            sqlx::query(if *replaces {
                REPLACE_ENTRY
            } else {
                INSERT_ENTRY
            })
            .bind(product)
            .bind(arrival.user)
            .bind(entry.place)
            .bind(arrival.at)
            .bind(&arrival.address)
            .execute(&mut *tx)
            .await?;
        }
        entries.push(seat.entry());
    }
    if room.places != placed_before {
        sqlx::query("UPDATE waiting_rooms SET places = $2 WHERE product_id = $1")
            .bind(product)
            .bind(room.places)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Joined {
        entries,
        room,
        drawn,
    })
}

/// Gives the early arrivals of the locked `room` places 1..n in a random order.
async fn draw(
    connection: &mut PgConnection,
    product: Uuid,
    room: &mut Room,
) -> sqlx::Result<Vec<(Uuid, i64)>> {
    let drawn: Vec<(Uuid, i64)> = sqlx::query_as(
        "WITH drawn AS (
             SELECT user_id, $2 + row_number() OVER (ORDER BY random()) AS place
             FROM queue_entries WHERE product_id = $1 AND place IS NULL)
         UPDATE queue_entries q SET place = drawn.place FROM drawn
         WHERE q.product_id = $1 AND q.user_id = drawn.user_id
         RETURNING q.user_id, q.place",
    )
    .bind(product)
    .bind(room.places)
    .fetch_all(&mut *connection)
    .await?;
    room.opened_with(drawn.len());
    sqlx::query("UPDATE waiting_rooms SET opened = true, places = $2 WHERE product_id = $1")
        .bind(product)
        .bind(room.places)
        .execute(&mut *connection)
        .await?;
    Ok(drawn)
}

pub(super) async fn entry(
    pool: &PgPool,
    product: Uuid,
    user: Uuid,
) -> sqlx::Result<Option<(Entry, Room)>> {
    let Some(entry) = sqlx::query_as(ENTRY)
        .bind(product)
        .bind(user)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let room = sqlx::query_as(ROOM).bind(product).fetch_one(pool).await?;
    Ok(Some((entry, room)))
}

pub(super) async fn claim(
    pool: &PgPool,
    product: Uuid,
    user: Uuid,
    joined_at: OffsetDateTime,
    now: OffsetDateTime,
    abandoned_before: OffsetDateTime,
) -> sqlx::Result<bool> {
    let claimed = sqlx::query(
        // A claim older than a minute is taken for abandoned, unless the customer has ordered
        // the product since the admission (a checkout that committed but was never settled).
        "UPDATE queue_entries SET checkout_started_at = $4
         WHERE product_id = $1 AND user_id = $2 AND joined_at = $3
           AND admitted_until > $4 AND order_id IS NULL
           AND (checkout_started_at IS NULL OR checkout_started_at < $5)
           AND NOT EXISTS (
               SELECT 1 FROM orders o JOIN order_items oi ON oi.order_id = o.id
               WHERE o.user_id = $2 AND oi.product_id = $1
                 AND o.created_at >= queue_entries.admitted_at)",
    )
    .bind(product)
    .bind(user)
    .bind(joined_at)
    .bind(now)
    .bind(abandoned_before)
    .execute(pool)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

pub(super) async fn settle(
    pool: &PgPool,
    product: Uuid,
    user: Uuid,
    joined_at: OffsetDateTime,
    order: Option<Uuid>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE queue_entries SET order_id = COALESCE($3, order_id), checkout_started_at = NULL
         WHERE product_id = $1 AND user_id = $2 AND joined_at = $4",
    )
    .bind(product)
    .bind(user)
    .bind(order)
    .bind(joined_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn rooms_to_run(
    pool: &PgPool,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<RoomToRun>> {
    sqlx::query_as(
        "SELECT r.product_id, r.opened, r.places, r.admitted_through, r.lease_owner,
             r.lease_until, p.sale_starts_at, p.max_per_order
         FROM waiting_rooms r
         JOIN products p ON p.id = r.product_id
         WHERE p.waiting_room AND (p.sale_ends_at IS NULL OR p.sale_ends_at > $1)
           AND (NOT r.opened OR r.admitted_through < r.places)",
    )
    .bind(now)
    .fetch_all(pool)
    .await
}

pub(super) async fn lease(
    pool: &PgPool,
    product: Uuid,
    owner: Uuid,
    now: OffsetDateTime,
    until: OffsetDateTime,
    admit_rate: f64,
) -> sqlx::Result<bool> {
    let leased = sqlx::query(
        "UPDATE waiting_rooms SET lease_owner = $2, lease_until = $4, admit_rate = $5
         WHERE product_id = $1
           AND (lease_owner = $2 OR lease_until IS NULL OR lease_until < $3)",
    )
    .bind(product)
    .bind(owner)
    .bind(now)
    .bind(until)
    .bind(admit_rate)
    .execute(pool)
    .await?;
    Ok(leased.rows_affected() == 1)
}

pub(super) async fn open(pool: &PgPool, product: Uuid) -> sqlx::Result<Vec<(Uuid, i64)>> {
    let mut tx = pool.begin().await?;
    let mut room: Room = sqlx::query_as(sqlx::AssertSqlSafe(format!("{ROOM} FOR UPDATE")))
        .bind(product)
        .fetch_one(&mut *tx)
        .await?;
    if room.opened {
        return Ok(Vec::new());
    }
    let drawn = draw(&mut tx, product, &mut room).await?;
    tx.commit().await?;
    Ok(drawn)
}

pub(super) async fn on_hand(pool: &PgPool, product: Uuid) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT on_hand FROM inventory WHERE product_id = $1")
        .bind(product)
        .fetch_optional(pool)
        .await
}

pub(super) async fn admissible(
    pool: &PgPool,
    product: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<Admissible> {
    sqlx::query_as(
        "SELECT i.on_hand, i.reserved,
             (SELECT count(*) FROM queue_entries
              WHERE product_id = $1 AND order_id IS NULL AND admitted_until > $2) AS outstanding
         FROM inventory i WHERE i.product_id = $1",
    )
    .bind(product)
    .bind(now)
    .fetch_one(pool)
    .await
}

pub(super) async fn admit(
    pool: &PgPool,
    product: Uuid,
    owner: Uuid,
    count: i64,
    now: OffsetDateTime,
    until: OffsetDateTime,
) -> sqlx::Result<(Vec<Uuid>, i64)> {
    let mut tx = pool.begin().await?;
    let held: Option<(i64, i64)> = sqlx::query_as(
        "SELECT admitted_through, places FROM waiting_rooms
         WHERE product_id = $1 AND lease_owner = $2 FOR UPDATE",
    )
    .bind(product)
    .bind(owner)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((through, places)) = held else {
        return Ok((Vec::new(), 0));
    };
    let next = (through + count).min(places);
    let admitted: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE queue_entries SET admitted_at = $4, admitted_until = $5
         WHERE product_id = $1 AND place > $2 AND place <= $3
         RETURNING user_id",
    )
    .bind(product)
    .bind(through)
    .bind(next)
    .bind(now)
    .bind(until)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("UPDATE waiting_rooms SET admitted_through = $2 WHERE product_id = $1")
        .bind(product)
        .bind(next)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((admitted, next))
}

pub(super) async fn subscribe(pool: &PgPool, product: Uuid, user: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "WITH new AS (
             INSERT INTO waitlist_entries (product_id, user_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING RETURNING subscribed_at),
         mine AS (
             SELECT subscribed_at FROM new
             UNION ALL
             SELECT subscribed_at FROM waitlist_entries WHERE product_id = $1 AND user_id = $2)
         SELECT count(*) FROM waitlist_entries w, (SELECT min(subscribed_at) AS at FROM mine) m
         WHERE w.product_id = $1 AND (w.subscribed_at, w.user_id) < (m.at, $2)",
    )
    .bind(product)
    .bind(user)
    .fetch_one(pool)
    .await
}

pub(super) async fn unsubscribe(pool: &PgPool, product: Uuid, user: Uuid) -> sqlx::Result<bool> {
    let removed =
        sqlx::query("DELETE FROM waitlist_entries WHERE product_id = $1 AND user_id = $2")
            .bind(product)
            .bind(user)
            .execute(pool)
            .await?;
    Ok(removed.rows_affected() == 1)
}

pub(super) async fn waiting(pool: &PgPool, product: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM waitlist_entries WHERE product_id = $1")
        .bind(product)
        .fetch_one(pool)
        .await
}

pub(super) async fn take_subscribers(pool: &PgPool, product: Uuid) -> sqlx::Result<Vec<Uuid>> {
    let mut tx = pool.begin().await?;
    let users: Vec<Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM waitlist_entries WHERE product_id = $1
         ORDER BY subscribed_at, user_id FOR UPDATE",
    )
    .bind(product)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM waitlist_entries WHERE product_id = $1 AND user_id = ANY($2)")
        .bind(product)
        .bind(&users)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(users)
}

pub(super) async fn notify(
    pool: &PgPool,
    batch: &[New],
    mail: &[(Uuid, Letter)],
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    crate::notifications::store::postgres::write(&mut tx, batch, mail).await?;
    tx.commit().await
}

pub(super) async fn participants(pool: &PgPool, product: Uuid) -> sqlx::Result<Vec<Participant>> {
    sqlx::query_as(
        "WITH checkouts AS (
             SELECT o.user_id, min(o.created_at) AS first_checkout_at, count(*) AS checkouts,
                 coalesce(sum((SELECT count(*) FROM payments p
                               WHERE p.order_id = o.id AND p.status = 'declined')), 0)::bigint
                     AS failed_payments
             FROM orders o
             WHERE o.id IN (SELECT order_id FROM order_items WHERE product_id = $1)
             GROUP BY o.user_id),
         queued AS (
             SELECT user_id, joined_at, admitted_at FROM queue_entries WHERE product_id = $1)
         SELECT u.id AS user_id, u.email, u.created_at, q.joined_at, q.admitted_at,
             c.first_checkout_at, coalesce(c.checkouts, 0) AS checkouts,
             coalesce(c.failed_payments, 0) AS failed_payments
         FROM checkouts c FULL JOIN queued q ON q.user_id = c.user_id
         JOIN users u ON u.id = coalesce(c.user_id, q.user_id)
         ORDER BY u.id",
    )
    .bind(product)
    .fetch_all(pool)
    .await
}

pub(super) async fn addresses(pool: &PgPool, product: Uuid) -> sqlx::Result<Vec<AddressUse>> {
    sqlx::query_as(
        "SELECT client_address, user_id FROM queue_entries WHERE product_id = $1
         UNION
         SELECT o.client_address, o.user_id FROM orders o
         WHERE o.client_address IS NOT NULL
           AND o.id IN (SELECT order_id FROM order_items WHERE product_id = $1)",
    )
    .bind(product)
    .fetch_all(pool)
    .await
}
