//! Returns: [`OpenReturn`] checks, on the order's locked row, that each line asked for was
//! delivered within the return window and that no more units are returned than were bought (less
//! those in other returns not rejected), and writes one return per seller. [`RejectReturn`]
//! rejects one still requested, and mails the customer. (An approval is a refund: [`super::ReserveRefund`].)

use super::AfterCommit;
use crate::domain::OrderStatus;
use crate::orders::store::{self, NewReturn, ReturnableLine};
use crate::outbox::{self, letters};
use bazaar_actors::journal::{Applied, Work};
use bazaar_actors::store::Connection;
use futures_util::future::BoxFuture;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// Why a return was not opened.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ReturnRefusal {
    /// The order was not paid, or was refunded in full.
    NotReturnable,
    NotInOrder {
        product: Uuid,
    },
    NotDelivered {
        product: Uuid,
    },
    WindowClosed {
        product: Uuid,
    },
    TooMany {
        product: Uuid,
        returnable: i64,
    },
}

/// A customer's return to open.
pub(crate) struct OpenReturn {
    pub order: Uuid,
    pub customer: Uuid,
    /// Units per product, each product once.
    pub lines: Vec<(Uuid, i64)>,
    pub reason: String,
    pub window: time::Duration,
    pub at: OffsetDateTime,
    /// The returns opened, one per seller.
    pub outcome: AfterCommit<Result<Vec<Uuid>, ReturnRefusal>>,
}

impl Work for OpenReturn {
    fn apply<'c>(&'c self, mut connection: Connection<'c>) -> BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move {
            let refuse = |refusal| {
                self.outcome.set(Err(refusal));
                Ok(Applied::refused())
            };
            let status = store::lock_order_status(connection.reborrow(), self.order).await?;
            if !status.is_some_and(|s| s.was_paid() && s != OrderStatus::Refunded) {
                return refuse(ReturnRefusal::NotReturnable);
            }
            let bought = store::returnable_lines(connection.reborrow(), self.order).await?;
            let by_seller = match by_seller(&bought, &self.lines, self.window, self.at) {
                Ok(by_seller) => by_seller,
                Err(refusal) => return refuse(refusal),
            };
            let mut opened = Vec::new();
            for (seller, lines) in by_seller {
                let id = Uuid::now_v7();
                let new = NewReturn {
                    id,
                    order: self.order,
                    customer: self.customer,
                    seller,
                    reason: &self.reason,
                    lines: &lines,
                    at: self.at,
                };
                store::insert_return(connection.reborrow(), &new).await?;
                opened.push(id);
            }
            self.outcome.set(Ok(opened));
            Ok(Applied::accepted(Vec::new()))
        })
    }
}

/// The lines asked for, grouped by seller, if each may be returned.
fn by_seller(
    bought: &[ReturnableLine],
    asked: &[(Uuid, i64)],
    window: time::Duration,
    now: OffsetDateTime,
) -> Result<BTreeMap<Uuid, Vec<(Uuid, i64)>>, ReturnRefusal> {
    let mut by_seller: BTreeMap<Uuid, Vec<(Uuid, i64)>> = BTreeMap::new();
    for &(product, qty) in asked {
        let line = bought
            .iter()
            .find(|line| line.product_id == product)
            .ok_or(ReturnRefusal::NotInOrder { product })?;
        let delivered = line
            .delivered_at
            .ok_or(ReturnRefusal::NotDelivered { product })?;
        if now > delivered + window {
            return Err(ReturnRefusal::WindowClosed { product });
        }
        let returnable = line.qty - line.returned;
        if qty > returnable {
            return Err(ReturnRefusal::TooMany {
                product,
                returnable,
            });
        }
        by_seller
            .entry(line.seller_id)
            .or_default()
            .push((product, qty));
    }
    Ok(by_seller)
}

/// A return to reject.
pub(crate) struct RejectReturn {
    pub id: Uuid,
    pub by: Uuid,
    pub note: Option<String>,
    pub at: OffsetDateTime,
    /// The order of the return, if it was still requested.
    pub rejected: AfterCommit<Option<Uuid>>,
}

impl Work for RejectReturn {
    fn apply<'c>(&'c self, mut connection: Connection<'c>) -> BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move {
            let note = self.note.as_deref();
            let order =
                store::reject_return(connection.reborrow(), self.id, self.by, note, self.at)
                    .await?;
            if let Some(order) = order {
                let letter = letters::return_rejected(order, note);
                outbox::store::enqueue_to_customer(connection, order, &letter).await?;
            }
            self.rejected.set(order);
            Ok(if order.is_some() {
                Applied::accepted(Vec::new())
            } else {
                Applied::refused()
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(product: Uuid, seller: Uuid, delivered: Option<OffsetDateTime>) -> ReturnableLine {
        ReturnableLine {
            product_id: product,
            seller_id: seller,
            qty: 3,
            delivered_at: delivered,
            returned: 1,
        }
    }

    #[test]
    fn only_delivered_lines_within_the_window_and_what_is_left_of_them_return() {
        let now = OffsetDateTime::now_utc();
        let window = time::Duration::days(30);
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
        let bought = [
            line(a, first, Some(now - time::Duration::days(2))),
            line(b, second, Some(now - time::Duration::days(3))),
            line(c, second, None),
        ];
        let grouped = by_seller(&bought, &[(a, 2), (b, 1)], window, now).unwrap();
        assert_eq!(grouped[&first], [(a, 2)]);
        assert_eq!(grouped[&second], [(b, 1)]);
        assert_eq!(
            by_seller(&bought, &[(a, 3)], window, now),
            Err(ReturnRefusal::TooMany {
                product: a,
                returnable: 2
            })
        );
        assert_eq!(
            by_seller(&bought, &[(c, 1)], window, now),
            Err(ReturnRefusal::NotDelivered { product: c })
        );
        let later = now + time::Duration::days(29);
        assert_eq!(
            by_seller(&bought, &[(b, 1)], window, later),
            Err(ReturnRefusal::WindowClosed { product: b })
        );
        let stranger = Uuid::now_v7();
        assert_eq!(
            by_seller(&bought, &[(stranger, 1)], window, now),
            Err(ReturnRefusal::NotInOrder { product: stranger })
        );
    }
}
