//! Notifications: order status changes, deliveries handed to couriers and low-stock alerts,
//! stored for `GET /notifications` and pushed live; a low-stock alert is also mailed to its
//! seller, queued with the notification.
//!
//! The process where an event happens writes its notifications (the relay's local feed sees each
//! event once), in batches: a flash sale's thousands of order events a second cost a few inserts,
//! not one each. Each stored notification is then published to its user's live sessions.

pub(crate) mod store;

pub(crate) use store::NotificationStore;

use crate::domain::order_number;
pub(crate) use crate::domain::{OrderStatus, Page, Paged};
use crate::outbox::{Letter, letters};
use bazaar_actors::hub::{Event, Hub, Push};
use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use utoipa::ToSchema;
use uuid::Uuid;

/// The most notifications written in one insert.
const BATCH: usize = 500;

/// A notification as its user reads it.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct Notification {
    pub id: Uuid,
    /// `order_status`, `delivery`, `low_stock` or `promotion`.
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
pub(crate) struct New {
    pub id: Uuid,
    pub user: Uuid,
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    pub order: Option<Uuid>,
    pub product: Option<Uuid>,
}

impl New {
    /// The live event of this notification, once stored.
    pub(crate) fn into_event(self) -> Event {
        Event::Notification {
            id: self.id,
            user: self.user,
            kind: self.kind.to_owned(),
            title: self.title,
            body: self.body,
            order: self.order,
            product: self.product,
        }
    }
}

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
        Event::Order { status, .. } if status == OrderStatus::PendingPayment.as_str() => Vec::new(),
        Event::Order {
            order,
            status,
            customer,
            sellers,
            shipments,
            ..
        } => {
            let short = order_number(*order);
            // What happened: the order's new status, or the parcels' that a fulfilment step moved.
            let (what, parcel) = match shipments.first() {
                Some(step) => (step.status.replace('_', " "), "A parcel of your order"),
                None => (status.replace('_', " "), "Your order"),
            };
            let tracking = shipments
                .iter()
                .find_map(|step| step.tracking_number.as_deref())
                .map(|number| format!(" (tracking number {number})"))
                .unwrap_or_default();
            let mut all = vec![new(
                *customer,
                "order_status",
                format!("Order {short}: {what}"),
                format!("{parcel} {order} is now {what}{tracking}."),
                Some(*order),
                None,
            )];
            for seller in sellers {
                all.push(new(
                    *seller,
                    "order_status",
                    format!("Order {short} of your products: {what}"),
                    format!("Order {order}, which contains your products, is now {what}."),
                    Some(*order),
                    None,
                ));
            }
            for step in shipments {
                let Some(courier) = step.courier else {
                    continue;
                };
                let (title, body) = if step.status == OrderStatus::Shipped.as_str() {
                    (
                        format!("New delivery: order {short}"),
                        format!("A parcel of order {order} is yours to deliver{tracking}."),
                    )
                } else {
                    (
                        format!("Delivery of order {short}: {what}"),
                        format!("Your delivery of order {order} is now {what}."),
                    )
                };
                all.push(new(courier, "delivery", title, body, Some(*order), None));
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

/// The mail an event calls for: a low-stock alert to its seller.
fn letter_of(event: &Event) -> Option<(Uuid, Letter)> {
    match event {
        Event::LowStock {
            product,
            seller,
            available,
            threshold,
        } => Some((
            *seller,
            letters::low_stock(*product, *available, *threshold),
        )),
        _ => None,
    }
}

/// Starts the writer: it stores the notifications the events of `feed` call for (with the mail
/// they call for, in the same transaction) and pushes them.
pub(crate) fn start(store: NotificationStore, hub: Hub, mut feed: mpsc::UnboundedReceiver<Push>) {
    actix_web::rt::spawn(async move {
        let mut batch = Vec::new();
        let mut mail = Vec::new();
        while let Some(push) = feed.recv().await {
            batch.extend(notifications_of(&push.event));
            mail.extend(letter_of(&push.event));
            while batch.len() < BATCH {
                match feed.try_recv() {
                    Ok(push) => {
                        batch.extend(notifications_of(&push.event));
                        mail.extend(letter_of(&push.event));
                    }
                    Err(_) => break,
                }
            }
            if batch.is_empty() {
                continue;
            }
            let stored = store.insert(&batch, &mail).await;
            mail.clear();
            match stored {
                Ok(()) => {
                    for n in batch.drain(..) {
                        hub.publish(n.into_event());
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

/// Reading one's notifications.
#[derive(Clone)]
pub(crate) struct Notifications {
    store: NotificationStore,
}

impl Notifications {
    pub(crate) fn new(store: NotificationStore) -> Self {
        Self { store }
    }

    /// `user`'s notifications, newest first.
    pub(crate) async fn list(&self, user: Uuid, page: Page) -> sqlx::Result<Paged<Notification>> {
        self.store.list(user, page).await
    }

    /// Marks one of `user`'s notifications read; whether it exists (for them).
    pub(crate) async fn mark_read(&self, user: Uuid, id: Uuid) -> sqlx::Result<bool> {
        self.store.mark_read(user, id).await
    }
}
