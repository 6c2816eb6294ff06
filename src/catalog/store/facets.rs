//! The facets of a search from the rows of a backend's facet query: one row per brand, category
//! and price bucket (the bucket is the number of [`PRICE_BOUNDS`] at or below the price), and one
//! for the total, told apart by `grouping_set`.

use crate::catalog::Facets;
use crate::catalog::search::{
    BrandCount, CategoryCount, FACET_LIMIT, PRICE_BOUNDS, PriceRangeCount,
};
use uuid::Uuid;

/// Which grouping set a row of the facet query belongs to.
pub(super) const BY_BRAND: i32 = 0b011;
pub(super) const BY_CATEGORY: i32 = 0b101;
pub(super) const BY_PRICE: i32 = 0b110;
pub(super) const TOTAL: i32 = 0b111;

#[derive(sqlx::FromRow)]
pub(super) struct FacetRow {
    pub grouping_set: i32,
    pub brand: Option<String>,
    pub category_id: Option<Uuid>,
    pub category_name: Option<String>,
    pub category_slug: Option<String>,
    pub price_bucket: Option<i32>,
    pub count: i64,
}

/// The total and the facets from the rows of the facet query.
pub(super) fn facets_from_rows(rows: Vec<FacetRow>) -> (i64, Facets) {
    let mut total = 0;
    let mut facets = Facets::default();
    for row in rows {
        match row.grouping_set {
            TOTAL => total = row.count,
            BY_BRAND => {
                if let Some(value) = row.brand {
                    facets.brands.push(BrandCount {
                        value,
                        count: row.count,
                    });
                }
            }
            BY_CATEGORY => {
                if let (Some(id), Some(name), Some(slug)) =
                    (row.category_id, row.category_name, row.category_slug)
                {
                    facets.categories.push(CategoryCount {
                        id,
                        name,
                        slug,
                        count: row.count,
                    });
                }
            }
            BY_PRICE => {
                if let Some(bucket) = row.price_bucket.and_then(|b| usize::try_from(b).ok()) {
                    facets.price.push(PriceRangeCount {
                        min_cents: bucket.checked_sub(1).map_or(0, |i| PRICE_BOUNDS[i]),
                        max_cents: PRICE_BOUNDS.get(bucket).copied(),
                        count: row.count,
                    });
                }
            }
            _ => {}
        }
    }
    let by_count = |a: i64, b: i64| b.cmp(&a);
    facets.brands.sort_by(|a, b| {
        by_count(a.count, b.count).then_with(|| a.value.to_lowercase().cmp(&b.value.to_lowercase()))
    });
    facets.brands.truncate(FACET_LIMIT);
    facets.categories.sort_by(|a, b| {
        by_count(a.count, b.count)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.slug.cmp(&b.slug))
    });
    facets.categories.truncate(FACET_LIMIT);
    facets.price.sort_by_key(|range| range.min_cents);
    (total, facets)
}
