//! Returns: within the return window after delivery, a customer returns some of what they
//! bought, with a reason; each seller approves (a refund of those lines at the prices paid, and
//! the units back to stock if they say so) or rejects their part. Every step is on the order's
//! timeline and announced live.

use super::model::Return;
use super::refunds::GiveBack;
use super::units::{AfterCommit, OpenReturn, RejectReturn, Restock, ReturnRefusal};
use super::{OrderError, Orders, announce};
use crate::domain::{Caller, Role};
use time::OffsetDateTime;
use uuid::Uuid;

/// A return a customer asks for.
pub(crate) struct ReturnRequest {
    pub order: Uuid,
    /// Units per product, each product once.
    pub lines: Vec<(Uuid, i64)>,
    pub reason: String,
}

/// A seller's (or an admin's) decision on a return.
pub(crate) struct Decision {
    pub approve: bool,
    pub restock: bool,
    pub note: Option<String>,
}

impl Orders {
    /// Opens the returns `request` asks for, one per seller of its lines.
    pub(crate) async fn open_return(
        &self,
        caller: Caller,
        request: ReturnRequest,
    ) -> Result<Vec<Return>, OrderError> {
        let order = self.order(caller, request.order).await?;
        if order.user_id != caller.id {
            return Err(OrderError::Forbidden(
                "only the customer returns what they bought",
            ));
        }
        let outcome = AfterCommit::default();
        self.journal
            .write(OpenReturn {
                order: request.order,
                customer: caller.id,
                lines: request.lines,
                reason: request.reason,
                window: self.rules.return_window,
                at: OffsetDateTime::now_utc(),
                outcome: outcome.clone(),
            })
            .await?;
        let opened = match outcome.get() {
            Some(Ok(opened)) => opened,
            Some(Err(refusal)) => return Err(not_returnable(refusal)),
            None => return Err(OrderError::NotFound("order")),
        };
        let mut returns = Vec::with_capacity(opened.len());
        for id in opened {
            returns.push(self.return_of(id).await?);
        }
        announce(&self.hub, &order);
        Ok(returns)
    }

    /// The returns of order `id` that `caller` may see, oldest first: its customer and admins see
    /// every one, a seller theirs; anyone else (its courier) gets 404, as for an order not theirs.
    #[tracing::instrument(skip(self))]
    pub(crate) async fn returns_of(
        &self,
        caller: Caller,
        id: Uuid,
    ) -> Result<Vec<Return>, OrderError> {
        let order = self.order(caller, id).await?;
        let sees_all = caller.role == Role::Admin || order.user_id == caller.id;
        if !sees_all && caller.role != Role::Seller {
            return Err(OrderError::NotFound("order"));
        }
        let returns = self.store.order_returns(id).await?;
        Ok(returns
            .into_iter()
            .filter(|asked| sees_all || asked.seller_id == caller.id)
            .collect())
    }

    /// Decides return `id` for `caller`, its seller or an admin.
    pub(crate) async fn decide_return(
        &self,
        caller: Caller,
        id: Uuid,
        decision: Decision,
    ) -> Result<Return, OrderError> {
        let asked = self.return_of(id).await?;
        self.order(caller, asked.order_id).await?;
        if !caller.manages(asked.seller_id) {
            return Err(OrderError::NotFound("return"));
        }
        if decision.approve {
            let reason = match &decision.note {
                Some(note) => format!("return approved: {note}"),
                None => "return approved".to_owned(),
            };
            let lines = asked.lines.iter().map(|line| (line.product_id, line.qty));
            self.give_back(GiveBack {
                order: asked.order_id,
                by: caller,
                // Even when an admin approves it, a return is refunded from its seller's share.
                seller: Some(asked.seller_id),
                amount: Some(asked.value_cents()),
                reason,
                restock: if decision.restock {
                    Restock::Units(lines.collect())
                } else {
                    Restock::None
                },
                idempotency: None,
                approves: Some(id),
            })
            .await?;
        } else {
            let rejected = AfterCommit::default();
            self.journal
                .write(RejectReturn {
                    id,
                    by: caller.id,
                    note: decision.note,
                    at: OffsetDateTime::now_utc(),
                    rejected: rejected.clone(),
                })
                .await?;
            if rejected.get().flatten().is_none() {
                return Err(OrderError::Conflict("this return was decided already"));
            }
            if let Some(order) = self.store.order(asked.order_id).await? {
                announce(&self.hub, &order);
            }
        }
        self.return_of(id).await
    }

    async fn return_of(&self, id: Uuid) -> Result<Return, OrderError> {
        self.store
            .return_row(id)
            .await?
            .ok_or(OrderError::NotFound("return"))
    }
}

/// The answer to a return that was not opened, naming the line.
fn not_returnable(refusal: ReturnRefusal) -> OrderError {
    match refusal {
        ReturnRefusal::NotReturnable => {
            OrderError::NotReturnable("this order was not paid, or was refunded in full".to_owned())
        }
        ReturnRefusal::NotInOrder { product } => {
            OrderError::invalid("lines", format!("product {product} is not in this order"))
        }
        ReturnRefusal::NotDelivered { product } => {
            OrderError::NotReturnable(format!("product {product} has not been delivered yet"))
        }
        ReturnRefusal::WindowClosed { product } => OrderError::NotReturnable(format!(
            "the return window for product {product} has closed"
        )),
        ReturnRefusal::TooMany {
            product,
            returnable,
        } => OrderError::invalid(
            "lines",
            format!("at most {returnable} units of product {product} can still be returned"),
        ),
    }
}
