//! The HTTP routes: thin handlers that extract, parse, make one domain call and answer.

mod addresses;
mod admin_outbox;
mod admin_users;
mod auth;
mod cart;
mod catalogs;
mod categories;
mod health;
mod inventory;
mod jwks;
mod me;
mod notifications;
mod orders;
mod products;
mod reviews;

pub(crate) use health::{healthz, metrics, readyz};

use crate::error::path_error;
use actix_web::{middleware, web};

/// Registers every route of the API.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(path_error))
        .service(web::resource("/healthz").route(web::get().to(healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)))
        .service(web::resource("/metrics").route(web::get().to(metrics)))
        .service(web::resource("/.well-known/jwks.json").route(web::get().to(jwks::jwks)))
        .service(
            // Static scopes first, hot routes first: actix tries resources in order, and each
            // dynamic segment costs a regex match.
            web::scope("/api/v1")
                .service(
                    web::scope("/products")
                        .service(
                            web::resource("")
                                .route(web::get().to(products::search))
                                .route(web::post().to(products::create)),
                        )
                        .service(
                            web::resource("/{id}")
                                .route(web::get().to(products::get))
                                .route(web::patch().to(products::update))
                                .route(web::delete().to(products::archive)),
                        )
                        .service(
                            web::resource("/{id}/reviews")
                                .route(web::get().to(reviews::list))
                                .route(web::post().to(reviews::create)),
                        )
                        .service(
                            web::resource("/{id}/inventory").route(web::get().to(inventory::get)),
                        )
                        .service(
                            web::resource("/{id}/inventory/adjustments")
                                .route(web::post().to(inventory::adjust)),
                        ),
                )
                .service(web::resource("/checkout").route(web::post().to(orders::checkout)))
                .service(web::resource("/ws").route(web::get().to(crate::live::websocket)))
                .service(web::resource("/events").route(web::get().to(crate::live::events)))
                .service(
                    web::scope("/notifications")
                        .service(web::resource("").route(web::get().to(notifications::list)))
                        .service(
                            web::resource("/{id}/read")
                                .route(web::post().to(notifications::mark_read)),
                        ),
                )
                .service(
                    web::scope("/cart")
                        .service(
                            web::resource("")
                                .route(web::get().to(cart::get))
                                .route(web::delete().to(cart::clear)),
                        )
                        .service(web::resource("/items").route(web::post().to(cart::add_item)))
                        .service(
                            web::resource("/items/{product_id}")
                                .route(web::patch().to(cart::set_item))
                                .route(web::delete().to(cart::remove_item)),
                        ),
                )
                .service(
                    web::scope("/orders")
                        .service(web::resource("").route(web::get().to(orders::list)))
                        .service(web::resource("/{id}").route(web::get().to(orders::get)))
                        .service(web::resource("/{id}/pay").route(web::post().to(orders::pay)))
                        .service(
                            web::resource("/{id}/cancel").route(web::post().to(orders::cancel)),
                        ),
                )
                .service(
                    web::scope("/auth")
                        .wrap(middleware::from_fn(auth::limit_per_address))
                        .service(web::resource("/register").route(web::post().to(auth::register)))
                        .service(web::resource("/activate").route(web::post().to(auth::activate)))
                        .service(web::resource("/login").route(web::post().to(auth::login)))
                        .service(web::resource("/refresh").route(web::post().to(auth::refresh)))
                        .service(web::resource("/logout").route(web::post().to(auth::logout)))
                        .service(
                            web::resource("/password/forgot")
                                .route(web::post().to(auth::forgot_password)),
                        )
                        .service(
                            web::resource("/password/reset")
                                .route(web::post().to(auth::reset_password)),
                        ),
                )
                .service(
                    web::scope("/users/me")
                        .service(
                            web::resource("")
                                .route(web::get().to(me::get_me))
                                .route(web::patch().to(me::update_me)),
                        )
                        .service(
                            web::resource("/addresses")
                                .route(web::get().to(addresses::list))
                                .route(web::post().to(addresses::create)),
                        )
                        .service(
                            web::resource("/addresses/{id}")
                                .route(web::patch().to(addresses::update))
                                .route(web::delete().to(addresses::delete)),
                        ),
                )
                .service(
                    web::scope("/catalogs")
                        .service(
                            web::resource("")
                                .route(web::get().to(catalogs::list))
                                .route(web::post().to(catalogs::create)),
                        )
                        .service(
                            web::resource("/{id}")
                                .route(web::get().to(catalogs::get))
                                .route(web::patch().to(catalogs::update))
                                .route(web::delete().to(catalogs::delete)),
                        )
                        .service(
                            web::resource("/{id}/products/{product_id}")
                                .route(web::put().to(catalogs::add_product))
                                .route(web::delete().to(catalogs::remove_product)),
                        )
                        .service(
                            web::resource("/{id}/import").route(web::post().to(catalogs::import)),
                        ),
                )
                .service(
                    web::scope("/categories")
                        .service(
                            web::resource("")
                                .route(web::get().to(categories::tree))
                                .route(web::post().to(categories::create)),
                        )
                        .service(
                            web::resource("/{id}")
                                .route(web::patch().to(categories::update))
                                .route(web::delete().to(categories::delete)),
                        ),
                )
                .service(web::resource("/reviews/{id}").route(web::delete().to(reviews::delete)))
                .service(
                    web::scope("/admin")
                        .service(
                            web::resource("/users")
                                .route(web::get().to(admin_users::list))
                                .route(web::post().to(admin_users::create)),
                        )
                        .service(
                            web::resource("/users/{id}")
                                .route(web::get().to(admin_users::get))
                                .route(web::patch().to(admin_users::update))
                                .route(web::delete().to(admin_users::delete)),
                        )
                        .service(web::resource("/outbox").route(web::get().to(admin_outbox::list))),
                ),
        );
}

/// The OpenAPI description of every route above.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Bazaar", description = "Actor-based, real-time commerce server"),
    paths(
        health::healthz, health::readyz, health::metrics, jwks::jwks,
        auth::register, auth::activate, auth::login, auth::refresh, auth::logout,
        auth::forgot_password, auth::reset_password,
        me::get_me, me::update_me,
        addresses::list, addresses::create, addresses::update, addresses::delete,
        admin_users::list, admin_users::create, admin_users::get, admin_users::update,
        admin_users::delete, admin_outbox::list,
        categories::tree, categories::create, categories::update, categories::delete,
        products::search, products::get, products::create, products::update, products::archive,
        reviews::list, reviews::create, reviews::delete,
        catalogs::list, catalogs::create, catalogs::get, catalogs::update, catalogs::delete,
        catalogs::add_product, catalogs::remove_product, catalogs::import,
        inventory::get, inventory::adjust,
        cart::get, cart::add_item, cart::set_item, cart::remove_item, cart::clear,
        orders::checkout, orders::pay, orders::list, orders::get, orders::cancel,
        crate::live::websocket, crate::live::events,
        notifications::list, notifications::mark_read,
    ),
    components(schemas(crate::error::FieldError)),
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
        (name = "live", description = "Live updates over WebSocket"),
    )
)]
pub struct ApiDoc;

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
