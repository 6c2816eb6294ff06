//! Product search in PostgreSQL: full-text (`websearch_to_tsquery` over a weighted, stemmed
//! `tsvector` with a GIN index), filters, sorts, pages and facets.
//!
//! Queries are assembled with `QueryBuilder`, so every value is a bind parameter and only the
//! filters in use appear in the SQL — a `($1 IS NULL OR ...)` style would hide the indexes from
//! the planner's generic plans. Plans of the main queries are in `docs/SEARCH.md`.

use super::categories::subtree;
use super::products::PRODUCT_SELECT;
use super::{CatalogError, Product};
use crate::domain::{FieldErrors, MAX_PRICE_CENTS, Page, PageParams};
use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, QueryBuilder};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The raw search parameters of `GET /products`.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct SearchParams {
    /// Full-text query: words, "quoted phrases", -excluded words, `or`.
    pub q: Option<String>,
    /// Category id or slug; includes every subcategory.
    pub category: Option<String>,
    /// Seller id.
    pub seller: Option<String>,
    /// Catalog id.
    pub catalog: Option<String>,
    /// Brand (case-insensitive, exact).
    pub brand: Option<String>,
    /// Lowest price in minor units.
    pub min_price: Option<String>,
    /// Highest price in minor units.
    pub max_price: Option<String>,
    /// Lowest average rating, 1 to 5.
    pub min_rating: Option<String>,
    /// `true`: only products that can be bought now; `false`: only sold-out ones.
    pub in_stock: Option<String>,
    /// `relevance` (default with `q`), `price_asc`, `price_desc`, `newest` (default without `q`),
    /// `rating`.
    pub sort: Option<String>,
}

/// The order of results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
    Rating,
}

/// A valid search.
#[derive(Debug)]
pub struct SearchQuery {
    pub text: Option<String>,
    pub category: Option<String>,
    pub seller: Option<Uuid>,
    pub catalog: Option<Uuid>,
    pub brand: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub min_rating: Option<f64>,
    pub in_stock: Option<bool>,
    pub sort: Sort,
    pub page: Page,
}

impl SearchQuery {
    /// Parses every parameter, naming each bad one.
    pub fn parse(params: &SearchParams, paging: &PageParams) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let text = params
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .and_then(|q| errors.check("q", limited(q, 200)));
        let uuid = |raw: &str| Uuid::parse_str(raw.trim()).map_err(|_| "must be a UUID".to_owned());
        let seller = params
            .seller
            .as_deref()
            .and_then(|raw| errors.check("seller", uuid(raw)));
        let catalog = params
            .catalog
            .as_deref()
            .and_then(|raw| errors.check("catalog", uuid(raw)));
        let category = params
            .category
            .as_deref()
            .and_then(|raw| errors.check("category", limited(raw.trim(), 100)));
        let brand = params
            .brand
            .as_deref()
            .and_then(|raw| errors.check("brand", limited(raw.trim(), 100)));
        let price = |raw: &str| match raw.trim().parse::<i64>() {
            Ok(cents) if (0..=MAX_PRICE_CENTS).contains(&cents) => Ok(cents),
            _ => Err(format!(
                "must be a whole number of minor units from 0 to {MAX_PRICE_CENTS}"
            )),
        };
        let min_price = params
            .min_price
            .as_deref()
            .and_then(|raw| errors.check("min_price", price(raw)));
        let max_price = params
            .max_price
            .as_deref()
            .and_then(|raw| errors.check("max_price", price(raw)));
        if let (Some(min), Some(max)) = (min_price, max_price)
            && min > max
        {
            errors.add("min_price", "must not be above max_price");
        }
        let min_rating = params.min_rating.as_deref().and_then(|raw| {
            let rating = match raw.trim().parse::<f64>() {
                Ok(rating) if (1.0..=5.0).contains(&rating) => Ok(rating),
                _ => Err("must be a number from 1 to 5".to_owned()),
            };
            errors.check("min_rating", rating)
        });
        let in_stock = params.in_stock.as_deref().and_then(|raw| {
            let flag = match raw.trim() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err("must be true or false".to_owned()),
            };
            errors.check("in_stock", flag)
        });
        let sort = match params.sort.as_deref().map(str::trim) {
            None | Some("") if text.is_some() => Some(Sort::Relevance),
            None | Some("") => Some(Sort::Newest),
            Some("relevance") if text.is_some() => Some(Sort::Relevance),
            Some("relevance") => {
                errors.add("sort", "relevance needs a text query (q)");
                None
            }
            Some("price_asc") => Some(Sort::PriceAsc),
            Some("price_desc") => Some(Sort::PriceDesc),
            Some("newest") => Some(Sort::Newest),
            Some("rating") => Some(Sort::Rating),
            Some(_) => {
                errors.add(
                    "sort",
                    "must be relevance, price_asc, price_desc, newest or rating",
                );
                None
            }
        };
        let page = Page::parse_into(paging, &mut errors);
        errors.finish()?;
        let (Some(sort), Some(page)) = (sort, page) else {
            return Err(ApiError::internal(
                "search parsed without errors but incomplete",
            ));
        };
        Ok(Self {
            text,
            category,
            seller,
            catalog,
            brand,
            min_price,
            max_price,
            min_rating,
            in_stock,
            sort,
            page,
        })
    }
}

