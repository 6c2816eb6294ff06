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
    /// Starts receiving a topic: `product:<id>` (public) or `queue:<id>` (the user's place in
    /// that product's waiting room).
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
    /// A product's sale was scheduled, opened or ended.
    Sale {
        product_id: Uuid,
        state: String,
        #[serde(with = "time::serde::rfc3339::option")]
        starts_at: Option<OffsetDateTime>,
        #[serde(with = "time::serde::rfc3339::option")]
        ends_at: Option<OffsetDateTime>,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Where the user stands in a product's waiting room.
    Queue {
        product_id: Uuid,
        /// How many are ahead (0 once admitted); null before the early arrivals' draw and once
        /// sold out.
        position: Option<i64>,
        state: QueueState,
        /// Until when an admitted buyer may check out.
        #[serde(
            with = "time::serde::rfc3339::option",
            skip_serializing_if = "Option::is_none"
        )]
        admitted_until: Option<OffsetDateTime>,
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

    /// The message of a pushed event; none for a waiting room's progress, which each queued
    /// session words for its own place.
    pub(super) fn from_push(push: &Push) -> Option<Self> {
        let at = push.at;
        Some(match &*push.event {
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
            Event::Sale {
                product,
                state,
                starts_at,
                ends_at,
            } => ServerMessage::Sale {
                product_id: *product,
                state: state.clone(),
                starts_at: *starts_at,
                ends_at: *ends_at,
                at,
            },
            Event::QueuePlaces { product, places } => ServerMessage::Queue {
                product_id: *product,
                position: places.first().map(|place| place.position),
                state: QueueState::Waiting,
                admitted_until: None,
                at,
            },
            Event::QueueAdmitted { product, until, .. } => ServerMessage::Queue {
                product_id: *product,
                position: Some(0),
                state: QueueState::Admitted,
                admitted_until: Some(*until),
                at,
            },
            Event::QueueProgress { .. } => return None,
        })
    }

    /// The JSON of a pushed event, rendered once for all the sessions it goes to; none for
    /// what each session words itself.
    pub(super) fn rendered(push: &Push) -> Option<&str> {
        let text = push.rendered.get_or_init(|| {
            Self::from_push(push)
                .map(|message| message.to_json())
                .unwrap_or_default()
        });
        (!text.is_empty()).then_some(text.as_str())
    }

    pub(super) fn to_json(&self) -> String {
        // Serializing a tagged enum of plain fields cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Where a buyer stands in a waiting room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum QueueState {
    Waiting,
    Admitted,
    SoldOut,
    /// Admitted, but the admission ran out unused: join again.
    Expired,
    /// Checked out with the admission.
    CheckedOut,
}

/// A topic a session may follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Topic {
    /// `product:<id>`: a product's stock and sale (public).
    Product(Uuid),
    /// `queue:<id>`: the user's place in a product's waiting room.
    Queue(Uuid),
}

impl Topic {
    pub(crate) fn parse(topic: &str) -> Option<Self> {
        if let Some(id) = topic.strip_prefix("product:") {
            return id.parse().ok().map(Topic::Product);
        }
        topic.strip_prefix("queue:")?.parse().ok().map(Topic::Queue)
    }

    pub(crate) fn product(self) -> Uuid {
        match self {
            Topic::Product(product) | Topic::Queue(product) => product,
        }
    }
}

/// The product of a public topic, `product:<id>`.
pub(super) fn product_topic(topic: &str) -> Option<Uuid> {
    match Topic::parse(topic)? {
        Topic::Product(product) => Some(product),
        Topic::Queue(_) => None,
    }
}
