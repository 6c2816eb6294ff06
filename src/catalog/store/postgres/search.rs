//! Product search on PostgreSQL: full-text (`websearch_to_tsquery` over a weighted, stemmed
//! `tsvector` with a GIN index), filters, sorts, pages and facets.
//!
//! Queries are assembled with `QueryBuilder`, so every value is a bind parameter and only the
//! filters in use appear in the SQL — a `($1 IS NULL OR ...)` style would hide the indexes from
//! the planner's generic plans. Plans of the main queries are in `docs/SEARCH.md`.

use super::products::PRODUCT_SELECT;
use crate::catalog::search::{
    BrandCount, CategoryCount, FACET_LIMIT, PRICE_BOUNDS, PriceRangeCount, SearchQuery,
    SearchResults, Sort,
};
use crate::catalog::{CatalogError, Facets, Product};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

/// Runs `query`: one page of products, the total and the facets.
pub(in crate::catalog::store) async fn search(
    pool: &PgPool,
    query: &SearchQuery,
    categories: Option<&[Uuid]>,
) -> Result<SearchResults, CatalogError> {
    let filters = Filters { query, categories };

    let mut items_sql = QueryBuilder::<Postgres>::new(PRODUCT_SELECT);
    filters.push_where(&mut items_sql);
    push_order(&mut items_sql, query);
    items_sql.push(" LIMIT ").push_bind(query.page.limit());
    items_sql.push(" OFFSET ").push_bind(query.page.offset());

    let mut facets_sql = QueryBuilder::<Postgres>::new(FACETS_SELECT);
    if query.in_stock.is_some() {
        facets_sql.push(" JOIN inventory i ON i.product_id = p.id");
    }
    filters.push_where(&mut facets_sql);
    facets_sql.push(FACETS_GROUPS);

    let items = items_sql.build_query_as::<Product>().fetch_all(pool);
    let counts = facets_sql.build_query_as::<FacetRow>().fetch_all(pool);
    let (items, counts) = tokio::try_join!(items, counts)?;
    let (total, facets) = facets_from_rows(counts);
    Ok(SearchResults {
        items,
        page: query.page.page,
        per_page: query.page.per_page,
        total,
        facets,
    })
}

/// [`PRICE_BOUNDS`] as an SQL literal (a test keeps the two equal).
macro_rules! price_bounds_sql {
    () => {
        "'{1000,2500,5000,10000,25000,50000,100000}'::bigint[]"
    };
}

/// One pass over the matching products counts every facet at once: one grouping set per facet
/// and one for the total, told apart by `GROUPING()` (a bit set per column left out).
const FACETS_SELECT: &str = concat!(
    "WITH counts AS (SELECT GROUPING(lower(p.brand), p.category_id, ",
    "width_bucket(p.price_cents, ",
    price_bounds_sql!(),
    ")) AS grouping_set, ",
    "min(p.brand) AS brand, p.category_id, ",
    "width_bucket(p.price_cents, ",
    price_bounds_sql!(),
    ") AS price_bucket, ",
    "count(*) AS count FROM products p"
);
const FACETS_GROUPS: &str = concat!(
    " GROUP BY GROUPING SETS ((lower(p.brand)), (p.category_id), ",
    "(width_bucket(p.price_cents, ",
    price_bounds_sql!(),
    ")), ())) ",
    "SELECT c.grouping_set, c.brand, c.category_id, cat.name AS category_name, ",
    "cat.slug AS category_slug, c.price_bucket, c.count ",
    "FROM counts c LEFT JOIN categories cat ON cat.id = c.category_id"
);

/// Which grouping set a row of the facet query belongs to.
const BY_BRAND: i32 = 0b011;
const BY_CATEGORY: i32 = 0b101;
const BY_PRICE: i32 = 0b110;
const TOTAL: i32 = 0b111;

#[derive(sqlx::FromRow)]
struct FacetRow {
    grouping_set: i32,
    brand: Option<String>,
    category_id: Option<Uuid>,
    category_name: Option<String>,
    category_slug: Option<String>,
    price_bucket: Option<i32>,
    count: i64,
}

/// The total and the facets from the rows of the facet query.
fn facets_from_rows(rows: Vec<FacetRow>) -> (i64, Facets) {
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
    facets
        .categories
        .sort_by(|a, b| by_count(a.count, b.count).then_with(|| a.name.cmp(&b.name)));
    facets.categories.truncate(FACET_LIMIT);
    facets.price.sort_by_key(|range| range.min_cents);
    (total, facets)
}

/// The WHERE clause shared by the page and the facets.
struct Filters<'a> {
    query: &'a SearchQuery,
    categories: Option<&'a [Uuid]>,
}

impl Filters<'_> {
    fn push_where(&self, sql: &mut QueryBuilder<Postgres>) {
        let query = self.query;
        sql.push(" WHERE p.status = 'published'");
        if let Some(text) = &query.text {
            sql.push(" AND p.search @@ websearch_to_tsquery('english', ")
                .push_bind(text.clone())
                .push(")");
        }
        if let Some(categories) = self.categories {
            sql.push(" AND p.category_id = ANY(")
                .push_bind(categories.to_vec())
                .push(")");
        }
        if let Some(seller) = query.seller {
            sql.push(" AND p.seller_id = ").push_bind(seller);
        }
        if let Some(catalog) = query.catalog {
            sql.push(
                " AND EXISTS (SELECT 1 FROM catalog_products cp WHERE cp.product_id = p.id \
                 AND cp.catalog_id = ",
            )
            .push_bind(catalog)
            .push(")");
        }
        if let Some(brand) = &query.brand {
            sql.push(" AND lower(p.brand) = lower(")
                .push_bind(brand.clone())
                .push(")");
        }
        if let Some(min) = query.min_price {
            sql.push(" AND p.price_cents >= ").push_bind(min);
        }
        if let Some(max) = query.max_price {
            sql.push(" AND p.price_cents <= ").push_bind(max);
        }
        if let Some(rating) = query.min_rating {
            sql.push(" AND p.rating_avg >= ").push_bind(rating);
        }
        match query.in_stock {
            Some(true) => {
                sql.push(" AND i.on_hand > i.reserved");
            }
            Some(false) => {
                sql.push(" AND i.on_hand <= i.reserved");
            }
            None => {}
        }
    }
}

fn push_order(sql: &mut QueryBuilder<Postgres>, query: &SearchQuery) {
    match (query.sort, &query.text) {
        (Sort::Relevance, Some(text)) => {
            sql.push(" ORDER BY ts_rank_cd(p.search, websearch_to_tsquery('english', ")
                .push_bind(text.clone())
                .push(")) DESC, p.id DESC");
        }
        (Sort::PriceAsc, _) => {
            sql.push(" ORDER BY p.price_cents ASC, p.id");
        }
        (Sort::PriceDesc, _) => {
            sql.push(" ORDER BY p.price_cents DESC, p.id DESC");
        }
        (Sort::Rating, _) => {
            sql.push(" ORDER BY p.rating_avg DESC NULLS LAST, p.rating_count DESC, p.id");
        }
        (Sort::Newest | Sort::Relevance, _) => {
            sql.push(" ORDER BY p.created_at DESC, p.id DESC");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::search::PRICE_BOUNDS;

    #[test]
    fn the_sql_price_bounds_are_the_rust_ones() {
        let literal = price_bounds_sql!();
        let inner = literal.trim_start_matches("'{").split('}').next().unwrap();
        let parsed: Vec<i64> = inner.split(',').map(|n| n.parse().unwrap()).collect();
        assert_eq!(parsed, PRICE_BOUNDS);
    }
}
