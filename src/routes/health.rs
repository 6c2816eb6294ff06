//! Operations: liveness, readiness and Prometheus metrics.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;

/// How long a readiness probe waits for each backing service.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Serialize, ToSchema)]
pub struct Health {
    status: &'static str,
}

/// 200 while the process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = Health)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    status: &'static str,
    postgres: &'static str,
    redis: &'static str,
}

/// 200 when PostgreSQL and Redis answer, else 503 with `Retry-After`.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Readiness),
              (status = 503, description = "PostgreSQL or Redis is not answering",
               body = crate::error::Problem)))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let postgres =
        tokio::time::timeout(PROBE_TIMEOUT, sqlx::query("SELECT 1").execute(&state.pool));
    let redis = tokio::time::timeout(PROBE_TIMEOUT, state.redis.ping());
    let (postgres, redis) = tokio::join!(postgres, redis);
    let postgres_up = matches!(postgres, Ok(Ok(_)));
    let redis_up = matches!(redis, Ok(Ok(())));
    if postgres_up && redis_up {
        return Ok(HttpResponse::Ok().json(Readiness {
            status: "ready",
            postgres: "up",
            redis: "up",
        }));
    }
    let down: Vec<&str> = [("postgres", postgres_up), ("redis", redis_up)]
        .into_iter()
        .filter_map(|(name, up)| (!up).then_some(name))
        .collect();
    Err(ApiError::unavailable(format!(
        "not answering: {}",
        down.join(", ")
    )))
}

/// Prometheus text exposition of the process's metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(crate::metrics::handle().render())
}
