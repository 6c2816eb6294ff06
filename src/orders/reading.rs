//! Reading orders back, with their ownership rules: an order is seen by its customer, the
//! sellers of its lines and admins; to anyone else it does not exist.

use super::model::{Order, OrderFilter};
use super::{OrderError, Orders};
use crate::domain::{Caller, Page, Paged};
use uuid::Uuid;

impl Orders {
    /// Order `id` with all its details, if `caller` may see it (404 otherwise).
    pub(crate) async fn order(&self, caller: Caller, id: Uuid) -> Result<Order, OrderError> {
        self.store
            .visible_order(caller, id)
            .await?
            .ok_or(OrderError::NotFound("order"))
    }

    /// The orders `caller` may see, newest first: their own; a seller's also include orders of
    /// their products; an admin's all. Lines, events, payments and refunds are left out.
    pub(crate) async fn list(
        &self,
        caller: Caller,
        filter: &OrderFilter,
        page: Page,
    ) -> Result<Paged<Order>, OrderError> {
        Ok(self.store.list_orders(caller, filter, page).await?)
    }
}
