//! Prometheus metrics: the process-wide recorder, its upkeep, the middleware that measures
//! every request, and the listener of their own that serves them.
//!
//! Metrics are served apart from the public port (`BAZAAR_METRICS_LISTEN`, loopback by default):
//! they tell an attacker what the server is doing and cost a render of every series to ask.

use crate::telemetry::MatchedRoute;
use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const REQUEST_DURATION: &str = "http_request_duration_seconds";
const REQUESTS: &str = "http_requests_total";

/// Latency buckets from 0.5 ms to 10 s.
const DURATION_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often buffered histogram samples are folded into their buckets. The exporter keeps every
/// sample until it is rendered or upkeep runs; without upkeep, a server nobody scrapes grows by
/// every request it serves.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The process-wide Prometheus handle, with its upkeep thread. Metrics are global in a process,
/// so several apps in one process (tests) share it.
pub(crate) fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.into()), &DURATION_BUCKETS)
            .and_then(PrometheusBuilder::install_recorder)
            // Start-up only: the bucket list is a non-empty constant and no other recorder is
            // installed in this process.
            .expect("install the Prometheus recorder");
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkeep.run_upkeep();
                }
            })
            // Start-up only, like the recorder: a process that cannot start a thread cannot serve.
            .expect("start the metrics upkeep thread");
        handle
    })
}

/// Serves `GET /metrics` (Prometheus text exposition) on `listener`, and nothing else.
pub(crate) fn serve(listener: std::net::TcpListener) -> std::io::Result<actix_web::dev::Server> {
    let server = actix_web::HttpServer::new(|| {
        actix_web::App::new().route("/metrics", actix_web::web::get().to(render))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    Ok(server)
}

async fn render() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(handle().render())
}

/// Middleware: counts requests by method, route and status and records their latency.
pub(crate) async fn record_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let response = next.call(req).await?;
    // The route pattern, not the raw path: ids in paths would explode the label set.
    let route = response
        .request()
        .extensions()
        .get::<MatchedRoute>()
        .map(|route| route.0.clone())
        .or_else(|| response.request().match_pattern())
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status().as_u16().to_string();
    metrics::counter!(REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(REQUEST_DURATION, "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    Ok(response)
}
