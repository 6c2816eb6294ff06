//! Domain values that are valid by construction ("parse, don't validate"), and the shared words
//! of the shop (roles, statuses, methods) as types.
//!
//! Each value type has a private field and a fallible constructor; handlers turn raw request
//! fields into these types at the edge ([`validation`] collects every problem at once), so
//! invalid values never travel further into the server. The enums match the CHECK constraints of
//! their columns and are read and written as text through `sqlx::Type`.

mod address;
mod caller;
mod email;
mod json;
mod money;
mod order_number;
mod order_status;
mod page;
mod password;
mod payment_method;
mod person_name;
mod phone;
mod product;
mod quantity;
mod role;
mod sale;
mod text;
mod validation;

pub(crate) use address::{AddressFields, AddressInput, AddressPatch, AddressPatchFields};
pub(crate) use caller::Caller;
pub(crate) use email::Email;
pub(crate) use json::{field_error, from_json_value, without_position};
pub(crate) use money::{Currency, Price};
pub(crate) use order_number::order_number;
pub(crate) use order_status::OrderStatus;
pub(crate) use page::{Page, PageParams, Paged};
pub(crate) use password::Password;
pub(crate) use payment_method::PaymentMethod;
pub(crate) use person_name::PersonName;
pub(crate) use phone::Phone;
pub(crate) use product::{
    ProductFields, ProductInput, ProductPatch, ProductPatchFields, ProductStatus,
    is_media_file_name,
};
pub(crate) use quantity::Quantity;
pub use role::Role;
pub(crate) use role::UserStatus;
pub(crate) use sale::{SalePhase, SaleTerms, moment};
pub(crate) use text::{bounded_text, multiline_text, nullable, optional_text, printable_json};
pub(crate) use validation::{AllValid, FieldError, Invalid, Parsed, field, optional};
