//! [`Application::build`]: connects the backing services, wires the domain services, binds its
//! own listener and assembles the HTTP server, so `main` and the tests start the very same
//! application.

use crate::accounts::{AccountRules, AccountStore, Accounts, AddressBook};
use crate::analytics::{AnalyticsStore, SellerAnalytics};
use crate::auth::{Authenticator, JwtKeys, PasswordHasher, RateLimits, Revocations};
use crate::bus::Bus;
use crate::cart::{CartStore, ShoppingCarts};
use crate::catalog::store::CatalogStore;
use crate::catalog::{Catalog, ProductCache};
use crate::config::Settings;
use crate::coupons::{CouponStore, Coupons};
use crate::db::Database;
use crate::drops::{
    CheckoutPace, DropStore, Drops, Gatekeeper, SaleClock, TicketSigner, WaitingRooms, Waitlists,
};
use crate::error::problem_fallback;
use crate::extract::JSON_BODY_LIMIT;
use crate::health::Health;
use crate::live::{Heartbeat, LiveUpdates, SessionLimits};
use crate::notifications::{NotificationStore, Notifications};
use crate::orders::{
    Fingerprints, HoldExpiry, OrderRules, OrderServices, OrderStore, Orders, resume_holds,
};
use crate::outbox::Outbox;
use crate::outbox::sender::Sender;
use crate::outbox::store::OutboxStore;
use crate::payments::{PaymentGateway, StripeGateway, TestGateway, Webhooks};
use crate::promotions::{Announcer, PromotionStore};
use crate::routes::{self, ApiDoc, MethodNotAllowed};
use crate::security_headers;
use crate::services::Services;
use crate::single_process::SingleProcess;
use crate::stock::StockRoom;
use crate::telemetry::RequestSpan;
use crate::wallet::{TopUpLimits, WalletServices, WalletStore, Wallets};
use crate::web_client::{self, WebClient};
use crate::{db, metrics};
use actix::Arbiter;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::web::Data;
use actix_web::{App, HttpMessage, HttpResponse, HttpServer, web};
use anyhow::Context;
use bazaar_actors::cart::{CartConfig, CartStorage, Carts};
use bazaar_actors::hub::Hub;
use bazaar_actors::inventory::{Inventory, InventoryConfig};
use bazaar_actors::journal::{Journal, JournalConfig};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    /// The metrics listener's port and server, unless metrics are off.
    metrics_server: Option<(u16, Server)>,
    db: Database,
    actors: actix::ArbiterHandle,
    /// This process's claim on a deployment that has one process, given up when it stops.
    claim: Option<SingleProcess>,
}

impl Application {
    /// Connects the database (creating and migrating it) and Redis, creates the first admin,
    /// loads the signing key, releases the holds that expired while no server ran, and binds
    /// `settings.listen`.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = db::connect_and_migrate(&settings.database_url)
            .await
            .context("BAZAAR_DATABASE_URL")?;
        let bus = Bus::new(settings.redis_url.as_deref(), &settings.redis_prefix)?;
        let claim =
            SingleProcess::claim(&settings.database_url, &db, bus.redis().is_some()).await?;
        let account_store = AccountStore::new(db.clone());
        let keys = Arc::new(JwtKeys::load_or_generate(
            &settings.jwt_key_file,
            settings.access_token_ttl,
        )?);
        let revocations = Arc::new(Revocations::new(
            bus.clone(),
            account_store.clone(),
            settings.access_token_ttl,
        ));
        // Before serving: a token revoked before a restart must not work after it. Redis may be
        // down; the bridge reloads as soon as it connects. Without Redis nothing would reload
        // them later: a server that cannot load them does not start.
        match (revocations.reload().await, bus.redis()) {
            (Ok(()), _) => {}
            (Err(error), Some(_)) => {
                tracing::warn!(%error, "revocations not fully loaded; retrying in the background");
            }
            (Err(error), None) => return Err(error.context("cannot load the revocations")),
        }
        revocations.spawn_bridge();
        let accounts = Accounts::new(
            account_store.clone(),
            PasswordHasher::default(),
            keys.clone(),
            revocations.clone(),
            AccountRules {
                require_activation: settings.require_activation,
                public_url: settings.public_url.clone(),
            },
        );
        if let Some(admin) = &settings.admin {
            accounts.bootstrap_admin(admin).await?;
        }
        let rate_limits = RateLimits::new(settings.rate_limit, &settings.rates);
        rate_limits.spawn_pruning();
        let product_cache = ProductCache::start(bus.clone());
        metrics::handle();

