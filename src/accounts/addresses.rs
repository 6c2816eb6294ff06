//! The address book: a user's saved addresses, exactly one of which is the default.
//!
//! Every change is one transaction in the store that first locks the owner, so concurrent
//! changes to one address book are serialized and the "exactly one default" rule holds.
//! Queries always filter by owner: another user's address is simply not found.

use super::AccountError;
use super::store::{AccountStore, AddressCreated};
use crate::domain::{AddressInput, AddressPatch, Page, Paged};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// How many addresses one user may keep.
const MAX_ADDRESSES: i64 = 50;

/// A saved address.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct Address {
    pub id: Uuid,
    pub label: Option<String>,
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: String,
    pub country: String,
    pub phone: Option<String>,
    pub is_default: bool,
}

impl Address {
    /// The address as an order keeps it (without its id and default flag).
    pub(crate) fn snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "label": self.label, "name": self.name, "line1": self.line1,
            "line2": self.line2, "city": self.city, "region": self.region,
            "postal_code": self.postal_code, "country": self.country, "phone": self.phone,
        })
    }
}

/// Users' address books.
#[derive(Clone)]
pub(crate) struct AddressBook {
    store: AccountStore,
}

impl AddressBook {
    pub(crate) fn new(store: AccountStore) -> Self {
        Self { store }
    }

    pub(crate) async fn list(
        &self,
        user: Uuid,
        page: Page,
    ) -> Result<Paged<Address>, AccountError> {
        Ok(self.store.list_addresses(user, page).await?)
    }

    /// The address `user` ships to unless they say otherwise: their default, else their oldest.
    pub(crate) async fn default_address(
        &self,
        user: Uuid,
    ) -> Result<Option<Address>, AccountError> {
        let first = Page {
            page: 1,
            per_page: 1,
        };
        Ok(self.list(user, first).await?.items.into_iter().next())
    }

    /// Address `id` of `user`, if they have it.
    pub(crate) async fn find(&self, user: Uuid, id: Uuid) -> Result<Option<Address>, AccountError> {
        Ok(self.store.find_address(user, id).await?)
    }

    /// Adds an address; the first one, or one asked to be, becomes the default.
    #[tracing::instrument(skip_all, fields(user = %user))]
    pub(crate) async fn create(
        &self,
        user: Uuid,
        address: &AddressInput,
        make_default: bool,
    ) -> Result<Address, AccountError> {
        match self
            .store
            .create_address(user, address, make_default, MAX_ADDRESSES)
            .await?
        {
            AddressCreated::Created(address) => Ok(*address),
            AddressCreated::BookFull => Err(AccountError::Conflict(
                "the address book is full (50 addresses)",
            )),
            AddressCreated::NoUser => Err(AccountError::NotFound("user")),
        }
    }

    /// Changes an address of `user`; `make_default` moves the default to it.
    #[tracing::instrument(skip_all, fields(user = %user, address = %id))]
    pub(crate) async fn update(
        &self,
        user: Uuid,
        id: Uuid,
        patch: &AddressPatch,
    ) -> Result<Address, AccountError> {
        self.store
            .update_address(user, id, patch)
            .await?
            .ok_or(AccountError::NotFound("address"))
    }

    /// Removes an address of `user`; if it was the default, the oldest remaining one takes over.
    #[tracing::instrument(skip_all, fields(user = %user, address = %id))]
    pub(crate) async fn delete(&self, user: Uuid, id: Uuid) -> Result<(), AccountError> {
        if self.store.delete_address(user, id).await? {
            Ok(())
        } else {
            Err(AccountError::NotFound("address"))
        }
    }
}
