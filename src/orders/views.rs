//! [`OrderView`]: an order as its reader may see it. Its customer and admins see it whole; a
//! seller of some of its lines sees a [`SellerOrder`]; a courier carrying some of it sees a
//! [`CourierOrder`].

use super::courier_view::CourierOrder;
use super::model::Order;
use super::seller_view::SellerOrder;
use super::{OrderError, Orders};
use crate::domain::{Caller, Page, Paged, Role};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// An order as its reader may see it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum OrderView {
    Whole(Box<Order>),
    Seller(Box<SellerOrder>),
    Courier(Box<CourierOrder>),
}

/// Whether `caller` reads `order` as its customer or an admin, that is whole.
fn reads_whole(caller: Caller, order: &Order) -> bool {
    caller.role == Role::Admin || order.user_id == caller.id
}

/// `order` as `caller`, who may read it, sees it.
pub(crate) fn view_of(caller: Caller, order: Order) -> OrderView {
    if reads_whole(caller, &order) {
        return OrderView::Whole(Box::new(order));
    }
    if caller.role == Role::Courier {
        return OrderView::Courier(Box::new(CourierOrder::of(order, caller.id)));
    }
    let lines = order
        .items
        .iter()
        .filter(|line| line.seller_id == caller.id)
        .cloned()
        .collect();
    OrderView::Seller(Box::new(SellerOrder::of(order, caller.id, lines)))
}

impl Orders {
    /// Order `id` as `caller` may see it (404 if they may not).
    pub(crate) async fn order_view(
        &self,
        caller: Caller,
        id: Uuid,
    ) -> Result<OrderView, OrderError> {
        Ok(view_of(caller, self.order(caller, id).await?))
    }

    /// The orders `caller` may see, newest first, each as they may see it. Whole orders come
    /// without their lines, timeline, payments, refunds and shipments; a seller's view of an
    /// order carries the seller's lines.
    pub(crate) async fn list_views(
        &self,
        caller: Caller,
        filter: &super::OrderFilter,
        page: Page,
    ) -> Result<Paged<OrderView>, OrderError> {
        let listed = self.list(caller, filter, page).await?;
        let sold: Vec<Uuid> = listed
            .items
            .iter()
            .filter(|order| !reads_whole(caller, order))
            .map(|order| order.id)
            .collect();
        let mut lines = self.store.seller_lines(&sold, caller.id).await?;
        Ok(listed.map(|order| {
            if reads_whole(caller, &order) {
                OrderView::Whole(Box::new(order))
            } else {
                let own = lines.remove(&order.id).unwrap_or_default();
                OrderView::Seller(Box::new(SellerOrder::of(order, caller.id, own)))
            }
        }))
    }
}
