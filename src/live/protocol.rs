//! The messages of `GET /api/v1/ws`, both ways.

use bazaar_actors::hub::{Event, Push};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// What a client may send.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum ClientMessage {
    /// Authenticates an anonymous session.
    Auth {
        token: String,
    },
    /// Starts receiving a public topic: `product:<id>`.
    Subscribe {
        topic: String,
    },
    Unsubscribe {
        topic: String,
    },
}

/// A shipment of an `order` message: whose it is, where it is, who carries it.
#[derive(Debug, Serialize)]
pub(super) struct ShipmentMessage {
    seller_id: Uuid,
    status: String,
    courier_id: Option<Uuid>,
    tracking_number: Option<String>,
}

/// What the server sends.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(super) enum ServerMessage {
    Stock {
        product_id: Uuid,
        available: i64,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    Order {
        order_id: Uuid,
        status: String,
        /// The shipments a fulfilment step moved.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        shipments: Vec<ShipmentMessage>,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    Inventory {
        product_id: Uuid,
        on_hand: i64,
        reserved: i64,
        available: i64,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    LowStock {
        product_id: Uuid,
        available: i64,
        threshold: i64,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    Notification {
        id: Uuid,
        kind: String,
        title: String,
        body: String,
        order_id: Option<Uuid>,
        product_id: Option<Uuid>,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The session is authenticated as `user_id`.
    Authenticated {
        user_id: Uuid,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The subscription took effect: every later event of the topic arrives.
    Subscribed {
        topic: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    Unsubscribed {
        topic: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A frame was refused; `code` is from the error table.
    Error {
        code: &'static str,
        detail: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl ServerMessage {
    pub(super) fn error(code: crate::error::ErrorCode, detail: impl Into<String>) -> Self {
        ServerMessage::Error {
            code: code.as_str(),
            detail: detail.into(),
            at: OffsetDateTime::now_utc(),
        }
    }

    /// The message of a pushed event.
    pub(super) fn from_push(push: &Push) -> Self {
        let at = push.at;
        match &*push.event {
            Event::Stock { product, available } => ServerMessage::Stock {
                product_id: *product,
                available: *available,
                at,
            },
            Event::Inventory {
                product,
                on_hand,
                reserved,
                available,
                ..
            } => ServerMessage::Inventory {
                product_id: *product,
                on_hand: *on_hand,
                reserved: *reserved,
                available: *available,
                at,
            },
            Event::LowStock {
                product,
                available,
                threshold,
                ..
            } => ServerMessage::LowStock {
                product_id: *product,
                available: *available,
                threshold: *threshold,
                at,
            },
            Event::Order {
                order,
                status,
                shipments,
                ..
            } => ServerMessage::Order {
                order_id: *order,
                status: status.clone(),
                shipments: shipments
                    .iter()
                    .map(|step| ShipmentMessage {
                        seller_id: step.seller,
                        status: step.status.clone(),
                        courier_id: step.courier,
                        tracking_number: step.tracking_number.clone(),
                    })
                    .collect(),
                at,
            },
            Event::Notification {
                id,
                kind,
                title,
                body,
                order,
                product,
                ..
            } => ServerMessage::Notification {
                id: *id,
                kind: kind.clone(),
                title: title.clone(),
                body: body.clone(),
                order_id: *order,
                product_id: *product,
                at,
            },
        }
    }

    /// The JSON of a pushed event, rendered once for all the sessions it goes to.
    pub(super) fn rendered(push: &Push) -> &str {
        push.rendered
            .get_or_init(|| Self::from_push(push).to_json())
    }

    pub(super) fn to_json(&self) -> String {
        // Serializing a tagged enum of plain fields cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The product of a public topic, `product:<id>`.
pub(super) fn product_topic(topic: &str) -> Option<Uuid> {
    topic.strip_prefix("product:")?.parse().ok()
}
