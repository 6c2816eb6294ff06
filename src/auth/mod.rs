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

pub(crate) use authenticator::{Authenticator, TokenRefused};
pub(crate) use extractor::{
    AdminUser, AuthUser, CourierUser, CustomerUser, MaybeAuthUser, SellerUser, bearer_token,
};
pub use jwt::JwtKeys;
pub(crate) use jwt::{AccessClaims, Jwks};
pub(crate) use passwords::PasswordHasher;
pub(crate) use rate_limit::{RateClass, RateKey, RateLimits, limit_session, limit_sign_in};
pub(crate) use revocation::{RevocationStoreError, Revocations};
pub(crate) use secrets::{OpaqueToken, hash_secret, keyed_sha256};
