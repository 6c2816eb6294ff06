//! Product search on PostgreSQL: full-text (`websearch_to_tsquery` over a weighted, stemmed
//! `tsvector` with a GIN index), filters, sorts, pages and facets.
//!
//! Queries are assembled with `QueryBuilder`, so every value is a bind parameter and only the
//! filters in use appear in the SQL — a `($1 IS NULL OR ...)` style would hide the indexes from
//! the planner's generic plans. Plans of the main queries are in `docs/SEARCH.md`.

use super::super::facets::{FacetRow, facets_from_rows};
use super::products::PRODUCT_SELECT;
use crate::catalog::search::{SearchQuery, SearchResults, Sort};
use crate::catalog::{CatalogError, Product};
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
