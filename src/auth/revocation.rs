//! Which access tokens no longer count, checked on every request without any I/O.
//!
//! Two kinds of revocation: one token (logout: its `jti`, until it expires) and every token a
//! user held up to an instant (disabled, deleted, password reset, role change). Both are mirrored
//! in memory. Token revocations live in a Redis sorted set scored by expiry (or, without Redis, in
//! the `revoked_tokens` table); user cut-offs live in `users.tokens_valid_after`. Every change is
//! published on the [`Bus`] so each process applies it at once, and a process reloads both sources
//! whenever its subscription (re)starts, so nothing published while it was disconnected is
//! missed.
//!
//! Every revocation this process learns of, its own or another's, also bumps a [`watch`] counter,
//! so live sessions that outlast a request re-check their token at once.

use super::AccessClaims;
use crate::accounts::AccountStore;
use crate::bus::Bus;
use crate::locks::{read, write};
use crate::redis_store::{ChannelFollower, RedisStore};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::watch;
use uuid::Uuid;

/// A revocation as published to the other processes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Revoked {
    Token { jti: Uuid, exp: i64 },
    User { id: Uuid, cutoff_ms: i64 },
}

/// The in-memory revocation lists of this process.
pub(crate) struct Revocations {
    tokens: RwLock<HashMap<Uuid, i64>>,
    user_cutoffs: RwLock<HashMap<Uuid, i64>>,
    bus: Bus,
    accounts: AccountStore,
    access_ttl: Duration,
    /// Bumped on every revocation applied here.
    changed: watch::Sender<u64>,
}

/// Where token revocations are kept did not take one.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RevocationStoreError {
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl crate::error::Coded for RevocationStoreError {
    fn code(&self) -> crate::error::ErrorCode {
        match self {
            RevocationStoreError::Redis(error) => crate::error::Coded::code(error),
            RevocationStoreError::Database(error) => error.code(),
        }
    }
}

/// The channel of revocations, within the deployment's prefix.
const CHANNEL: &str = "revocations";

impl Revocations {
    pub(crate) fn new(bus: Bus, accounts: AccountStore, access_ttl: Duration) -> Self {
        Self {
            tokens: RwLock::default(),
            user_cutoffs: RwLock::default(),
            bus,
            accounts,
            access_ttl,
            changed: watch::Sender::new(0),
        }
    }