        let journal = Journal::start(
            db.clone(),
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
            db.clone(),
            journal.clone(),
            Arc::new(HoldExpiry { hub: hub.clone() }),
            hub.clone(),
            InventoryConfig {
                idle_timeout: settings.actor_idle,
            },
        );
        let (events, notifiable) = tokio::sync::mpsc::unbounded_channel();
        crate::live::relay::start(&bus, hub.clone(), inventory.clone(), relayed, events);
        crate::notifications::start(NotificationStore::new(db.clone()), hub.clone(), notifiable);
        if let Some(smtp) = &settings.smtp {
            Sender::new(OutboxStore::new(db.clone()), smtp.clone())?.start();
        }
        let order_store = OrderStore::new(db.clone());
        // Before anything sells: holds that expired while no server ran go back on the shelf.
        resume_holds(&order_store, &inventory).await?;
        let cart_storage = match bus.redis() {
            Some(redis) => CartStorage::Redis {
                connection: redis.connection(),
                key_prefix: settings.redis_prefix.clone(),
            },
            None => CartStorage::Database(db.clone()),
        };
        spawn_cart_pruning(cart_storage.clone());
        let carts = Carts::new(
            actors.clone(),
            cart_storage,
            CartConfig {
                idle_timeout: settings.actor_idle,
            },
        );
        let drop_store = DropStore::new(db.clone());
        let catalog = Catalog::new(
            CatalogStore::new(db.clone()),
            product_cache,
            inventory.clone(),
            SaleClock::start(drop_store.clone(), hub.clone()),
        );
        let waiting_rooms = WaitingRooms::new(
            drop_store.clone(),
            TicketSigner::new(keys.derive_secret("waiting room ticket")),
            catalog.clone(),
            inventory.clone(),
            hub.clone(),
        );
        let checkout_pace = Arc::new(CheckoutPace::default());
        Gatekeeper::start(
            drop_store.clone(),
            hub.clone(),
            settings.queue_admit_rate,
            settings.queue_admission,
            checkout_pace.clone(),
        );
        let address_book = AddressBook::new(account_store);
        let promoter = Announcer::start(
            PromotionStore::new(db.clone()),
            hub.clone(),
            settings.promotion_batch,
        );
        let coupons = Coupons::new(CouponStore::new(db.clone()), promoter);
        let fingerprints = Fingerprints::new(keys.derive_secret("idempotency request fingerprint"));
        let gateway: Arc<dyn PaymentGateway> = match &settings.stripe {
            Some(stripe) => Arc::new(StripeGateway::new(stripe)?),
            None => Arc::new(TestGateway),
        };
        let hold_ttl = time::Duration::try_from(settings.hold_ttl)
            .map_err(|_| anyhow::anyhow!("BAZAAR_HOLD_TTL_SECS: too long"))?;
        let orders = Orders::new(OrderServices {
            store: order_store,
            journal,
            inventory: inventory.clone(),
            carts: carts.clone(),
            catalog: catalog.clone(),
            address_book: address_book.clone(),
            gateway: gateway.clone(),
            hub: hub.clone(),
            hold_ttl,
            shipping_methods: settings.shipping_methods.clone(),
            tax_rates: settings.tax_rates.clone(),
            coupons: coupons.clone(),
            wallet_currency: settings.wallet.currency.clone(),
            fingerprints: fingerprints.clone(),
            waiting_rooms: waiting_rooms.clone(),
            checkout_pace,
            rules: OrderRules {
                max_unpaid_orders: i64::try_from(settings.max_unpaid_orders).unwrap_or(i64::MAX),
                max_payment_declines: i64::try_from(settings.max_payment_declines)
                    .unwrap_or(i64::MAX),
                return_window: time::Duration::days(
                    i64::try_from(settings.return_window_days).unwrap_or(i64::MAX / 86_400),
                ),
            },
        });
        let waitlists = Waitlists::new(
            drop_store.clone(),
            catalog.clone(),
            inventory.clone(),
            orders.clone(),
            address_book.clone(),
            hub.clone(),
            time::Duration::try_from(settings.waitlist_hold)
                .map_err(|_| anyhow::anyhow!("BAZAAR_WAITLIST_HOLD_MINUTES: too long"))?,
        );
        let authenticator = Authenticator::new(keys.clone(), revocations);
        let services = Services {
            accounts: Data::new(accounts),
            address_book: Data::new(address_book),
            rate_limits: Data::new(rate_limits),
            keys: Data::from(keys),
            stock: Data::new(StockRoom::new(
                catalog.clone(),
                inventory.clone(),
                waitlists.clone(),
            )),
            carts: Data::new(ShoppingCarts::new(
                carts,
                CartStore::new(db.clone()),
                inventory,
                coupons.clone(),
            )),
            catalog: Data::new(catalog.clone()),
            orders: Data::new(orders),
            coupons: Data::new(coupons.clone()),
            drops: Data::new(Drops::new(
                waiting_rooms.clone(),
                waitlists,
                drop_store,
                catalog.clone(),
            )),
            webhooks: Data::new(Webhooks::new(settings.stripe.as_ref())),
            analytics: Data::new(SellerAnalytics::new(AnalyticsStore::new(db.clone()))),
            wallets: Data::new(Wallets::new(WalletServices {
                store: WalletStore::new(db.clone()),
                gateway,
                currency: settings.wallet.currency.clone(),
                limits: TopUpLimits {
                    min_cents: settings.wallet.top_up_min_cents,
                    max_cents: settings.wallet.top_up_max_cents,
                    per_day: settings.wallet.top_ups_per_day,
                    max_balance_cents: settings.wallet.max_balance_cents,
                },
                fingerprints,
            })),
            live: Data::new(LiveUpdates::new(
                hub,
                authenticator.clone(),
                catalog.clone(),
                waiting_rooms.clone(),
                Heartbeat {
                    ping: settings.ws_ping_interval,
                    timeout: settings.ws_idle_timeout,
                },
                SessionLimits {
                    per_user: settings.live_sessions_per_user,
                    per_address: settings.live_sessions_per_address,
                },
            )),
            authenticator: Data::new(authenticator),
            notifications: Data::new(Notifications::new(NotificationStore::new(db.clone()))),
            outbox: Data::new(Outbox::new(OutboxStore::new(db.clone()))),
            health: Data::new(Health::new(db.clone(), bus)),
        };

