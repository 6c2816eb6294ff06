//! Taking and giving back the holds of a checkout through the products' inventory actors.

use super::OrderError;
use crate::db::violates;
use bazaar_actors::inventory::{HoldTicket, Inventory, InventoryError};
use bazaar_actors::journal::JournalError;
use sqlx::error::ErrorKind;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Reserves every line, in product-id order (so two checkouts never wait on each other in
/// opposite orders); on the first refusal, gives back what it took.
pub(crate) async fn reserve_all(
    inventory: &Inventory,
    order: Uuid,
    lines: &BTreeMap<Uuid, i64>,
    due: time::OffsetDateTime,
) -> Result<Vec<HoldTicket>, OrderError> {
    let mut tickets = Vec::with_capacity(lines.len());
    for (product, qty) in lines {
        match inventory.reserve(*product, order, *qty, due).await {
            Ok(ticket) => tickets.push(ticket),
            Err(error) => {
                release_all(inventory, &tickets).await;
                return Err(match error {
                    InventoryError::OutOfStock { available } => OrderError::OutOfStock {
                        product: *product,
                        available,
                    },
                    InventoryError::NotFound => OrderError::OutOfStock {
                        product: *product,
                        available: 0,
                    },
                    other => other.into(),
                });
            }
        }
    }
    Ok(tickets)
}

/// Gives provisional holds back to the shelf.
pub(crate) async fn release_all(inventory: &Inventory, tickets: &[HoldTicket]) {
    for ticket in tickets {
        inventory.release(ticket).await;
    }
}

/// Why a checkout's unit did not land, for the client. A stock `CHECK` the database refused means
/// another process sold the same units: the actors reload and the client hears "out of stock".
pub(crate) async fn refused_checkout(
    inventory: &Inventory,
    lines: &BTreeMap<Uuid, i64>,
    error: JournalError,
) -> OrderError {
    match &error {
        JournalError::Refused(db) if violates(db, ErrorKind::CheckViolation) => {
            for product in lines.keys() {
                inventory.reload(*product).await;
            }
            match lines.keys().next() {
                Some(product) => OrderError::OutOfStock {
                    product: *product,
                    available: 0,
                },
                None => OrderError::Unavailable(error.to_string()),
            }
        }
        _ => OrderError::Unavailable(format!("the checkout's unit failed: {error}")),
    }
}
