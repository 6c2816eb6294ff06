//! Authentication: password hashing, signed access tokens, opaque secrets, revocation, the
//! `AuthUser` extractor and rate limits.
//!
//! Access tokens are short-lived EdDSA JWTs verified without any I/O: revocations (logout,
//! disabled or deleted users, password resets) are mirrored in memory and kept current across
//! processes through Redis.

mod authenticator;
mod extractor;
mod jwt;
mod passwords;
mod rate_limit;
mod revocation;
mod secrets;

pub use authenticator::{Authenticator, TokenRefused};
pub use extractor::{
    AdminUser, Admins, AuthUser, CustomerUser, Customers, MaybeAuthUser, Require, Roles,
    SellerUser, Sellers,
};
pub use jwt::{AccessClaims, IssuedToken, Jwks, JwtKeys};
pub use passwords::PasswordHasher;
pub use rate_limit::{RateLimits, client_ip};
pub use revocation::Revocations;
pub use secrets::{OpaqueToken, hash_secret};
