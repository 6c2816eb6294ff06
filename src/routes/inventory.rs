//! `/api/v1/products/{id}/inventory`: a product's stock, read and adjusted through its actor.

use crate::auth::SellerUser;
use crate::catalog::{Viewer, ensure_manages};
use crate::error::{ApiError, ErrorCode, Problem};
use crate::extract::Json;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use bazaar_actors::inventory::{InventoryError, Snapshot};
use bazaar_actors::journal::LedgerReason;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A product's stock.
#[derive(Serialize, ToSchema)]
pub struct Inventory {
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    pub low_stock_threshold: i64,
}

impl From<Snapshot> for Inventory {
    fn from(snapshot: Snapshot) -> Self {
        Self {
            on_hand: snapshot.on_hand,
            reserved: snapshot.reserved,
            available: snapshot.available,
            low_stock_threshold: snapshot.low_stock_threshold,
        }
    }
}

impl From<InventoryError> for ApiError {
    fn from(error: InventoryError) -> Self {
        match error {
            InventoryError::OutOfStock { available } => {
                ApiError::new(ErrorCode::OutOfStock, error.to_string()).with("available", available)
            }
            InventoryError::BelowReserved { .. } => {
                ApiError::new(ErrorCode::Conflict, error.to_string())
            }
            InventoryError::NotFound => ApiError::not_found("inventory"),
            InventoryError::Unavailable(cause) => ApiError::unavailable(cause),
        }
    }
}

/// The stock of a product (its seller or an admin).
#[utoipa::path(get, path = "/api/v1/products/{id}/inventory", tag = "inventory",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "product id")),
    responses((status = 200, body = Inventory), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    seller: SellerUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    ensure_manages(&state.pool, Viewer::from(&seller.0), *id).await?;
    let snapshot = state.inventory.snapshot(*id).await?;
    Ok(HttpResponse::Ok().json(Inventory::from(snapshot)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentBody {
    /// Units to add (positive) or remove (negative); never 0.
    delta: i64,
    /// `restock` (positive), `damage` (negative) or `correction` (either).
    reason: String,
}

/// Changes a product's stock durably; it can never go below zero or below what is reserved.
#[utoipa::path(post, path = "/api/v1/products/{id}/inventory/adjustments", tag = "inventory",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "product id")),
    request_body = AdjustmentBody,
    responses((status = 200, body = Inventory), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "below what is reserved", body = Problem),
              (status = 422, body = Problem)))]
pub async fn adjust(
    state: web::Data<AppState>,
    seller: SellerUser,
    id: web::Path<Uuid>,
    Json(body): Json<AdjustmentBody>,
) -> Result<HttpResponse, ApiError> {
    let reason = match body.reason.as_str() {
        "restock" => LedgerReason::Restock,
        "damage" => LedgerReason::Damage,
        "correction" => LedgerReason::Correction,
        _ => {
            return Err(ApiError::invalid_field(
                "reason",
                "must be restock, damage or correction",
            ));
        }
    };
    let sign_ok = match reason {
        LedgerReason::Restock => body.delta > 0,
        LedgerReason::Damage => body.delta < 0,
        _ => body.delta != 0,
    };
    if !sign_ok || body.delta.abs() > 1_000_000_000 {
        return Err(ApiError::invalid_field(
            "delta",
            "must be non-zero, positive for a restock and negative for damage",
        ));
    }
    ensure_manages(&state.pool, Viewer::from(&seller.0), *id).await?;
    let snapshot = state.inventory.adjust(*id, body.delta, reason).await?;
    Ok(HttpResponse::Ok().json(Inventory::from(snapshot)))
}
