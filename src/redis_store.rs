//! Redis: one shared, auto-reconnecting connection and the key prefix of this deployment.
//!
//! The connection is lazy so the server starts (and reports "not ready") while Redis is down,
//! then reconnects on its own when Redis returns. Every key and channel goes through
//! [`RedisStore::key`] so that several deployments can share one Redis.

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;

/// The deployment's Redis connection and key namespace.
#[derive(Clone)]
pub(crate) struct RedisStore {
    client: redis::Client,
    connection: ConnectionManager,
    prefix: String,
}

impl RedisStore {
    /// Prepares the connection without connecting: Redis may be down at start-up.
    pub(crate) fn new(url: &str, prefix: &str) -> redis::RedisResult<Self> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        Ok(Self {
            client,
            connection,
            prefix: prefix.to_owned(),
        })
    }

    /// A clone of the shared connection (cheap: it is a handle).
    pub(crate) fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    /// The client, for dedicated connections such as pub/sub subscribers.
    pub(crate) fn client(&self) -> &redis::Client {
        &self.client
    }

    /// `{prefix}:{suffix}`: every key and channel name of this deployment.
    pub(crate) fn key(&self, suffix: &str) -> String {
        format!("{}:{suffix}", self.prefix)
    }

    /// Whether Redis answers a PING.
    pub(crate) async fn ping(&self) -> redis::RedisResult<()> {
        let mut connection = self.connection();
        redis::cmd("PING").query_async::<()>(&mut connection).await
    }
}

/// Follows one Redis pub/sub channel: hears every message, and resynchronizes whenever its
/// subscription (re)starts, because what was published while it was disconnected is lost.
pub(crate) trait ChannelFollower: 'static {
    /// The channel's name within the deployment's prefix.
    fn channel(&self) -> &'static str;
    /// Brings local state up to date after (re)subscribing.
    fn resync(&self) -> impl Future<Output = anyhow::Result<()>>;
    /// Applies one message.
    fn on_message(&self, payload: &[u8]);
}

/// Starts a task that keeps `follower` subscribed on a dedicated connection, reconnecting every
/// second while Redis is away.
pub(crate) fn follow(redis: &RedisStore, follower: std::sync::Arc<impl ChannelFollower>) {
    let client = redis.client().clone();
    let channel = redis.key(follower.channel());
    actix_web::rt::spawn(async move {
        loop {
            match follow_once(&client, &channel, &*follower).await {
                Ok(()) => {
                    tracing::warn!(%channel, "channel closed; resubscribing")
                }
                Err(error) => {
                    tracing::warn!(%channel, %error, "channel unavailable; retrying");
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn follow_once(
    client: &redis::Client,
    channel: &str,
    follower: &impl ChannelFollower,
) -> anyhow::Result<()> {
    use futures_util::StreamExt;
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(channel).await?;
    // Subscribed first, then resynchronized: nothing can fall between the two.
    follower.resync().await?;
    let mut messages = pubsub.on_message();
    while let Some(message) = messages.next().await {
        follower.on_message(message.get_payload_bytes());
    }
    Ok(())
}
