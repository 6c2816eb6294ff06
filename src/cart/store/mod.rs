//! What a cart needs of the catalog: prices, names, currencies.

mod postgres;
mod sqlite;

use super::PricedProduct;
use crate::db::Database;
use bazaar_actors::by_backend;
use uuid::Uuid;

#[derive(Clone)]
pub(crate) struct CartStore {
    db: Database,
}

impl CartStore {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    /// The products of `ids` with their price, name, currency and stock as last written.
    pub(crate) async fn priced(&self, ids: &[Uuid]) -> sqlx::Result<Vec<PricedProduct>> {
        by_backend!(pool &self.db => priced(ids))
    }

    /// The currency of `product` if it is for sale.
    pub(crate) async fn currency_for_sale(&self, product: Uuid) -> sqlx::Result<Option<String>> {
        by_backend!(pool &self.db => currency_for_sale(product))
    }

    /// Whether any of `products` is priced in another currency than `currency`.
    pub(crate) async fn any_in_other_currency(
        &self,
        products: &[Uuid],
        currency: &str,
    ) -> sqlx::Result<bool> {
        by_backend!(pool &self.db => any_in_other_currency(products, currency))
    }
}
