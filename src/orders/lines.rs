//! The lines of a checkout: merged per product in product-id order (the order reservations are
//! taken in), within the bounds of an order, priced from the catalog.

use super::OrderError;
use crate::catalog::{Catalog, CatalogError};
use crate::domain::{Quantity, SalePhase, SaleTerms};
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;
use uuid::Uuid;

/// The most lines in one order.
const MAX_LINES: usize = 100;

/// One line asked for: from the request body, or from the cart.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CheckoutLine {
    pub product: Uuid,
    pub qty: i64,
}

/// One line per product, in product-id order.
pub(crate) fn merge_lines(lines: &[CheckoutLine]) -> Result<BTreeMap<Uuid, i64>, OrderError> {
    if lines.is_empty() {
        return Err(OrderError::invalid(
            "items",
            "there is nothing to check out",
        ));
    }
    let mut merged: BTreeMap<Uuid, Quantity> = BTreeMap::new();
    for (index, line) in lines.iter().enumerate() {
        let field = || format!("items[{index}].qty");
        let qty = Quantity::try_from(line.qty)
            .map_err(|message| OrderError::invalid(field(), message))?;
        let total = match merged.get(&line.product) {
            None => Some(qty),
            Some(earlier) => earlier.checked_add(qty),
        };
        let total = total.ok_or_else(|| {
            OrderError::invalid(field(), format!("at most {} of one product", Quantity::MAX))
        })?;
        merged.insert(line.product, total);
    }
    if merged.len() > MAX_LINES {
        return Err(OrderError::invalid(
            "items",
            format!("at most {MAX_LINES} products per order"),
        ));
    }
    Ok(merged
        .into_iter()
        .map(|(product, qty)| (product, qty.get()))
        .collect())
}

/// What an order line needs to know of its product.
pub(crate) struct ForSale {
    pub seller_id: Uuid,
    pub sku: String,
    pub name: String,
    /// The unit price now: the sale price inside the sale's window.
    pub price_cents: i64,
    pub currency: String,
    pub max_per_customer: Option<i32>,
    pub sale: SaleTerms,
}

/// The products of the lines, from the product cache: a flash sale's checkouts do not query the
/// database for the product they all buy. Only published products are for sale, only inside
/// their sale's window (by the server's clock, `now`), and never more of one than its
/// `max_per_order`.
pub(crate) async fn for_sale(
    catalog: &Catalog,
    lines: &BTreeMap<Uuid, i64>,
    now: OffsetDateTime,
) -> Result<HashMap<Uuid, ForSale>, OrderError> {
    let mut found = HashMap::with_capacity(lines.len());
    for (index, (id, qty)) in lines.iter().enumerate() {
        let cached = match catalog.product(None, *id).await {
            Ok(cached) => cached,
            Err(CatalogError::NotFound(_)) => {
                return Err(OrderError::invalid(
                    format!("items[{index}].product_id"),
                    format!("product {id} is not for sale"),
                ));
            }
            Err(CatalogError::Database(error)) => return Err(error.into()),
            Err(other) => return Err(OrderError::Unavailable(other.to_string())),
        };
        let product = &cached.product;
        let sale = product.sale_terms();
        match sale.phase(now) {
            SalePhase::Open => {}
            SalePhase::Upcoming => {
                return Err(OrderError::NotOnSaleYet {
                    product: *id,
                    starts_at: sale.starts_at.unwrap_or(now),
                });
            }
            SalePhase::Ended => {
                return Err(OrderError::SaleEnded {
                    product: *id,
                    ended_at: sale.ends_at.unwrap_or(now),
                });
            }
        }
        if let Some(limit) = sale.units_per_order()
            && *qty > limit
        {
            return Err(OrderError::OrderLimitExceeded {
                product: *id,
                limit,
            });
        }
        found.insert(
            *id,
            ForSale {
                seller_id: product.seller_id,
                sku: product.sku.clone(),
                name: product.name.clone(),
                price_cents: sale.price_at(product.price_cents, now),
                currency: product.currency.clone(),
                max_per_customer: product.max_per_customer,
                sale,
            },
        );
    }
    Ok(found)
}

/// The one currency of all the products of an order.
pub(crate) fn single_currency(products: &HashMap<Uuid, ForSale>) -> Result<String, OrderError> {
    let mut currencies = products.values().map(|p| p.currency.as_str());
    let Some(first) = currencies.next() else {
        return Err(OrderError::invalid(
            "items",
            "there is nothing to check out",
        ));
    };
    if currencies.any(|currency| currency != first) {
        return Err(OrderError::invalid(
            "items",
            "all products of an order must share one currency",
        ));
    }
    Ok(first.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_merge_per_product_within_the_bounds() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let line = |product, qty| CheckoutLine { product, qty };
        let merged = merge_lines(&[line(b, 2), line(a, 1), line(b, 3)]).unwrap();
        assert_eq!(merged.into_iter().collect::<Vec<_>>(), [(a, 1), (b, 5)]);
        assert!(merge_lines(&[]).is_err());
        assert!(merge_lines(&[line(a, 0)]).is_err());
        assert!(merge_lines(&[line(a, 600), line(a, 600)]).is_err());
    }
}
