//! Notifications: order status changes and low-stock alerts, stored for `GET /notifications` and
//! pushed live.
//!
//! The process where an event happens writes its notifications (the relay's local feed sees each
//! event once), in batches: a flash sale's thousands of order events a second cost a few inserts,
//! not one each. Each stored notification is then published to its user's live sessions.

use crate::domain::{Page, Paged};
use bazaar_actors::hub::{Event, Hub, Push};
use serde::Serialize;
use sqlx::PgPool;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use utoipa::ToSchema;
use uuid::Uuid;

/// The most notifications written in one insert.
const BATCH: usize = 500;

/// A notification as its user reads it.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Notification {
    pub id: Uuid,
    /// `order_status` or `low_stock`.
    pub kind: String,
    pub title: String,
    pub body: String,
    pub order_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub read_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A notification to write.
struct New {
    id: Uuid,
    user: Uuid,
    kind: &'static str,
    title: String,
    body: String,
    order: Option<Uuid>,
    product: Option<Uuid>,
}

/// The status of an order just placed, before payment.
const PLACED: &str = "pending_payment";

/// The notifications an event calls for.
fn notifications_of(event: &Event) -> Vec<New> {
    let new = |user, kind, title: String, body: String, order, product| New {
        id: Uuid::now_v7(),
        user,
        kind,
        title,
        body,
        order,
        product,
    };
    match event {
        // An order waiting for its payment is the customer's own doing and nothing a seller acts
        // on: people hear about an order once it is paid, and of every change after.
        Event::Order { status, .. } if status == PLACED => Vec::new(),
        Event::Order {
            order,
            status,
            customer,
            sellers,
        } => {
            let short = &order.simple().to_string()[..8];
            let mut all = vec![new(
                *customer,
                "order_status",
                format!("Order {short}: {}", status.replace('_', " ")),
                format!("Your order {order} is now {}.", status.replace('_', " ")),
                Some(*order),
                None,
            )];
            for seller in sellers {
                all.push(new(
                    *seller,
                    "order_status",
                    format!(
                        "Order {short} of your products: {}",
                        status.replace('_', " ")
                    ),
                    format!(
                        "Order {order}, which contains your products, is now {}.",
                        status.replace('_', " ")
                    ),
                    Some(*order),
                    None,
                ));
            }
            all
        }
        Event::LowStock {
            product,
            seller,
            available,
            threshold,
        } => vec![new(
            *seller,
            "low_stock",
            "Low stock".to_owned(),
            format!("Product {product} has {available} left (threshold {threshold})."),
            None,
            Some(*product),
        )],
        _ => Vec::new(),
    }
}

/// Starts the writer: it stores the notifications the events of `feed` call for and pushes them.
pub fn start(pool: PgPool, hub: Hub, mut feed: mpsc::UnboundedReceiver<Push>) {
    actix_web::rt::spawn(async move {
        let mut batch = Vec::new();
        while let Some(push) = feed.recv().await {
            batch.extend(notifications_of(&push.event));
            while batch.len() < BATCH {
                match feed.try_recv() {
                    Ok(push) => batch.extend(notifications_of(&push.event)),
                    Err(_) => break,
                }
            }
            if batch.is_empty() {
                continue;
            }
            match store(&pool, &batch).await {
                Ok(()) => {
                    for n in batch.drain(..) {
                        hub.publish(Event::Notification {
                            id: n.id,
                            user: n.user,
                            kind: n.kind.to_owned(),
                            title: n.title,
                            body: n.body,
                            order: n.order,
                            product: n.product,
                        });
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, count = batch.len(), "notifications not stored");
                    batch.clear();
                }
            }
        }
    });
}

async fn store(pool: &PgPool, batch: &[New]) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notifications (id, user_id, kind, title, body, order_id, product_id)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],
                              $6::uuid[], $7::uuid[])",
    )
    .bind(batch.iter().map(|n| n.id).collect::<Vec<_>>())
    .bind(batch.iter().map(|n| n.user).collect::<Vec<_>>())
    .bind(batch.iter().map(|n| n.kind).collect::<Vec<_>>())
    .bind(batch.iter().map(|n| n.title.clone()).collect::<Vec<_>>())
    .bind(batch.iter().map(|n| n.body.clone()).collect::<Vec<_>>())
    .bind(batch.iter().map(|n| n.order).collect::<Vec<_>>())
    .bind(batch.iter().map(|n| n.product).collect::<Vec<_>>())
    .execute(pool)
    .await?;
    Ok(())
}

/// `user`'s notifications, newest first.
pub async fn list(pool: &PgPool, user: Uuid, page: Page) -> sqlx::Result<Paged<Notification>> {
    let items = sqlx::query_as(
        "SELECT id, kind, title, body, order_id, product_id, read_at, created_at
         FROM notifications WHERE user_id = $1
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(user)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1")
        .bind(user)
        .fetch_one(pool)
        .await?;
    Ok(Paged::new(items, page, total))
}

/// Marks one of `user`'s notifications read; whether it exists (for them).
pub async fn mark_read(pool: &PgPool, user: Uuid, id: Uuid) -> sqlx::Result<bool> {
    let found = sqlx::query(
        "UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user)
    .execute(pool)
    .await?;
    Ok(found.rows_affected() == 1)
}
