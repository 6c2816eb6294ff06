//! The relay between processes: every live event published in one process goes to the
//! notifications writer and, with Redis, on a Redis channel; each process routes what the others
//! published to its own sessions, so a client connected to process A sees a sale made on process
//! B. If Redis is down, local delivery goes on and the relay drops what it cannot send; the
//! subscription reconnects by itself. Without Redis the server is one process and the relay only
//! feeds the notifications writer.

use crate::bus::Bus;
use crate::redis_store::{ChannelFollower, RedisStore};
use bazaar_actors::hub::{Event, Hub, Push};
use bazaar_actors::inventory::Inventory;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use uuid::Uuid;

/// An event on the wire between processes (`E` is `&Event` when sent, `Event` when received).
#[derive(Serialize, Deserialize)]
struct Relayed<E> {
    /// The process that published it (it ignores its own).
    origin: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    event: E,
}

/// How the events `origin` relays begin on the wire.
fn prefix_of(origin: Uuid) -> Vec<u8> {
    format!("{{\"origin\":\"{origin}\"").into_bytes()
}

/// The channel of live events, within the deployment's prefix.
const CHANNEL: &str = "live";

/// Starts relaying: what `outgoing` receives (every event of this process) goes to `local` (the
/// notifications writer) and to the other processes on `bus`; what they publish goes to `hub`,
/// and their stock to `inventory`'s board (product pages here show it live).
pub(crate) fn start(
    bus: &Bus,
    hub: Hub,
    inventory: Inventory,
    outgoing: mpsc::UnboundedReceiver<Push>,
    local: mpsc::UnboundedSender<Push>,
) {
    let Some(redis) = bus.redis() else {
        actix_web::rt::spawn(forward(outgoing, local));
        return;
    };
    let origin = Uuid::now_v7();
    actix_web::rt::spawn(publish(redis.clone(), origin, outgoing, local));
    bus.follow(Arc::new(Incoming {
        origin,
        own_prefix: prefix_of(origin),
        hub,
        inventory,
    }));
}

/// Hands every event of this process to the notifications writer.
async fn forward(mut outgoing: mpsc::UnboundedReceiver<Push>, local: mpsc::UnboundedSender<Push>) {
    while let Some(push) = outgoing.recv().await {
        let _ = local.send(push);
    }
}

/// Hands every event of this process to the notifications writer and publishes it on Redis, in
/// batches of what queued meanwhile.
async fn publish(
    redis: RedisStore,
    origin: Uuid,
    mut outgoing: mpsc::UnboundedReceiver<Push>,
    local: mpsc::UnboundedSender<Push>,
) {
    let publish_to = redis.key(CHANNEL);
    let mut connection = redis.connection();
    let mut batch = Vec::with_capacity(RELAY_BATCH);
    while let Some(first) = outgoing.recv().await {
        batch.push(first);
        while batch.len() < RELAY_BATCH
            && let Ok(push) = outgoing.try_recv()
        {
            batch.push(push);
        }
        for push in &batch {
            let _ = local.send(push.clone());
        }
        // One round trip for what queued meanwhile, and of a product's stock only the latest.
        let mut pipeline = redis::pipe();
        for push in latest_stock_only(&batch) {
            let message = Relayed {
                origin,
                at: push.at,
                event: &*push.event,
            };
            if let Ok(payload) = serde_json::to_string(&message) {
                pipeline
                    .cmd("PUBLISH")
                    .arg(&publish_to)
                    .arg(payload)
                    .ignore();
            }
        }
        batch.clear();
        if let Err(error) = pipeline.query_async::<()>(&mut connection).await {
            metrics::counter!("live_relay_failures_total").increment(1);
            tracing::debug!(%error, "live events not relayed");
        }
    }
}

/// The most events relayed in one round trip.
const RELAY_BATCH: usize = 256;

/// The batch without the stock snapshots a later one in the same batch supersedes: other
/// processes need a product's current stock, not every step to it.
fn latest_stock_only(batch: &[Push]) -> impl Iterator<Item = &Push> {
    let mut seen = HashSet::new();
    let mut keep: Vec<&Push> = batch
        .iter()
        .rev()
        .filter(|push| match &*push.event {
            Event::Stock { product, .. } => seen.insert((*product, false)),
            Event::Inventory { product, .. } => seen.insert((*product, true)),
            _ => true,
        })
        .collect();
    keep.reverse();
    keep.into_iter()
}

struct Incoming {
    origin: Uuid,
    /// How this process's own events begin (`origin` is serialized first): Redis echoes them
    /// back, and they are dropped without being parsed.
    own_prefix: Vec<u8>,
    hub: Hub,
    inventory: Inventory,
}

impl ChannelFollower for Incoming {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    async fn resync(&self) -> anyhow::Result<()> {
        // Live events are not state: what was missed while disconnected is gone, and the next
        // change of each product brings its current stock.
        Ok(())
    }

    fn on_message(&self, payload: &[u8]) {
        if payload.starts_with(&self.own_prefix) {
            return;
        }
        match serde_json::from_slice::<Relayed<Event>>(payload) {
            Ok(relayed) if relayed.origin != self.origin => {
                if let Event::Stock { product, available } = &relayed.event {
                    self.inventory.board().record(*product, *available);
                }
                self.hub
                    .publish_relayed(Push::new(relayed.event, relayed.at));
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "unreadable relayed event"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relayed_event_begins_with_its_origin() {
        let origin = Uuid::now_v7();
        let event = Event::Stock {
            product: Uuid::now_v7(),
            available: 3,
        };
        let message = Relayed {
            origin,
            at: OffsetDateTime::now_utc(),
            event: &event,
        };
        let payload = serde_json::to_vec(&message).unwrap();
        assert!(payload.starts_with(&prefix_of(origin)));
        assert!(!payload.starts_with(&prefix_of(Uuid::now_v7())));
    }

    fn stock(product: Uuid, available: i64) -> Push {
        Push::new(
            Event::Stock { product, available },
            OffsetDateTime::now_utc(),
        )
    }

    #[test]
    fn only_the_latest_stock_of_each_product_is_relayed_and_other_events_all_are() {
        let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
        let order = Push::new(
            Event::Order {
                order: Uuid::now_v7(),
                status: "paid".into(),
                customer: Uuid::now_v7(),
                sellers: vec![],
                couriers: vec![],
                shipments: vec![],
            },
            OffsetDateTime::now_utc(),
        );
        let batch = [
            stock(first, 5),
            order,
            stock(first, 4),
            stock(second, 9),
            stock(first, 3),
        ];
        let kept: Vec<String> = latest_stock_only(&batch)
            .map(|push| match &*push.event {
                Event::Stock { product, available } if *product == first => {
                    format!("first {available}")
                }
                Event::Stock { available, .. } => format!("second {available}"),
                Event::Order { .. } => "order".into(),
                _ => "other".into(),
            })
            .collect();
        assert_eq!(kept, ["order", "second 9", "first 3"]);
    }
}
