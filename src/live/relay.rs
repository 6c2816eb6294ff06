//! The relay between processes: every live event published in one process is published on a
//! Redis channel, and each process routes what the others published to its own sessions, so a
//! client connected to process A sees a sale made on process B. If Redis is down, local delivery
//! goes on and the relay drops what it cannot send; the subscription reconnects by itself.

use crate::redis_store::{ChannelFollower, RedisStore, follow};
use bazaar_actors::hub::{Event, Hub, Push};
use bazaar_actors::inventory::Inventory;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use uuid::Uuid;

/// An event on the wire between processes.
#[derive(Serialize, Deserialize)]
struct Relayed {
    /// The process that published it (it ignores its own).
    origin: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    event: Event,
}

/// Starts relaying: what `outgoing` receives (every event of this process) goes to Redis and to
/// `local` (the notification writer); what other processes publish goes to `hub`, and their stock
/// to `inventory`'s board (product pages here show it live).
pub fn start(
    redis: &RedisStore,
    hub: Hub,
    inventory: Inventory,
    mut outgoing: mpsc::UnboundedReceiver<Push>,
    local: mpsc::UnboundedSender<Push>,
) {
    let origin = Uuid::now_v7();
    let channel = redis.key("live");
    let mut connection = redis.connection();
    let publish_to = channel.clone();
    actix_web::rt::spawn(async move {
        while let Some(push) = outgoing.recv().await {
            let _ = local.send(push.clone());
            let message = Relayed {
                origin,
                at: push.at,
                event: (*push.event).clone(),
            };
            let Ok(payload) = serde_json::to_string(&message) else {
                continue;
            };
            let published = redis::cmd("PUBLISH")
                .arg(&publish_to)
                .arg(payload)
                .query_async::<()>(&mut connection)
                .await;
            if let Err(error) = published {
                metrics::counter!("live_relay_failures_total").increment(1);
                tracing::debug!(%error, "live event not relayed");
            }
        }
    });
    follow(
        redis,
        Arc::new(Incoming {
            origin,
            channel,
            hub,
            inventory,
        }),
    );
}

struct Incoming {
    origin: Uuid,
    channel: String,
    hub: Hub,
    inventory: Inventory,
}

impl ChannelFollower for Incoming {
    fn channel(&self) -> String {
        self.channel.clone()
    }

    async fn resync(&self) -> anyhow::Result<()> {
        // Live events are not state: what was missed while disconnected is gone, and the next
        // change of each product brings its current stock.
        Ok(())
    }

    fn on_message(&self, payload: &[u8]) {
        match serde_json::from_slice::<Relayed>(payload) {
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
