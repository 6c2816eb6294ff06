//! The public keys that verify access tokens (→ [`crate::auth::JwtKeys`]).

use crate::auth::{Jwks, JwtKeys};
use actix_web::{HttpResponse, get, web};

/// The JSON Web Key Set of the access-token signing key.
#[utoipa::path(tag = "accounts", responses((status = 200, body = Jwks)))]
#[get("/.well-known/jwks.json")]
pub(crate) async fn jwks(keys: web::Data<JwtKeys>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(keys.jwks())
}
