//! The cart as customers see it: the cart actor's quantities priced and named from the catalog
//! (never from the client), with live availability, in exact integer arithmetic.

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use bazaar_actors::cart::{CartError, CartLines};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A cart with its prices and totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct CartView {
    pub items: Vec<CartItem>,
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    pub total_cents: i64,
    /// The currency of the cart's products (none while it is empty).
    pub currency: Option<String>,
    /// The applied coupon code (coupons are not offered yet).
    pub coupon: Option<String>,
}

/// One line of a cart.
#[derive(Debug, Serialize, ToSchema)]
pub struct CartItem {
    pub product_id: Uuid,
    pub name: String,
    pub unit_price_cents: i64,
    pub qty: i64,
    pub line_total_cents: i64,
    /// Units that can be bought now (0 when the product left the shop).
    pub available: i64,
}

impl From<CartError> for ApiError {
    fn from(error: CartError) -> Self {
        match error {
            CartError::OutOfStock { available } => {
                ApiError::new(ErrorCode::OutOfStock, error.to_string()).with("available", available)
            }
            CartError::Unavailable(cause) => ApiError::unavailable(cause),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Priced {
    id: Uuid,
    name: String,
    price_cents: i64,
    currency: String,
    published: bool,
    available: i64,
}

/// Prices and names `lines` from the catalog.
pub async fn view(state: &AppState, lines: &CartLines) -> Result<CartView, ApiError> {
    let ids: Vec<Uuid> = lines.keys().copied().collect();
    let priced: Vec<Priced> = sqlx::query_as(
        "SELECT p.id, p.name, p.price_cents, p.currency, p.status = 'published' AS published,
             i.available
         FROM products p JOIN inventory i ON i.product_id = p.id WHERE p.id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&state.pool)
    .await?;
    let mut items = Vec::with_capacity(priced.len());
    let mut currency = None;
    for product in priced {
        let qty = lines.get(&product.id).copied().unwrap_or(0);
        let available = if product.published {
            state
                .inventory
                .board()
                .available(product.id)
                .unwrap_or(product.available)
        } else {
            0
        };
        currency.get_or_insert(product.currency);
        items.push(CartItem {
            product_id: product.id,
            name: product.name,
            unit_price_cents: product.price_cents,
            qty,
            line_total_cents: product.price_cents * qty,
            available,
        });
    }
    items.sort_by_key(|item| item.product_id);
    let subtotal_cents = items.iter().map(|item| item.line_total_cents).sum();
    Ok(CartView {
        items,
        subtotal_cents,
        discount_cents: 0,
        total_cents: subtotal_cents,
        currency,
        coupon: None,
    })
}

/// How many units of `product` can be put in a cart now, refusing products not for sale and
/// products in another currency than the cart's.
pub async fn availability(
    state: &AppState,
    lines: &CartLines,
    product: Uuid,
) -> Result<i64, ApiError> {
    let currency: Option<String> =
        sqlx::query_scalar("SELECT currency FROM products WHERE id = $1 AND status = 'published'")
            .bind(product)
            .fetch_optional(&state.pool)
            .await?;
    let currency = currency
        .ok_or_else(|| ApiError::invalid_field("product_id", "no such product for sale"))?;
    let others: Vec<Uuid> = lines.keys().copied().filter(|id| *id != product).collect();
    let mixed: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM products WHERE id = ANY($1) AND currency <> $2)",
    )
    .bind(&others)
    .bind(&currency)
    .fetch_one(&state.pool)
    .await?;
    if mixed {
        return Err(ApiError::invalid_field(
            "product_id",
            "the product's currency differs from the rest of the cart",
        ));
    }
    let snapshot = state
        .inventory
        .snapshot(product)
        .await
        .map_err(|error| ApiError::unavailable(error.to_string()))?;
    Ok(snapshot.available)
}
