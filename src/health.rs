//! [`Health`]: whether the backing services answer, for `/readyz`.

use crate::bus::Bus;
use crate::db::Database;
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;

/// How long a readiness probe waits for each backing service.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// The services a ready server can reach.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Readiness {
    status: &'static str,
    postgres: &'static str,
    /// Absent when the server runs without Redis.
    #[serde(skip_serializing_if = "Option::is_none")]
    redis: Option<&'static str>,
}

/// Some backing services do not answer.
#[derive(Debug, thiserror::Error)]
#[error("not answering: {}", .0.join(", "))]
pub(crate) struct NotReady(Vec<&'static str>);

impl crate::error::Coded for NotReady {
    fn code(&self) -> crate::error::ErrorCode {
        crate::error::ErrorCode::ServiceUnavailable
    }
}

/// Probes the database and, if the deployment has it, Redis.
#[derive(Clone)]
pub(crate) struct Health {
    db: Database,
    bus: Bus,
}

impl Health {
    pub(crate) fn new(db: Database, bus: Bus) -> Self {
        Self { db, bus }
    }

    /// Ready when each answers within [`PROBE_TIMEOUT`].
    pub(crate) async fn readiness(&self) -> Result<Readiness, NotReady> {
        let database = tokio::time::timeout(PROBE_TIMEOUT, self.db.ping());
        let redis = async {
            match self.bus.redis() {
                Some(redis) => Some(matches!(
                    tokio::time::timeout(PROBE_TIMEOUT, redis.ping()).await,
                    Ok(Ok(()))
                )),
                None => None,
            }
        };
        let (database, redis) = tokio::join!(database, redis);
        let down: Vec<&'static str> = [
            ("postgres", matches!(database, Ok(Ok(())))),
            ("redis", redis.unwrap_or(true)),
        ]
        .into_iter()
        .filter_map(|(name, up)| (!up).then_some(name))
        .collect();
        if down.is_empty() {
            Ok(Readiness {
                status: "ready",
                postgres: "up",
                redis: redis.map(|_| "up"),
            })
        } else {
            Err(NotReady(down))
        }
    }
}
