//! Redis: one shared, auto-reconnecting connection and the key prefix of this deployment.
//!
//! The connection is lazy so the server starts (and reports "not ready") while Redis is down,
//! then reconnects on its own when Redis returns. Every key and channel goes through
//! [`RedisStore::key`] so that several deployments can share one Redis.

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;

/// The deployment's Redis connection and key namespace.
#[derive(Clone)]
pub struct RedisStore {
    client: redis::Client,
    connection: ConnectionManager,
    prefix: String,
}

impl RedisStore {
    /// Prepares the connection without connecting: Redis may be down at start-up.
    pub fn new(url: &str, prefix: &str) -> redis::RedisResult<Self> {
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
    pub fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    /// The client, for dedicated connections such as pub/sub subscribers.
    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// `{prefix}:{suffix}`: every key and channel name of this deployment.
    pub fn key(&self, suffix: &str) -> String {
        format!("{}:{suffix}", self.prefix)
    }

    /// Whether Redis answers a PING.
    pub async fn ping(&self) -> redis::RedisResult<()> {
        let mut connection = self.connection();
        redis::cmd("PING").query_async::<()>(&mut connection).await
    }
}
