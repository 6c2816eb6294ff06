//! [`Role`] and [`UserStatus`]: what a user may do, and whether they may do it now; the values
//! of the `users.role` and `users.status` columns.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a user is to the shop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Role {
    Customer,
    Seller,
    Courier,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Seller => "seller",
            Role::Courier => "courier",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "customer" => Ok(Role::Customer),
            "seller" => Ok(Role::Seller),
            "courier" => Ok(Role::Courier),
            "admin" => Ok(Role::Admin),
            _ => Err("must be one of customer, seller, courier, admin".into()),
        }
    }

    /// The roles anyone may pick when registering themselves.
    pub fn parse_self_registered(raw: &str) -> Result<Self, String> {
        match Self::parse(raw) {
            Ok(role @ (Role::Customer | Role::Seller)) => Ok(role),
            _ => Err("must be customer or seller".into()),
        }
    }
}

/// Whether an account can be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub(crate) enum UserStatus {
    /// Registered, waiting for activation.
    Pending,
    Active,
    Disabled,
}

impl UserStatus {
    pub(crate) fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "pending" => Ok(UserStatus::Pending),
            "active" => Ok(UserStatus::Active),
            "disabled" => Ok(UserStatus::Disabled),
            _ => Err("must be one of pending, active, disabled".into()),
        }
    }

    /// The statuses an admin may set.
    pub(crate) fn parse_admin_settable(raw: &str) -> Result<Self, String> {
        match Self::parse(raw) {
            Ok(status @ (UserStatus::Active | UserStatus::Disabled)) => Ok(status),
            _ => Err("must be active or disabled".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_registration_never_grants_staff_roles() {
        assert_eq!(Role::parse_self_registered("seller"), Ok(Role::Seller));
        for raw in ["courier", "admin", "Admin", ""] {
            assert!(Role::parse_self_registered(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn round_trips() {
        for role in [Role::Customer, Role::Seller, Role::Courier, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        for status in [
            UserStatus::Pending,
            UserStatus::Active,
            UserStatus::Disabled,
        ] {
            let name = serde_json::to_value(status).unwrap();
            assert_eq!(UserStatus::parse(name.as_str().unwrap()), Ok(status));
        }
        assert!(UserStatus::parse_admin_settable("pending").is_err());
    }
}
