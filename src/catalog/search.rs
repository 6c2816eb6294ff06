//! Product search: the parameters of `GET /products` parsed into a [`SearchQuery`] (full text in
//! web syntax, filters, sort, page), and what a search answers: a page of products and the facets
//! of the whole result. The store runs it (on PostgreSQL: `websearch_to_tsquery` over a weighted,
//! stemmed `tsvector`; plans in `docs/SEARCH.md`).

use super::{Catalog, CatalogError, Product};
use crate::domain::{AllValid, Invalid, Page, PageParams, Parsed, Price, field, optional};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The raw search parameters of `GET /products`.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub(crate) struct SearchParams {
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
pub(crate) enum Sort {
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
    Rating,
}

/// A valid search.
#[derive(Debug)]
pub(crate) struct SearchQuery {
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
    pub(crate) fn parse(params: &SearchParams, paging: &PageParams) -> Parsed<Self> {
        let text = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        let uuid = |raw: &str| Uuid::parse_str(raw.trim()).map_err(|_| "must be a UUID".to_owned());
        let price = |raw: &str| match raw.trim().parse::<i64>() {
            Ok(cents) if (0..=Price::MAX_CENTS).contains(&cents) => Ok(cents),
            _ => Err(format!(
                "must be a whole number of minor units from 0 to {}",
                Price::MAX_CENTS
            )),
        };
        let min_rating = |raw: &str| match raw.trim().parse::<f64>() {
            Ok(rating) if (1.0..=5.0).contains(&rating) => Ok(rating),
            _ => Err("must be a number from 1 to 5".to_owned()),
        };
        let in_stock = |raw: &str| match raw.trim() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err("must be true or false".to_owned()),
        };
        let (
            text,
            seller,
            catalog,
            category,
            brand,
            min_price,
            max_price,
            min_rating,
            in_stock,
            sort,
            page,
        ) = (
            optional("q", text, |q| limited(q, 200)),
            optional("seller", params.seller.as_deref(), uuid),
            optional("catalog", params.catalog.as_deref(), uuid),
            optional("category", params.category.as_deref(), |raw| {
                limited(raw.trim(), 100)
            }),
            optional("brand", params.brand.as_deref(), |raw| {
                limited(raw.trim(), 100)
            }),
            optional("min_price", params.min_price.as_deref(), price),
            optional("max_price", params.max_price.as_deref(), price),
            optional("min_rating", params.min_rating.as_deref(), min_rating),
            optional("in_stock", params.in_stock.as_deref(), in_stock),
            field("sort", Sort::parse(params.sort.as_deref(), text.is_some())),
            Page::parse(paging),
        )
            .all_valid()?;
        if let (Some(min), Some(max)) = (min_price, max_price)
            && min > max
        {
            return Err(Invalid::field("min_price", "must not be above max_price"));
        }
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

impl Sort {
    /// The sort named by `raw`; the default is relevance with a text query, newest without.
    fn parse(raw: Option<&str>, has_text: bool) -> Result<Self, String> {
        match raw.map(str::trim) {
            None | Some("") if has_text => Ok(Sort::Relevance),
            None | Some("") => Ok(Sort::Newest),
            Some("relevance") if has_text => Ok(Sort::Relevance),
            Some("relevance") => Err("relevance needs a text query (q)".to_owned()),
            Some("price_asc") => Ok(Sort::PriceAsc),
            Some("price_desc") => Ok(Sort::PriceDesc),
            Some("newest") => Ok(Sort::Newest),
            Some("rating") => Ok(Sort::Rating),
            Some(_) => Err("must be relevance, price_asc, price_desc, newest or rating".to_owned()),
        }
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
pub(crate) struct SearchResults {
    pub items: Vec<Product>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
    pub facets: Facets,
}

/// Counts of the matching products by brand, category and price range.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub(crate) struct Facets {
    pub brands: Vec<BrandCount>,
    pub categories: Vec<CategoryCount>,
    pub price: Vec<PriceRangeCount>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct BrandCount {
    pub value: String,
    pub count: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct CategoryCount {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub count: i64,
}

/// Products priced from `min_cents` (inclusive) to `max_cents` (exclusive; none for the top).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct PriceRangeCount {
    pub min_cents: i64,
    pub max_cents: Option<i64>,
    pub count: i64,
}

/// How many brands and categories the facets list at most.
pub(crate) const FACET_LIMIT: usize = 20;

/// Where the price ranges of the facets start (minor units); the last range is open.
pub(crate) const PRICE_BOUNDS: [i64; 7] = [1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000];

impl Catalog {
    /// Runs `query`: one page of products, the total and the facets.
    #[tracing::instrument(skip(self))]
    pub(crate) async fn search(&self, query: &SearchQuery) -> Result<SearchResults, CatalogError> {
        let categories = match &query.category {
            Some(reference) => {
                let ids = self.store.category_subtree(reference).await?;
                if ids.is_empty() {
                    return Err(CatalogError::invalid("category", "no such category"));
                }
                Some(ids)
            }
            None => None,
        };
        self.store.search(query, categories.as_deref()).await
    }
}
