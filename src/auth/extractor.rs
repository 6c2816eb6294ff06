//! [`AuthUser`] and the role guards: who is calling, as a type in the handler signature.

use super::{AccessClaims, Authenticator, TokenRefused};
use crate::domain::Role;
use crate::error::{ApiError, ErrorCode};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use std::future::{Ready, ready};
use std::marker::PhantomData;
use uuid::Uuid;

/// A caller who presented a valid, unrevoked access token.
#[derive(Clone, Debug)]
pub(crate) struct AuthUser {
    pub id: Uuid,
    pub role: Role,
    /// The token's id and expiry, for logout.
    pub jti: Uuid,
    pub exp: i64,
}

impl AuthUser {
    pub(super) fn authenticate(req: &HttpRequest) -> Result<Self, ApiError> {
        let authenticator = req
            .app_data::<web::Data<Authenticator>>()
            .ok_or_else(|| ApiError::internal("the Authenticator is not registered"))?;
        let token = bearer_token(req).ok_or_else(|| {
            ApiError::new(ErrorCode::Unauthorized, "a bearer access token is required")
        })?;
        match authenticator.verify(token) {
            Ok(claims) => Ok(Self::from(claims)),
            Err(TokenRefused::Invalid) => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "the access token is invalid or expired",
            )),
            Err(TokenRefused::Revoked) => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "the access token has been revoked",
            )),
        }
    }
}

impl From<&AuthUser> for crate::domain::Caller {
    fn from(user: &AuthUser) -> Self {
        Self {
            id: user.id,
            role: user.role,
        }
    }
}

impl From<AccessClaims> for AuthUser {
    fn from(claims: AccessClaims) -> Self {
        Self {
            id: claims.sub,
            role: claims.role,
            jti: claims.jti,
            exp: claims.exp,
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
pub(crate) fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::authenticate(req))
    }
}

/// A caller who may be anonymous (public routes that show more to owners). No `Authorization`
/// header means anonymous; a header with a bad token is 401, so a client with an expired token
/// learns it instead of silently seeing the public view.
#[derive(Clone, Debug)]
pub(crate) struct MaybeAuthUser(pub Option<AuthUser>);

impl FromRequest for MaybeAuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if req.headers().contains_key(header::AUTHORIZATION) {
            ready(AuthUser::authenticate(req).map(|user| MaybeAuthUser(Some(user))))
        } else {
            ready(Ok(MaybeAuthUser(None)))
        }
    }
}

/// A set of roles a route is open to.
pub(crate) trait Roles {
    /// The roles allowed.
    const ALLOWED: &'static [Role];
    /// Why others are refused.
    const REFUSAL: &'static str;
}

/// A caller whose role is in `R`: 401 without a valid token, 403 with another role.
#[derive(Clone, Debug)]
pub(crate) struct Require<R>(pub AuthUser, PhantomData<R>);

impl<R: Roles> FromRequest for Require<R> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(AuthUser::authenticate(req).and_then(|user| {
            if R::ALLOWED.contains(&user.role) {
                Ok(Require(user, PhantomData))
            } else {
                Err(ApiError::new(ErrorCode::Forbidden, R::REFUSAL))
            }
        }))
    }
}

/// Admins only.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Admins;

impl Roles for Admins {
    const ALLOWED: &'static [Role] = &[Role::Admin];
    const REFUSAL: &'static str = "this route is for admins";
}

/// Sellers and admins.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sellers;

impl Roles for Sellers {
    const ALLOWED: &'static [Role] = &[Role::Seller, Role::Admin];
    const REFUSAL: &'static str = "this route is for sellers and admins";
}

/// Customers only.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Customers;

impl Roles for Customers {
    const ALLOWED: &'static [Role] = &[Role::Customer];
    const REFUSAL: &'static str = "this route is for customers";
}

/// Couriers only.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Couriers;

impl Roles for Couriers {
    const ALLOWED: &'static [Role] = &[Role::Courier];
    const REFUSAL: &'static str = "this route is for couriers";
}

/// A caller with the admin role.
pub(crate) type AdminUser = Require<Admins>;
/// A seller or an admin.
pub(crate) type SellerUser = Require<Sellers>;
/// A customer.
pub(crate) type CustomerUser = Require<Customers>;
/// A courier.
pub(crate) type CourierUser = Require<Couriers>;
