//! The couriers a seller can hand a shipment to: active courier accounts, by name only (a
//! seller learns who carries a parcel, not how to reach them).

use super::admin::UserFilter;
use super::{AccountError, Accounts};
use crate::domain::{Page, Paged, Role, UserStatus};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A courier as a seller sees one.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Courier {
    pub id: Uuid,
    pub name: String,
}

impl Accounts {
    /// The active couriers, newest first. No search: a search would match emails, which a
    /// seller could then recover letter by letter.
    #[tracing::instrument(skip(self))]
    pub(crate) async fn active_couriers(&self, page: Page) -> Result<Paged<Courier>, AccountError> {
        let filter = UserFilter {
            role: Some(Role::Courier),
            query: None,
            status: Some(UserStatus::Active),
        };
        let couriers = self.list_users(&filter, page).await?;
        Ok(couriers.map(|user| Courier {
            id: user.id,
            name: user.name,
        }))
    }
}
