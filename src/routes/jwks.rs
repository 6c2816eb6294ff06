//! The public keys that verify access tokens.

use crate::auth::Jwks;
use crate::state::AppState;
use actix_web::{HttpResponse, web};

/// The JSON Web Key Set of the access-token signing key.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "accounts",
    responses((status = 200, body = Jwks)))]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(state.jwt.jwks())
}