fn limited(text: &str, max: usize) -> Result<String, String> {
    if text.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else if text.chars().any(char::is_control) {
        Err("must not contain control characters".into())
    } else {
        Ok(text.to_owned())
    }
}

/// One page of results with the facets of the whole result set.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub items: Vec<Product>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
    pub facets: Facets,
}

/// Counts of the matching products by brand, category and price range.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct Facets {
    pub brands: Vec<BrandCount>,
    pub categories: Vec<CategoryCount>,
    pub price: Vec<PriceRangeCount>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BrandCount {
    pub value: String,
    pub count: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CategoryCount {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub count: i64,
}

/// Products priced from `min_cents` (inclusive) to `max_cents` (exclusive; none for the top).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PriceRangeCount {
    pub min_cents: i64,
    pub max_cents: Option<i64>,
    pub count: i64,
}

/// How many brands and categories the facets list at most.
const FACET_LIMIT: usize = 20;

/// Runs `query`: one page of products, the total and the facets.
#[tracing::instrument(skip(pool))]
pub async fn search(pool: &PgPool, query: &SearchQuery) -> Result<SearchResults, CatalogError> {
    let categories = match &query.category {
        Some(reference) => {
            let ids = subtree(pool, reference).await?;
            if ids.is_empty() {
                return Err(CatalogError::invalid("category", "no such category"));
            }
            Some(ids)
        }
        None => None,
    };
    let filters = Filters {
        query,
        categories: categories.as_deref(),
    };

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
    let (total, facets) = Facets::from_rows(counts);
    Ok(SearchResults {
        items,
        page: query.page.page,
        per_page: query.page.per_page,
        total,
        facets,
    })
}

/// Where the price ranges of the facets start (minor units); the last range is open.
const PRICE_BOUNDS: [i64; 7] = [1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000];

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

impl Facets {
    /// The total and the facets from the rows of the facet query.
    fn from_rows(rows: Vec<FacetRow>) -> (i64, Facets) {
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
            by_count(a.count, b.count)
                .then_with(|| a.value.to_lowercase().cmp(&b.value.to_lowercase()))
        });
        facets.brands.truncate(FACET_LIMIT);
        facets
            .categories
            .sort_by(|a, b| by_count(a.count, b.count).then_with(|| a.name.cmp(&b.name)));
        facets.categories.truncate(FACET_LIMIT);
        facets.price.sort_by_key(|range| range.min_cents);
        (total, facets)
    }
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
    use super::PRICE_BOUNDS;

    #[test]
    fn the_sql_price_bounds_are_the_rust_ones() {
        let literal = price_bounds_sql!();
        let inner = literal.trim_start_matches("'{").split('}').next().unwrap();
        let parsed: Vec<i64> = inner.split(',').map(|n| n.parse().unwrap()).collect();
        assert_eq!(parsed, PRICE_BOUNDS);
    }
}
