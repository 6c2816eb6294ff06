//! Operations (→ [`crate::health`], [`crate::metrics`]): liveness, readiness and Prometheus
//! metrics.

use crate::error::{ApiError, Problem};
use crate::health::{Health, Readiness};
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
#[schema(as = Health)]
pub(crate) struct Alive {
    status: &'static str,
}

/// 200 while the process is up.
#[utoipa::path(tag = "operations", responses((status = 200, body = Alive)))]
#[get("/healthz")]
pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Alive { status: "ok" })
}

/// 200 when the database and Redis answer, else 503 with `Retry-After`.
#[utoipa::path(tag = "operations",
    responses((status = 200, body = Readiness),
              (status = 503, description = "the database or Redis is not answering",
               body = Problem)))]
#[get("/readyz")]
pub(crate) async fn readyz(health: web::Data<Health>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(health.readiness().await?))
}

/// Prometheus text exposition of the process's metrics.
#[utoipa::path(tag = "operations",
    responses((status = 200, content_type = "text/plain", body = String)))]
#[get("/metrics")]
pub(crate) async fn metrics() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(crate::metrics::handle().render())
}
