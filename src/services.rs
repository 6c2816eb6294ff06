//! [`Services`]: the domain services one running application shares between its workers, each
//! registered on its own so a handler extracts exactly the one it calls.

use crate::accounts::{Accounts, AddressBook};
use crate::analytics::SellerAnalytics;
use crate::auth::{Authenticator, JwtKeys, RateLimits};
use crate::cart::ShoppingCarts;
use crate::catalog::Catalog;
use crate::coupons::Coupons;
use crate::drops::Drops;
use crate::health::Health;
use crate::live::LiveUpdates;
use crate::notifications::Notifications;
use crate::orders::Orders;
use crate::outbox::Outbox;
use crate::payments::Webhooks;
use crate::stock::StockRoom;
use crate::wallet::Wallets;
use actix_web::web::{self, Data};

/// Every service a handler may extract.
#[derive(Clone)]
pub(crate) struct Services {
    pub accounts: Data<Accounts>,
    pub address_book: Data<AddressBook>,
    pub authenticator: Data<Authenticator>,
    pub rate_limits: Data<RateLimits>,
    pub keys: Data<JwtKeys>,
    pub catalog: Data<Catalog>,
    pub stock: Data<StockRoom>,
    pub carts: Data<ShoppingCarts>,
    pub orders: Data<Orders>,
    pub coupons: Data<Coupons>,
    pub drops: Data<Drops>,
    pub webhooks: Data<Webhooks>,
    pub wallets: Data<Wallets>,
    pub analytics: Data<SellerAnalytics>,
    pub live: Data<LiveUpdates>,
    pub notifications: Data<Notifications>,
    pub outbox: Data<Outbox>,
    pub health: Data<Health>,
}

impl Services {
    /// Makes every service available to the handlers of `app`.
    pub(crate) fn register(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.accounts.clone())
            .app_data(self.address_book.clone())
            .app_data(self.authenticator.clone())
            .app_data(self.rate_limits.clone())
            .app_data(self.keys.clone())
            .app_data(self.catalog.clone())
            .app_data(self.stock.clone())
            .app_data(self.carts.clone())
            .app_data(self.orders.clone())
            .app_data(self.coupons.clone())
            .app_data(self.drops.clone())
            .app_data(self.webhooks.clone())
            .app_data(self.wallets.clone())
            .app_data(self.analytics.clone())
            .app_data(self.live.clone())
            .app_data(self.notifications.clone())
            .app_data(self.outbox.clone())
            .app_data(self.health.clone());
    }
}
