//! [`Caller`]: who makes a request, as the domain needs to know them — an id and a role, not the
//! token they came with.

use super::Role;
use uuid::Uuid;

/// The user a domain call is made for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Caller {
    pub id: Uuid,
    pub role: Role,
}

impl Caller {
    /// Admins manage every seller's things; sellers their own.
    pub(crate) fn manages(self, seller: Uuid) -> bool {
        self.role == Role::Admin || self.id == seller
    }
}
