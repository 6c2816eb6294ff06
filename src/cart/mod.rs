//! The cart as customers see it: the cart actor's quantities priced and named from the catalog
//! (never from the client), with live availability, in exact integer arithmetic.

mod store;

pub(crate) use store::CartStore;

pub(crate) use crate::domain::Quantity;
use crate::error::{Coded, ErrorCode};
use bazaar_actors::cart::{CartError, CartLines, Carts};
use bazaar_actors::inventory::{Inventory, InventoryError};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A cart with its prices and totals.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CartView {
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
pub(crate) struct CartItem {
    pub product_id: Uuid,
    pub name: String,
    pub unit_price_cents: i64,
    pub qty: i64,
    pub line_total_cents: i64,
    /// Units that can be bought now (0 when the product left the shop).
    pub available: i64,
}

/// A cart's product as the catalog prices it.
#[derive(sqlx::FromRow)]
pub(crate) struct PricedProduct {
    pub id: Uuid,
    pub name: String,
    pub price_cents: i64,
    pub currency: String,
    pub published: bool,
    pub available: i64,
}

/// What can go wrong with a cart.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ShoppingCartError {
    #[error(transparent)]
    Cart(#[from] CartError),
    #[error(transparent)]
    Stock(#[from] InventoryError),
    #[error(transparent)]
    Invalid(#[from] crate::domain::Invalid),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Coded for ShoppingCartError {
    fn code(&self) -> ErrorCode {
        match self {
            ShoppingCartError::Cart(error) => error.code(),
            ShoppingCartError::Stock(InventoryError::OutOfStock { .. }) => ErrorCode::OutOfStock,
            ShoppingCartError::Stock(_) => ErrorCode::ServiceUnavailable,
            ShoppingCartError::Invalid(invalid) => invalid.code(),
            ShoppingCartError::Database(error) => error.code(),
        }
    }

    fn members(&self) -> crate::error::Members {
        match self {
            ShoppingCartError::Cart(error) => error.members(),
            _ => crate::error::Members::new(),
        }
    }

    fn fields(&self) -> Vec<crate::domain::FieldError> {
        match self {
            ShoppingCartError::Invalid(invalid) => invalid.fields(),
            _ => Vec::new(),
        }
    }
}

/// Customers' carts, priced.
#[derive(Clone)]
pub(crate) struct ShoppingCarts {
    carts: Carts,
    store: CartStore,
    inventory: Inventory,
}

type Result<T> = std::result::Result<T, ShoppingCartError>;

impl ShoppingCarts {
    pub(crate) fn new(carts: Carts, store: CartStore, inventory: Inventory) -> Self {
        Self {
            carts,
            store,
            inventory,
        }
    }

    /// `user`'s cart, priced from the catalog.
    pub(crate) async fn view(&self, user: Uuid) -> Result<CartView> {
        let lines = self.carts.lines(user).await?;
        self.priced(&lines).await
    }

    /// Adds `qty` of `product`; beyond what is available it is out of stock.
    pub(crate) async fn add(&self, user: Uuid, product: Uuid, qty: Quantity) -> Result<CartView> {
        let lines = self.carts.lines(user).await?;
        let available = self.availability(&lines, product).await?;
        let lines = self.carts.add(user, product, qty.get(), available).await?;
        self.priced(&lines).await
    }

    /// Sets the line of `product` to `qty` units; none removes it.
    pub(crate) async fn set(
        &self,
        user: Uuid,
        product: Uuid,
        qty: Option<Quantity>,
    ) -> Result<CartView> {
        let lines = match qty {
            None => self.carts.set(user, product, 0, 0).await?,
            Some(qty) => {
                let lines = self.carts.lines(user).await?;
                let available = self.availability(&lines, product).await?;
                self.carts.set(user, product, qty.get(), available).await?
            }
        };
        self.priced(&lines).await
    }

    /// Empties `user`'s cart.
    pub(crate) async fn clear(&self, user: Uuid) -> Result<()> {
        self.carts.clear(user).await?;
        Ok(())
    }

    /// Prices and names `lines` from the catalog.
    async fn priced(&self, lines: &CartLines) -> Result<CartView> {
        let ids: Vec<Uuid> = lines.keys().copied().collect();
        let priced = self.store.priced(&ids).await?;
        let mut items = Vec::with_capacity(priced.len());
        let mut currency = None;
        for product in priced {
            let qty = lines.get(&product.id).copied().unwrap_or(0);
            let available = if product.published {
                self.inventory
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
    async fn availability(&self, lines: &CartLines, product: Uuid) -> Result<i64> {
        let invalid = |message| {
            ShoppingCartError::Invalid(crate::domain::Invalid::field("product_id", message))
        };
        let currency = self
            .store
            .currency_for_sale(product)
            .await?
            .ok_or_else(|| invalid("no such product for sale"))?;
        let others: Vec<Uuid> = lines.keys().copied().filter(|id| *id != product).collect();
        if self.store.any_in_other_currency(&others, &currency).await? {
            return Err(invalid(
                "the product's currency differs from the rest of the cart",
            ));
        }
        Ok(self.inventory.snapshot(product).await?.available)
    }
}
