//! `/api/v1/products/{id}/inventory` (→ [`crate::stock`]): a product's stock, read and adjusted
//! through its actor.

use crate::auth::SellerUser;
use crate::domain::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::stock::{Adjustment, StockRoom};
use actix_web::{HttpResponse, get, post, web};
use bazaar_actors::inventory::Snapshot;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A product's stock.
#[derive(Serialize, ToSchema)]
#[schema(as = Inventory)]
pub(crate) struct StockLevels {
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    pub low_stock_threshold: i64,
}

impl From<Snapshot> for StockLevels {
    fn from(snapshot: Snapshot) -> Self {
        Self {
            on_hand: snapshot.on_hand,
            reserved: snapshot.reserved,
            available: snapshot.available,
            low_stock_threshold: snapshot.low_stock_threshold,
        }
    }
}

/// The stock of a product (its seller or an admin).
#[utoipa::path(tag = "inventory", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "product id")),
    responses((status = 200, body = StockLevels), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
#[get("/{id}/inventory")]
pub(crate) async fn get(
    stock: web::Data<StockRoom>,
    seller: SellerUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let snapshot = stock.snapshot(Caller::from(&seller.0), *id).await?;
    Ok(HttpResponse::Ok().json(StockLevels::from(snapshot)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdjustmentBody {
    /// Units to add (positive) or remove (negative); never 0, at most 1,000,000,000 either way.
    delta: i64,
    /// `restock` (positive), `damage` (negative) or `correction` (either).
    reason: String,
    /// Of the units added, how many to hold for the first back-in-stock subscribers (an order
    /// pending payment each, to their default address); default 0.
    #[serde(default)]
    waitlist_holds: i64,
}

/// Changes a product's stock durably; it can never go below zero or below what is reserved.
#[utoipa::path(tag = "inventory", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "product id")), request_body = AdjustmentBody,
    responses((status = 200, body = StockLevels), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "below what is reserved", body = Problem),
              (status = 422, body = Problem)))]
#[post("/{id}/inventory/adjustments")]
pub(crate) async fn adjust(
    stock: web::Data<StockRoom>,
    seller: SellerUser,
    id: web::Path<Uuid>,
    Json(body): Json<AdjustmentBody>,
) -> Result<HttpResponse, ApiError> {
    let adjustment = Adjustment::parse(body.delta, &body.reason, body.waitlist_holds)?;
    let snapshot = stock
        .adjust(Caller::from(&seller.0), *id, adjustment)
        .await?;
    Ok(HttpResponse::Ok().json(StockLevels::from(snapshot)))
}
