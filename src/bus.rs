//! [`Bus`]: how the processes of a deployment tell each other what changed (live events,
//! product-cache invalidations, revocations). With Redis, a pub/sub channel per kind; without
//! Redis the server is one process, every subscriber lives in it and heard the change in memory
//! from its publisher, so there is no one else to tell.

use crate::redis_store::{ChannelFollower, RedisStore, follow};
use std::sync::Arc;

/// The bus of this deployment.
#[derive(Clone)]
pub(crate) enum Bus {
    /// One process, no Redis.
    InProcess,
    /// Several processes sharing Redis (and its key prefix).
    Redis(RedisStore),
}

impl Bus {
    /// Redis at `url` (connected lazily: Redis may be down at start-up), or the in-process bus
    /// when there is no URL.
    pub(crate) fn new(url: Option<&str>, prefix: &str) -> redis::RedisResult<Self> {
        Ok(match url {
            Some(url) => Bus::Redis(RedisStore::new(url, prefix)?),
            None => Bus::InProcess,
        })
    }

    /// Redis, when the deployment has it.
    pub(crate) fn redis(&self) -> Option<&RedisStore> {
        match self {
            Bus::Redis(redis) => Some(redis),
            Bus::InProcess => None,
        }
    }

    /// Tells the other processes `payload` on `channel`.
    pub(crate) async fn publish(&self, channel: &str, payload: String) -> redis::RedisResult<()> {
        match self {
            Bus::Redis(redis) => {
                redis::cmd("PUBLISH")
                    .arg(redis.key(channel))
                    .arg(payload)
                    .query_async::<()>(&mut redis.connection())
                    .await
            }
            Bus::InProcess => Ok(()),
        }
    }

    /// Keeps `follower` hearing what the other processes publish on its channel.
    pub(crate) fn follow(&self, follower: Arc<impl ChannelFollower>) {
        if let Bus::Redis(redis) = self {
            follow(redis, follower);
        }
    }
}
