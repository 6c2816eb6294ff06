//! Operations (→ [`crate::health`]): liveness and readiness. Metrics are served on a listener
//! of their own ([`crate::metrics::serve`]).

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