        let listener = TcpListener::bind(&settings.listen)?;
        let port = listener.local_addr()?.port();
        let web_client = Data::new(WebClient::load(&settings.web_dir)?);
        let server = serve(listener, services, web_client, settings.media_dir.clone())?;
        let metrics_server = match &settings.metrics_listen {
            Some(address) => {
                let listener = TcpListener::bind(address).with_context(|| {
                    format!("BAZAAR_METRICS_LISTEN: cannot listen on {address}")
                })?;
                let port = listener.local_addr()?.port();
                Some((port, metrics::serve(listener)?))
            }
            None => None,
        };
        Ok(Self {
            port,
            server,
            metrics_server,
            db,
            actors,
            claim,
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port metrics are served on, unless they are off.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_server.as_ref().map(|(port, _)| *port)
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// The database, for tests that inspect what the server stored.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The thread the actors run on, for tests that stop an application without running it to
    /// its end.
    pub fn actors(&self) -> actix::ArbiterHandle {
        self.actors.clone()
    }

    /// Serves until SIGINT/SIGTERM (or [`ServerHandle::stop`]), letting in-flight requests
    /// finish, then stops the actors, closes the database pool and gives up the claim on a
    /// single-process deployment.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics_server.map(|(_, server)| {
            let handle = server.handle();
            actix_web::rt::spawn(server);
            handle
        });
        let served = self.server.await;
        if let Some(metrics) = metrics {
            metrics.stop(true).await;
        }
        self.actors.stop();
        // Background writers (journal, notifications) finish the statement they are running and
        // give their connection back, rather than being dropped mid-query as the runtime stops.
        if tokio::time::timeout(POOL_CLOSE_TIMEOUT, self.db.close())
            .await
            .is_err()
        {
            tracing::warn!("database connections still busy at shutdown");
        }
        drop(self.claim);
        served
    }
}

/// Deletes expired carts every hour (carts in Redis expire by themselves).
fn spawn_cart_pruning(storage: CartStorage) {
    if matches!(storage, CartStorage::Redis { .. }) {
        return;
    }
    actix_web::rt::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60 * 60));
        loop {
            every.tick().await;
            match storage.prune_expired().await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(pruned, "expired carts deleted"),
                Err(error) => tracing::warn!(%error, "could not delete expired carts"),
            }
        }
    });
}

/// How long shutdown waits for busy database connections.
const POOL_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// The OpenAPI document: the route table's paths with [`ApiDoc`]'s info, tags and schemas, and
/// every operation's error answers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::configure)
        .split_for_parts();
    // Start-up only: the document is generated from our own types, and turning it into JSON and
    // back cannot fail unless they are broken, which every test would show.
    let json = serde_json::to_value(&document).expect("the OpenAPI document as JSON");
    serde_json::from_value(routes::with_error_responses(json))
        .expect("the OpenAPI document from JSON")
}

fn serve(
    listener: TcpListener,
    services: Services,
    web_client: Data<WebClient>,
    media_dir: PathBuf,
) -> std::io::Result<Server> {
    let document = openapi();
    let method_not_allowed = Data::new(MethodNotAllowed::from_openapi(&document));
    let server = HttpServer::new(move || {
        App::new()
            .configure(|cfg| services.register(cfg))
            .app_data(web::PayloadConfig::new(JSON_BODY_LIMIT))
            .app_data(method_not_allowed.clone())
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .configure(routes::configure)
            .into_app()
            .service(web::resource("/docs").route(web::get().to(redirect_to_docs)))
            .service(SwaggerUi::new("/docs/{_:.*}").url("/api/openapi.json", document.clone()))
            .configure(web_client::configure(web_client.clone(), media_dir.clone()))
            .default_service(web::to(web_client::page_or_not_found))
            .wrap(from_fn(problem_fallback))
            .wrap(from_fn(security_headers::add))
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
