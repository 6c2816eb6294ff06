//! [`Application::build`]: connects the backing services, binds its own listener and assembles
//! the HTTP server, so `main` and the tests start the very same application.

use crate::accounts::bootstrap_admin;
use crate::auth::{JwtKeys, PasswordHasher, RateLimits, Revocations};
use crate::catalog::ProductCache;
use crate::config::Settings;
use crate::error::problem_fallback;
use crate::extract::JSON_BODY_LIMIT;
use crate::orders::{CustomerLocks, HoldExpiry, release_expired_holds};
use crate::payments::TestGateway;
use crate::redis_store::RedisStore;
use crate::routes::{self, ApiDoc};
use crate::state::AppState;
use crate::telemetry::RequestSpan;
use crate::{db, metrics};
use actix::Arbiter;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpMessage, HttpResponse, HttpServer, web};
use bazaar_actors::cart::{CartConfig, Carts};
use bazaar_actors::hub::Hub;
use bazaar_actors::inventory::{Inventory, InventoryConfig};
use bazaar_actors::journal::{Journal, JournalConfig};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Connects PostgreSQL (creating and migrating the database) and Redis, creates the first
    /// admin, loads the signing key and binds `settings.listen`.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let pool = db::connect_and_migrate(&settings.database_url).await?;
        let redis = RedisStore::new(&settings.redis_url, &settings.redis_prefix)?;
        let passwords = PasswordHasher::default();
        if let Some(admin) = &settings.admin {
            bootstrap_admin(&pool, &passwords, admin).await?;
        }
        let jwt = JwtKeys::load_or_generate(&settings.jwt_key_file, settings.access_token_ttl)?;
        let revocations = Arc::new(Revocations::new(
            redis.clone(),
            pool.clone(),
            settings.access_token_ttl,
        ));
        // Before serving: a token revoked before a restart must not work after it. Redis may be
        // down; the bridge reloads as soon as it connects.
        if let Err(error) = revocations.reload().await {
            tracing::warn!(%error, "revocations not fully loaded; retrying in the background");
        }
        revocations.spawn_bridge();
        let rate_limits = RateLimits::new(settings.rate_limit);
        rate_limits.spawn_pruning();
        let products = ProductCache::start(redis.clone());
        metrics::handle();

        // Before anything sells: holds that expired while no server ran go back on the shelf.
        release_expired_holds(&pool).await?;
        let journal = Journal::start(
            pool.clone(),
            JournalConfig {
                max_batch: settings.journal_max_batch.max(1),
                max_delay: settings.journal_max_delay,
            },
        );
        // The actors run on their own thread, next to (not inside) the HTTP workers.
        let actors = Arbiter::new().handle();
        let (relay, relayed) = tokio::sync::mpsc::unbounded_channel();
        let hub = Hub::with_relay(&actors, relay);
        let inventory = Inventory::new(
            actors.clone(),
            pool.clone(),
            journal.clone(),
            Arc::new(HoldExpiry { hub: hub.clone() }),
            hub.clone(),
            InventoryConfig {
                idle_timeout: settings.actor_idle,
            },
        );
        let (events, notifiable) = tokio::sync::mpsc::unbounded_channel();
        crate::live::relay::start(&redis, hub.clone(), inventory.clone(), relayed, events);
        crate::notifications::start(pool.clone(), hub.clone(), notifiable);
        // Products with open holds get their actor now, so those holds expire on time.
        let held: Vec<uuid::Uuid> =
            sqlx::query_scalar("SELECT DISTINCT product_id FROM holds WHERE state = 'held'")
                .fetch_all(&pool)
                .await?;
        inventory.wake(&held);
        let carts = Carts::new(
            actors.clone(),
            redis.connection(),
            CartConfig {
                idle_timeout: settings.actor_idle,
                key_prefix: settings.redis_prefix.clone(),
            },
        );

        let listener = TcpListener::bind(&settings.listen)?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            settings,
            pool,
            redis,
            jwt,
            passwords,
            revocations,
            rate_limits,
            products,
            journal,
            inventory,
            carts,
            gateway: Arc::new(TestGateway),
            checkout_locks: CustomerLocks::default(),
            hub,
            actors,
        });
        let server = serve(listener, state.clone())?;
        Ok(Self {
            port,
            server,
            state,
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// The shared state, for tests that inspect what the server stored.
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until SIGINT/SIGTERM (or [`ServerHandle::stop`]), letting in-flight requests finish,
    /// then stops the actors and closes the database pool.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.state.actors.stop();
        // Background writers (journal, notifications) finish the statement they are running and
        // give their connection back, rather than being dropped mid-query as the runtime stops.
        if tokio::time::timeout(POOL_CLOSE_TIMEOUT, self.state.pool.close())
            .await
            .is_err()
        {
            tracing::warn!("database connections still busy at shutdown");
        }
        served
    }
}

/// How long shutdown waits for busy database connections.
const POOL_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

fn serve(listener: TcpListener, state: web::Data<AppState>) -> std::io::Result<Server> {
    let openapi = ApiDoc::openapi();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(JSON_BODY_LIMIT))
            .configure(routes::configure)
            .service(web::resource("/docs").route(web::get().to(redirect_to_docs)))
            .service(SwaggerUi::new("/docs/{_:.*}").url("/api/openapi.json", openapi.clone()))
            .wrap(from_fn(problem_fallback))
            .wrap(from_fn(metrics::record_request))
            .wrap(from_fn(echo_request_id))
            .wrap(TracingLogger::<RequestSpan>::new())
    })
    .client_request_timeout(Duration::from_secs(10))
    .client_disconnect_timeout(Duration::from_secs(2))
    .shutdown_timeout(30)
    .listen(listener)?
    .run();
    Ok(server)
}

async fn redirect_to_docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("Location", "/docs/"))
        .finish()
}

/// Middleware: returns the request id (the one in every log line of the request) as
/// `x-request-id`, so a client can quote it in a bug report.
async fn echo_request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req.extensions().get::<RequestId>().copied();
    let mut response = next.call(req).await?;
    if let Some(id) = request_id
        && let Ok(value) = HeaderValue::from_str(&id.to_string())
    {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}
