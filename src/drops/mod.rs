//! Drops: what happens around a flash sale, beside the hot path that sells it.
//!
//! - A product's sale terms (`domain::SaleTerms`): its window, by the server's clock, its price
//!   there and its per-order limit. The checkout refuses outside the window; the
//!   [`SaleClock`] tells watchers the moment it opens and ends.
//! - [`WaitingRooms`]: buyers queue, get a signed ticket, and check out once the
//!   [`Gatekeeper`] admits them, at the hot path's pace and never beyond the stock left.
//! - [`Waitlists`]: back-in-stock subscriptions, told (and first served) at a restock.
//! - [`report`]: the bot signals of a drop, for an admin.

mod gatekeeper;
mod report;
mod sale_clock;
mod store;
mod tickets;
mod waiting_room;
mod waitlist;

pub use gatekeeper::AdmitRate;
pub(crate) use gatekeeper::{CheckoutPace, Gatekeeper};
pub(crate) use report::{FlashReport, ThresholdParams, Thresholds};
pub(crate) use sale_clock::SaleClock;
pub(crate) use store::DropStore;
pub(crate) use tickets::TicketSigner;
pub(crate) use waiting_room::{Claim, QueueRefusal, QueueStanding, Standing, WaitingRooms};
pub(crate) use waitlist::{MAX_WAITLIST_HOLDS, WaitlistCount, WaitlistStanding, Waitlists};

use crate::catalog::{Catalog, CatalogError};
use crate::domain::{Caller, FieldError, Invalid};
use crate::error::{Coded, ErrorCode, Members, members};
use bazaar_actors::inventory::InventoryError;
use serde_json::Value;
use uuid::Uuid;

/// What can go wrong around a drop.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DropError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("this product has no waiting room: buy it directly")]
    NoWaitingRoom,
    #[error("the sale of this product has ended")]
    SaleEnded,
    #[error("you are not in this product's waiting room: join it first")]
    NotInQueue,
    #[error("{}", .0.detail())]
    Refused(QueueRefusal),
    #[error("this product is not for sale")]
    NotForSale,
    #[error("{available} in stock: buy it now instead of waiting")]
    InStock { available: i64 },
    #[error("you are not on this product's waitlist")]
    NotSubscribed,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Stock(#[from] InventoryError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Coded for DropError {
    fn code(&self) -> ErrorCode {
        match self {
            DropError::Catalog(error) => error.code(),
            DropError::NoWaitingRoom | DropError::NotForSale | DropError::InStock { .. } => {
                ErrorCode::Conflict
            }
            DropError::SaleEnded => ErrorCode::SaleEnded,
            DropError::NotInQueue => ErrorCode::NotInQueue,
            DropError::Refused(_) => ErrorCode::QueueRequired,
            DropError::NotSubscribed => ErrorCode::NotFound,
            DropError::Invalid(invalid) => invalid.code(),
            DropError::Unavailable(_) => ErrorCode::ServiceUnavailable,
            DropError::Stock(error) => error.code(),
            DropError::Database(error) => error.code(),
        }
    }

    fn fields(&self) -> Vec<FieldError> {
        match self {
            DropError::Catalog(error) => error.fields(),
            DropError::Invalid(invalid) => invalid.fields(),
            _ => Vec::new(),
        }
    }

    fn members(&self) -> Members {
        match self {
            DropError::InStock { available } => members([("available", Value::from(*available))]),
            DropError::Refused(refusal) => members([("reason", Value::from(refusal.as_str()))]),
            DropError::Catalog(error) => error.members(),
            _ => Members::new(),
        }
    }
}

/// The drops' routes' service: waiting rooms, waitlists and the bot report.
#[derive(Clone)]
pub(crate) struct Drops {
    pub rooms: WaitingRooms,
    pub waitlists: Waitlists,
    store: DropStore,
    catalog: Catalog,
}

impl Drops {
    pub(crate) fn new(
        rooms: WaitingRooms,
        waitlists: Waitlists,
        store: DropStore,
        catalog: Catalog,
    ) -> Self {
        Self {
            rooms,
            waitlists,
            store,
            catalog,
        }
    }

    /// The bot signals of `product`'s drop, for `admin`.
    pub(crate) async fn report(
        &self,
        admin: Caller,
        product: Uuid,
        thresholds: Thresholds,
    ) -> Result<FlashReport, DropError> {
        report::report(&self.store, &self.catalog, admin, product, thresholds).await
    }
}
