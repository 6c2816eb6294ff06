//! The cart as customers see it: the cart actor's quantities priced and named from the catalog
//! (never from the client), with live availability and the applied coupon's discount, in exact
//! integer arithmetic (the rules of [`crate::orders::pricing`]).

mod store;

pub(crate) use store::CartStore;

use crate::clock;
use crate::coupons::{Coupon, CouponError, CouponKind, CouponLine, Coupons};
pub(crate) use crate::domain::Quantity;
use crate::domain::{Price, SaleTerms};
use crate::error::{Coded, ErrorCode};
use crate::orders::pricing::{LineToPrice, TaxRate, price};
use bazaar_actors::cart::{CartError, CartLines, Carts};
use bazaar_actors::inventory::{Inventory, InventoryError};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A cart with its prices and totals (before shipping and tax, which depend on where it goes).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CartView {
    pub items: Vec<CartItem>,
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    /// `subtotal_cents - discount_cents`.
    pub total_cents: i64,
    /// The currency of the cart's products (none while it is empty).
    pub currency: Option<String>,
    /// The applied coupon, if any.
    pub coupon: Option<CartCoupon>,
}

/// The coupon applied to a cart.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CartCoupon {
    pub code: String,
    pub kind: CouponKind,
    pub value: i64,
    pub currency: Option<String>,
    /// The products whose lines it discounts.
    pub applies_to: Vec<Uuid>,
    /// Why it gives no discount now (the cart changed, or the coupon expired or ran out), as
    /// the code a checkout would be refused with; none while it applies.
    pub problem: Option<CouponProblem>,
}

/// Why an applied coupon gives no discount now.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CouponProblem {
    pub code: String,
    pub detail: String,
}

/// One line of a cart.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CartItem {
    pub product_id: Uuid,
    pub name: String,
    pub unit_price_cents: i64,
    pub qty: i64,
    pub line_total_cents: i64,
    /// The line's share of the coupon's discount.
    pub discount_cents: i64,
    /// Units that can be bought now (0 when the product left the shop).
    pub available: i64,
}

/// A cart's product as the catalog prices it.
#[derive(sqlx::FromRow)]
pub(crate) struct PricedProduct {
    pub id: Uuid,
    pub seller_id: Uuid,
    pub name: String,
    pub price_cents: i64,
    pub currency: String,
    pub sale_price_cents: Option<i64>,
    pub sale_starts_at: Option<OffsetDateTime>,
    pub sale_ends_at: Option<OffsetDateTime>,
    pub published: bool,
    pub available: i64,
}

