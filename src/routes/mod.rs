//! The route table: every route is declared once, here, and its OpenAPI description comes from
//! the same declaration (`utoipa-actix-web` collects each handler's `#[utoipa::path]`).
//!
//! A handler extracts, makes one domain call, and answers. Each route module is named after the
//! domain module it calls: `routes::catalog::products` calls `catalog::products`, and so on (the
//! table in `docs/ARCHITECTURE.md` lists them).

mod accounts;
mod analytics;
mod auth;
mod cart;
mod catalog;
mod coupons;
mod drops;
mod error_responses;
mod health;
mod live;
mod method_not_allowed;
mod notifications;
mod orders;
mod outbox;
mod payments;
mod stock;
mod wallet;

use crate::error::path_error;
use actix_web::web;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub(crate) use error_responses::documented as with_error_responses;
pub(crate) use method_not_allowed::MethodNotAllowed;

/// Registers every route of the API (and, through `utoipa-actix-web`, its OpenAPI path).
pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(path_error))
        .service(health::healthz)
        .service(health::readyz)
        .service(auth::jwks)
        .service(
            // Static scopes first, hot routes first: actix tries resources in order, and each
            // dynamic segment costs a regex match.
            scope("/api/v1")
                .service(
                    scope("/products")
                        .service(catalog::products::search)
                        .service(catalog::products::create)
                        .service(catalog::products::get)
                        .service(catalog::products::update)
                        .service(catalog::products::archive)
                        .service(catalog::reviews::list)
                        .service(catalog::reviews::create)
                        .service(stock::get)
                        .service(stock::adjust)
                        .service(drops::join_queue)
                        .service(drops::queue_standing)
                        .service(drops::subscribe)
                        .service(drops::unsubscribe)
                        .service(drops::waitlist_count),
                )
                .service(orders::checkout)
                .service(live::websocket)
                .service(live::events)
                .service(
                    scope("/notifications")
                        .service(notifications::list)
                        .service(notifications::mark_read),
                )
                .service(
                    scope("/cart")
                        .service(cart::get)
                        .service(cart::clear)
                        .service(cart::add_item)
                        .service(cart::set_item)
                        .service(cart::remove_item)
                        .service(cart::apply_coupon)
                        .service(cart::remove_coupon),
                )
                .service(
                    scope("/orders")
                        .service(orders::list)
                        .service(orders::get)
                        .service(orders::pay)
                        .service(orders::cancel)
                        .service(orders::change_status)
                        .service(orders::refund)
                        .service(orders::open_return)
                        .service(orders::list_returns),
                )
                .service(scope("/returns").service(orders::decide_return))
                .service(orders::deliveries)
                .service(accounts::couriers::list)
                .service(orders::shipping_methods)
                .service(
                    scope("/coupons")
                        .service(coupons::list)
                        .service(coupons::create)
                        .service(coupons::withdraw),
                )
                .service(
                    scope("/wallet")
                        .service(wallet::get)
                        .service(wallet::top_up),
                )
                .service(payments::stripe_webhook)
                .service(analytics::report)
                .service(catalog::products::seller_products)
                .service(
                    scope("/auth")
                        .service(accounts::flows::register)
                        .service(accounts::flows::activate)
                        .service(accounts::flows::resend_activation)
                        .service(accounts::flows::login)
                        .service(accounts::flows::refresh)
                        .service(accounts::flows::logout)
                        .service(accounts::flows::forgot_password)
                        .service(accounts::flows::reset_password),
                )
                .service(
                    scope("/users/me")
                        .service(accounts::users::get_me)
                        .service(accounts::users::update_me)
                        .service(accounts::addresses::list)
                        .service(accounts::addresses::create)
                        .service(accounts::addresses::update)
                        .service(accounts::addresses::delete),
                )
                .service(
                    scope("/catalogs")
                        .service(catalog::catalogs::list)
                        .service(catalog::catalogs::create)
                        .service(catalog::catalogs::get)
                        .service(catalog::catalogs::update)
                        .service(catalog::catalogs::delete)
                        .service(catalog::catalogs::add_product)
                        .service(catalog::catalogs::remove_product)
                        .service(catalog::import::import),
                )
                .service(
                    scope("/categories")
                        .service(catalog::categories::tree)
                        .service(catalog::categories::create)
                        .service(catalog::categories::update)
                        .service(catalog::categories::delete),
                )
                .service(catalog::reviews::delete)
                .service(
                    scope("/admin")
                        .service(accounts::admin::list)
                        .service(accounts::admin::create)
                        .service(accounts::admin::get)
                        .service(accounts::admin::update)
                        .service(accounts::admin::delete)
                        .service(outbox::list)
                        .service(drops::flash_report),
                ),
        );
}

/// What the OpenAPI document says beyond the paths: title, tags, the problem schema and the
/// bearer-token scheme.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Bazaar", description = "Actor-based, real-time commerce server"),
    components(schemas(
        crate::domain::FieldError,
        crate::error::Problem,
        crate::orders::Delivery
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "operations", description = "Health, readiness, metrics"),
        (name = "accounts", description = "Registration, sign-in, sessions, passwords"),
        (name = "users", description = "Profiles and address books"),
        (name = "admin", description = "User management and the outbox"),
        (name = "catalog", description = "Categories, products, search, catalogs, reviews"),
        (name = "inventory", description = "Stock levels and adjustments"),
        (name = "cart", description = "The customer's cart"),
        (name = "orders", description = "Checkout, payment, orders"),
        (name = "coupons", description = "Sellers' and admins' coupons"),
        (name = "wallet", description = "The customer's wallet"),
        (name = "analytics", description = "Sellers' reports"),
        (name = "drops", description = "Waiting rooms, waitlists and bot signals of flash sales"),
        (name = "live", description = "Live updates over WebSocket"),
    )
)]
pub(crate) struct ApiDoc;

/// Declares the bearer-token security scheme the protected routes refer to.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}
