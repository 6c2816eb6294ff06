//! Domain values that are valid by construction ("parse, don't validate"), and the shared words
//! of the shop (roles, statuses, methods) as types.
//!
//! Each value type has a private field and a fallible constructor; handlers turn raw request
//! fields into these types at the edge ([`validation`] collects every problem at once), so
//! invalid values never travel further into the server. The enums match the CHECK constraints of
//! their columns and are read and written as text through `sqlx::Type`.

mod address;
mod email;
mod json;
mod money;
mod order_status;
mod page;
mod password;
mod payment_method;
mod person_name;
mod phone;
mod product;
mod quantity;
mod role;
mod text;
mod validation;

pub use address::{AddressFields, AddressInput, AddressPatch, AddressPatchFields, CountryCode};
pub use email::Email;
pub use json::{field_error, from_json_value, without_position};
pub use money::{Currency, Price};
pub use order_status::OrderStatus;
pub use page::{Page, PageParams, Paged};
pub use password::Password;
pub use payment_method::PaymentMethod;
pub use person_name::PersonName;
pub use phone::Phone;
pub use product::{
    ProductFields, ProductInput, ProductPatch, ProductPatchFields, ProductStatus, Sku,
};
pub use quantity::Quantity;
pub use role::{Role, UserStatus};
pub use text::{bounded_text, nullable, optional_text};
pub use validation::{AllValid, FieldError, Invalid, Parsed, field, optional};