impl PricedProduct {
    /// The unit price at `now`: its sale price inside its sale's window, as checkout charges.
    fn price_at(&self, now: OffsetDateTime) -> i64 {
        let terms = SaleTerms {
            starts_at: self.sale_starts_at,
            ends_at: self.sale_ends_at,
            sale_price: self
                .sale_price_cents
                .and_then(|cents| Price::try_from(cents).ok()),
            ..SaleTerms::default()
        };
        terms.price_at(self.price_cents, now)
    }
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
    Coupon(#[from] CouponError),
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
            ShoppingCartError::Coupon(error) => error.code(),
            ShoppingCartError::Database(error) => error.code(),
        }
    }

    fn members(&self) -> crate::error::Members {
        match self {
            ShoppingCartError::Cart(error) => error.members(),
            ShoppingCartError::Coupon(error) => error.members(),
            _ => crate::error::Members::new(),
        }
    }

    fn fields(&self) -> Vec<crate::domain::FieldError> {
        match self {
            ShoppingCartError::Invalid(invalid) => invalid.fields(),
            ShoppingCartError::Coupon(error) => error.fields(),
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
    coupons: Coupons,
}

type Result<T> = std::result::Result<T, ShoppingCartError>;

impl ShoppingCarts {
    pub(crate) fn new(
        carts: Carts,
        store: CartStore,
        inventory: Inventory,
        coupons: Coupons,
    ) -> Self {
        Self {
            carts,
            store,
            inventory,
            coupons,
        }
    }

    /// `user`'s cart, priced from the catalog.
    pub(crate) async fn view(&self, user: Uuid) -> Result<CartView> {
        let lines = self.carts.lines(user).await?;
        self.priced(user, &lines).await
    }

    /// Applies the coupon `code` to `user`'s cart, if `user` may redeem it and it applies to
    /// the cart as it is.
    pub(crate) async fn apply_coupon(&self, user: Uuid, code: &str) -> Result<CartView> {
        let coupon = self.coupons.usable(code, user).await?;
        let lines = self.carts.lines(user).await?;
        let (view, problem) = self.priced_with(user, &lines, Some(&coupon)).await?;
        if let Some(refusal) = problem {
            return Err(refusal.into());
        }
        self.coupons.put_in_cart(user, Some(coupon.id)).await?;
        Ok(view)
    }

    /// Removes the coupon from `user`'s cart.
    pub(crate) async fn remove_coupon(&self, user: Uuid) -> Result<CartView> {
        self.coupons.put_in_cart(user, None).await?;
        self.view(user).await
    }

    /// Adds `qty` of `product`; beyond what is available it is out of stock.
    pub(crate) async fn add(&self, user: Uuid, product: Uuid, qty: Quantity) -> Result<CartView> {
        let lines = self.carts.lines(user).await?;
        let available = self.availability(&lines, product).await?;
        let lines = self.carts.add(user, product, qty.get(), available).await?;
        self.priced(user, &lines).await
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
        self.priced(user, &lines).await
    }

    /// Empties `user`'s cart and removes its coupon.
    pub(crate) async fn clear(&self, user: Uuid) -> Result<()> {
        self.carts.clear(user).await?;
        self.coupons.put_in_cart(user, None).await?;
        Ok(())
    }

    /// Prices and names `lines` from the catalog, with the cart's coupon.
    async fn priced(&self, user: Uuid, lines: &CartLines) -> Result<CartView> {
        let coupon = self.coupons.in_cart(user).await?;
        Ok(self.priced_with(user, lines, coupon.as_ref()).await?.0)
    }

    /// Prices and names `lines` from the catalog, discounted by `coupon` if `user` may redeem it
    /// on these lines; otherwise, why not.
    async fn priced_with(
        &self,
        user: Uuid,
        lines: &CartLines,
        coupon: Option<&Coupon>,
    ) -> Result<(CartView, Option<CouponError>)> {
        let ids: Vec<Uuid> = lines.keys().copied().collect();
        let mut priced = self.store.priced(&ids).await?;
        priced.sort_by_key(|product| product.id);
        let now = clock::now();
        for product in &mut priced {
            product.price_cents = product.price_at(now);
        }
        let currency = priced.first().map(|product| product.currency.clone());
        let totals: Vec<i64> = priced
            .iter()
            .map(|product| product.price_cents * lines.get(&product.id).copied().unwrap_or(0))
            .collect();
        let (discount, problem) = match coupon {
            Some(coupon) => {
                let coupon_lines: Vec<CouponLine> = priced
                    .iter()
                    .zip(&totals)
                    .map(|(product, total)| CouponLine {
                        seller: product.seller_id,
                        total: *total,
                    })
                    .collect();
                let usable = match self.coupons.check(coupon, user).await {
                    Ok(()) => coupon
                        .discount_for(&coupon_lines, currency.as_deref().unwrap_or_default())
                        .map_err(CouponError::from),
                    Err(refused) => Err(refused),
                };
                match usable {
                    Ok(discount) => (Some(discount), None),
                    Err(CouponError::Database(error)) => return Err(error.into()),
                    Err(refused) => (None, Some(refused)),
                }
            }
            None => (None, None),
        };
        let to_price: Vec<LineToPrice> = priced
            .iter()
            .zip(&totals)
            .map(|(product, total)| LineToPrice {
                total: *total,
                discounted: coupon.is_some_and(|coupon| coupon.covers(product.seller_id)),
            })
            .collect();
        let (charges, sums) = price(&to_price, discount, 0, TaxRate::default());
        let mut items = Vec::with_capacity(priced.len());
        let mut applies_to = Vec::new();
        for ((product, total), charges) in priced.into_iter().zip(totals).zip(charges) {
            let available = if product.published {
                self.inventory
                    .board()
                    .available(product.id)
                    .unwrap_or(product.available)
            } else {
                0
            };
            if coupon.is_some_and(|coupon| coupon.covers(product.seller_id)) {
                applies_to.push(product.id);
            }
            items.push(CartItem {
                product_id: product.id,
                name: product.name,
                unit_price_cents: product.price_cents,
                qty: lines.get(&product.id).copied().unwrap_or(0),
                line_total_cents: total,
                discount_cents: charges.discount,
                available,
            });
        }
        let coupon = coupon.map(|coupon| CartCoupon {
            code: coupon.code.clone(),
            kind: coupon.kind,
            value: coupon.value,
            currency: coupon.currency.clone(),
            applies_to,
            problem: problem.as_ref().map(|refused| CouponProblem {
                code: refused.code().as_str().to_owned(),
                detail: refused.to_string(),
            }),
        });
        let view = CartView {
            items,
            subtotal_cents: sums.subtotal,
            discount_cents: sums.discount,
            total_cents: sums.subtotal - sums.discount,
            currency,
            coupon,
        };
        Ok((view, problem))
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