    /// A receiver that is told whenever a revocation is applied in this process.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    fn announce(&self) {
        self.changed
            .send_modify(|count| *count = count.wrapping_add(1));
    }

    /// Whether a verified token has been revoked since it was issued.
    pub(crate) fn is_revoked(&self, claims: &AccessClaims) -> bool {
        if read(&self.tokens).contains_key(&claims.jti) {
            return true;
        }
        match read(&self.user_cutoffs).get(&claims.sub) {
            Some(&cutoff_ms) => minted_ms(claims) < cutoff_ms,
            None => false,
        }
    }

    /// Revokes one token until it expires, in every process.
    pub(crate) async fn revoke_token(
        &self,
        jti: Uuid,
        exp: i64,
    ) -> Result<(), RevocationStoreError> {
        write(&self.tokens).insert(jti, exp);
        self.announce();
        let message = Revoked::Token { jti, exp };
        match self.bus.redis() {
            Some(redis) => {
                redis::pipe()
                    .atomic()
                    .zadd(tokens_key(redis), jti.to_string(), exp)
                    .ignore()
                    .publish(redis.key(CHANNEL), encode(&message))
                    .ignore()
                    .query_async::<()>(&mut redis.connection())
                    .await?
            }
            None => self.accounts.revoke_token(jti, exp).await?,
        }
        Ok(())
    }

    /// Refuses every token of `user` issued before `at` (which the caller has stored as the
    /// user's token cut-off), in every process.
    pub(crate) async fn revoke_user(&self, user: Uuid, at: OffsetDateTime) {
        let cutoff_ms = unix_ms(at);
        write(&self.user_cutoffs)
            .entry(user)
            .and_modify(|cutoff| *cutoff = (*cutoff).max(cutoff_ms))
            .or_insert(cutoff_ms);
        self.announce();
        let message = Revoked::User {
            id: user,
            cutoff_ms,
        };
        if let Err(error) = self.bus.publish(CHANNEL, encode(&message)).await {
            // Stored in the database already: other processes pick it up when their subscription
            // restarts, which a Redis outage forces.
            tracing::warn!(%error, %user, "could not publish a user revocation");
        }
    }

    /// Starts following other processes' revocations, and the periodic pruning.
    pub(crate) fn spawn_bridge(self: &Arc<Self>) {
        self.bus.follow(Arc::clone(self));
        let revocations = Arc::clone(self);
        actix_web::rt::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                revocations.prune();
            }
        });
    }

    fn apply(&self, revoked: Revoked) {
        match revoked {
            Revoked::Token { jti, exp } => {
                write(&self.tokens).insert(jti, exp);
            }
            Revoked::User { id, cutoff_ms } => {
                let mut cutoffs = write(&self.user_cutoffs);
                let cutoff = cutoffs.entry(id).or_insert(cutoff_ms);
                *cutoff = (*cutoff).max(cutoff_ms);
            }
        }
        self.announce();
    }

    /// Loads every revocation that can still matter: user cut-offs from the database, then
    /// token revocations from Redis or the database (a Redis outage leaves the user cut-offs
    /// loaded).
    pub(crate) async fn reload(&self) -> anyhow::Result<()> {
        let now = OffsetDateTime::now_utc();
        let users = self
            .accounts
            .token_cutoffs_since(now - self.relevance())
            .await?;
        for (id, at) in users {
            self.apply(Revoked::User {
                id,
                cutoff_ms: unix_ms(at),
            });
        }
        let tokens: Vec<(Uuid, i64)> = match self.bus.redis() {
            Some(redis) => {
                let tokens: Vec<(String, i64)> = redis::cmd("ZRANGEBYSCORE")
                    .arg(tokens_key(redis))
                    .arg(now.unix_timestamp())
                    .arg("+inf")
                    .arg("WITHSCORES")
                    .query_async(&mut redis.connection())
                    .await?;
                tokens
                    .into_iter()
                    .filter_map(|(jti, exp)| Some((jti.parse().ok()?, exp)))
                    .collect()
            }
            None => self.accounts.revoked_tokens(now.unix_timestamp()).await?,
        };
        write(&self.tokens).extend(tokens);
        self.announce();
        Ok(())
    }

    /// Drops entries no unexpired token can match any more.
    fn prune(&self) {
        let now = OffsetDateTime::now_utc();
        // Tokens are accepted a little past `exp` (clock leeway): their revocations stay as long.
        let now_secs = now.unix_timestamp() - time::Duration::MINUTE.whole_seconds();
        write(&self.tokens).retain(|_, exp| *exp >= now_secs);
        let oldest_ms = unix_ms(now - self.relevance());
        write(&self.user_cutoffs).retain(|_, cutoff| *cutoff >= oldest_ms);
        let (bus, accounts) = (self.bus.clone(), self.accounts.clone());
        actix_web::rt::spawn(async move {
            let removed = match bus.redis() {
                Some(redis) => redis::cmd("ZREMRANGEBYSCORE")
                    .arg(tokens_key(redis))
                    .arg("-inf")
                    .arg(now_secs - 1)
                    .query_async::<()>(&mut redis.connection())
                    .await
                    .map_err(anyhow::Error::from),
                None => accounts
                    .prune_revoked_tokens(now_secs)
                    .await
                    .map_err(anyhow::Error::from),
            };
            if let Err(error) = removed {
                tracing::debug!(%error, "could not prune expired token revocations");
            }
        });
    }

    /// How long a revocation can matter: the longest an access token lives, plus clock leeway.
    fn relevance(&self) -> time::Duration {
        time::Duration::seconds(i64::try_from(self.access_ttl.as_secs()).unwrap_or(i64::MAX / 2))
            + time::Duration::MINUTE
    }
}

/// The sorted set of revoked tokens, scored by their `exp`.
fn tokens_key(redis: &RedisStore) -> String {
    redis.key("revoked-tokens")
}

impl ChannelFollower for Revocations {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    async fn resync(&self) -> anyhow::Result<()> {
        self.reload().await
    }

    fn on_message(&self, payload: &[u8]) {
        match serde_json::from_slice::<Revoked>(payload) {
            Ok(revoked) => self.apply(revoked),
            Err(error) => tracing::warn!(%error, "unreadable revocation message"),
        }
    }
}

/// When a token was minted, in Unix milliseconds: its `jti` is a UUIDv7, whose timestamp has
/// millisecond precision (`iat` has only seconds, too coarse to order a token against a
/// revocation made in the same second).
fn minted_ms(claims: &AccessClaims) -> i64 {
    claims
        .jti
        .get_timestamp()
        .map(|ts| {
            let (secs, nanos) = ts.to_unix();
            i64::try_from(secs).unwrap_or(i64::MAX / 1000) * 1000 + i64::from(nanos / 1_000_000)
        })
        // A jti that is not a UUIDv7 was not minted by us; treat it as minted at `iat`.
        .unwrap_or(claims.iat * 1000)
}

fn unix_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn encode(message: &Revoked) -> String {
    // A two-variant enum of ids and integers always serializes.
    serde_json::to_string(message).unwrap_or_default()
}
