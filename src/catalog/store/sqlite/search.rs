//! Product search on the embedded database (SQLite): full text through the FTS5 index
//! `products_fts` (porter stemming; bm25 weights name 10, brand 5, description 1), filters,
//! sorts, pages and facets.
//!
//! The query syntax is the PostgreSQL backend's (`websearch_to_tsquery`): words are all
//! required, "quoted phrases" match as phrases, `or` between two terms makes either enough, and
//! `-word` excludes. It is translated to an FTS5 expression in which every word and phrase is an
//! FTS5 string, so nothing a user types is read as FTS5 syntax. Queries are assembled with
//! `QueryBuilder`: every value is a bind parameter.

use super::super::facets::{BY_BRAND, BY_CATEGORY, BY_PRICE, FacetRow, TOTAL, facets_from_rows};
use super::products::PRODUCT_COLUMNS;
use crate::catalog::search::{PRICE_BOUNDS, SearchQuery, SearchResults, Sort};
use crate::catalog::{CatalogError, Product};
use crate::db::EmbeddedDatabase;
use sqlx::types::Json;
use sqlx::{QueryBuilder, Sqlite};
use uuid::Uuid;

/// Runs `query`: one page of products, the total and the facets.
pub(in crate::catalog::store) async fn search(
    db: &EmbeddedDatabase,
    query: &SearchQuery,
    categories: Option<&[Uuid]>,
) -> Result<SearchResults, CatalogError> {
    let text = query.text.as_deref().map(FullText::parse);
    let filters = Filters {
        query,
        categories,
        text: text.as_ref(),
    };

    // The page is chosen from the matches' sort keys alone (mostly index entries), and only
    // its own rows are then read whole.
    // Named `score`, not `rank`: FTS5 has a hidden `rank` column (bm25 without the weights).
    let ranked = query.sort == Sort::Relevance && filters.match_expression().is_some();
    let mut items_sql = QueryBuilder::<Sqlite>::new(PRODUCT_COLUMNS);
    items_sql.push(" FROM (SELECT p.rowid AS product_rowid");
    if ranked {
        items_sql.push(", bm25(products_fts, 10.0, 5.0, 1.0) AS score");
    }
    filters.push_from(&mut items_sql, query.in_stock.is_some());
    filters.push_where(&mut items_sql);
    push_order(&mut items_sql, query.sort, ranked.then_some("score"));
    items_sql.push(" LIMIT ").push_bind(query.page.limit());
    items_sql.push(" OFFSET ").push_bind(query.page.offset());
    items_sql.push(
        ") page JOIN products p ON p.rowid = page.product_rowid \
         JOIN inventory i ON i.product_id = p.id",
    );
    push_order(&mut items_sql, query.sort, ranked.then_some("page.score"));

    let mut facets_sql = QueryBuilder::<Sqlite>::new(
        "WITH matching AS MATERIALIZED (SELECT p.brand, p.category_id, p.price_cents",
    );
    filters.push_from(&mut facets_sql, query.in_stock.is_some());
    filters.push_where(&mut facets_sql);
    facets_sql.push(") ");
    facets_sql.push(facet_groups());

    let items = items_sql.build_query_as::<Product>().fetch_all(&db.reads);
    let counts = facets_sql.build_query_as::<FacetRow>().fetch_all(&db.reads);
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

/// The facet rows of `matching`: the total, then one row per brand, category and price bucket.
///
/// `matching` is materialized once. Brands are counted exactly and then folded by case, and
/// categories are counted before they are joined to their names, so that each grouping sorts
/// only `matching` (grouping the products by `lower(brand)` walked the whole `lower(brand)`
/// index, and joining before grouping built an index on `matching`).
fn facet_groups() -> String {
    // The number of bounds at or below the price (PostgreSQL's width_bucket over the bounds).
    let bucket = PRICE_BOUNDS
        .iter()
        .map(|bound| format!("(price_cents >= {bound})"))
        .collect::<Vec<_>>()
        .join(" + ");
    format!(
        "SELECT {TOTAL} AS grouping_set, NULL AS brand, NULL AS category_id, \
             NULL AS category_name, NULL AS category_slug, NULL AS price_bucket, count(*) AS count \
         FROM matching \
         UNION ALL SELECT {BY_BRAND}, min(brand), NULL, NULL, NULL, NULL, sum(count) \
         FROM (SELECT brand, count(*) AS count FROM matching GROUP BY brand) \
         GROUP BY lower(brand) \
         UNION ALL SELECT {BY_CATEGORY}, NULL, m.category_id, c.name, c.slug, NULL, m.count \
         FROM (SELECT category_id, count(*) AS count FROM matching GROUP BY category_id) m \
         JOIN categories c ON c.id = m.category_id \
         UNION ALL SELECT {BY_PRICE}, NULL, NULL, NULL, NULL, {bucket}, count(*) \
         FROM matching GROUP BY {bucket}"
    )
}

/// A text query as FTS5 expressions: what must match, and what must not.
#[derive(Debug, PartialEq)]
struct FullText {
    /// Terms and phrases, all required; `or` joins neighbours into a group of which one is.
    required: Option<String>,
    /// Any of these excludes a product.
    excluded: Option<String>,
}

impl FullText {
    fn parse(text: &str) -> Self {
        let mut groups: Vec<Vec<String>> = Vec::new();
        let mut excluded = Vec::new();
        let mut join_next = false;
        for (token, negated, quoted) in tokens(text) {
            if !quoted && !negated && token.eq_ignore_ascii_case("or") {
                join_next = !groups.is_empty();
                continue;
            }
            let term = fts5_string(&token);
            if negated {
                excluded.push(term);
            } else if join_next && let Some(last) = groups.last_mut() {
                last.push(term);
            } else {
                groups.push(vec![term]);
            }
            join_next = false;
        }
        let required = groups
            .into_iter()
            .map(|group| match group.len() {
                1 => group.concat(),
                _ => format!("({})", group.join(" OR ")),
            })
            .collect::<Vec<_>>();
        FullText {
            required: (!required.is_empty()).then(|| required.join(" AND ")),
            excluded: (!excluded.is_empty()).then(|| excluded.join(" OR ")),
        }
    }

    /// The FTS5 expression a product must match, exclusions included; `None` when nothing is
    /// required (exclusions alone cannot drive an FTS5 query).
    fn match_expression(&self) -> Option<String> {
        let required = self.required.as_ref()?;
        Some(match &self.excluded {
            Some(excluded) => format!("({required}) NOT ({excluded})"),
            None => required.clone(),
        })
    }
}

/// The words and "phrases" of `text`: (token, excluded with `-`, quoted).
fn tokens(text: &str) -> Vec<(String, bool, bool)> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let negated = c == '-';
        if negated {
            chars.next();
        }
        if chars.peek() == Some(&'"') {
            chars.next();
            let phrase: String = chars.by_ref().take_while(|&c| c != '"').collect();
            if !phrase.trim().is_empty() {
                tokens.push((phrase, negated, true));
            }
        } else {
            let word: String =
                std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace())).collect();
            if !word.is_empty() {
                tokens.push((word, negated, false));
            }
        }
    }
    tokens
}

/// `text` as an FTS5 string (a phrase of its words), quotes doubled: never FTS5 syntax.
fn fts5_string(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The tables and the WHERE clause shared by the page and the facets.
struct Filters<'a> {
    query: &'a SearchQuery,
    categories: Option<&'a [Uuid]>,
    text: Option<&'a FullText>,
}

impl Filters<'_> {
    /// The tables: with required text the search starts from the full-text index, so that
    /// only matching products are visited and bm25 is computed once per match. `CROSS JOIN`
    /// keeps it the outer loop: SQLite never reorders it, and a plan that starts from a
    /// products index runs the full-text query once per product it visits.
    fn push_from(&self, sql: &mut QueryBuilder<Sqlite>, with_inventory: bool) {
        if self.match_expression().is_some() {
            sql.push(" FROM products_fts CROSS JOIN products p ON p.rowid = products_fts.rowid");
        } else {
            sql.push(" FROM products p");
        }
        if with_inventory {
            sql.push(" JOIN inventory i ON i.product_id = p.id");
        }
    }

    fn match_expression(&self) -> Option<String> {
        self.text.and_then(FullText::match_expression)
    }

    fn push_where(&self, sql: &mut QueryBuilder<Sqlite>) {
        let query = self.query;
        sql.push(" WHERE p.status = 'published'");
        if let Some(expression) = self.match_expression() {
            sql.push(" AND products_fts MATCH ").push_bind(expression);
        } else if let Some(excluded) = self.text.and_then(|text| text.excluded.as_ref()) {
            sql.push(
                " AND p.rowid NOT IN (SELECT rowid FROM products_fts WHERE products_fts MATCH ",
            )
            .push_bind(excluded.clone())
            .push(")");
        }
        if let Some(categories) = self.categories {
            sql.push(
                " AND p.category_id IN (SELECT unhex(replace(value, '-', '')) FROM json_each(",
            )
            .push_bind(Json(categories.to_vec()))
            .push("))");
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

/// The order of the page. `score` names the bm25 score (lower is a better match) when there is
/// text to rank by.
fn push_order(sql: &mut QueryBuilder<Sqlite>, sort: Sort, score: Option<&'static str>) {
    match (sort, score) {
        (Sort::Relevance, Some(score)) => {
            sql.push(format_args!(" ORDER BY {score} ASC, p.id DESC"));
        }
        (Sort::PriceAsc, _) => {
            sql.push(" ORDER BY p.price_cents ASC, p.id");
        }
        (Sort::PriceDesc, _) => {
            sql.push(" ORDER BY p.price_cents DESC, p.id DESC");
        }
        (Sort::Rating, _) => {
            sql.push(
                " ORDER BY p.rating_avg IS NULL, p.rating_avg DESC, p.rating_count DESC, p.id",
            );
        }
        (Sort::Newest | Sort::Relevance, _) => {
            sql.push(" ORDER BY p.created_at DESC, p.id DESC");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (Option<String>, Option<String>) {
        let full = FullText::parse(text);
        (full.required, full.excluded)
    }

    #[test]
    fn words_phrases_or_and_exclusions_become_fts5_strings() {
        assert_eq!(
            parsed(r#"red "running shoes" -leather"#),
            (
                Some(r#""red" AND "running shoes""#.into()),
                Some(r#""leather""#.into())
            )
        );
        assert_eq!(
            parsed("mug or cup tea"),
            (Some(r#"("mug" OR "cup") AND "tea""#.into()), None)
        );
        assert_eq!(parsed("-plastic"), (None, Some(r#""plastic""#.into())));
    }

    #[test]
    fn exclusions_join_the_match_expression_when_something_is_required() {
        let expression = |text| FullText::parse(text).match_expression();
        assert_eq!(
            expression("lamp -plastic -paper").as_deref(),
            Some(r#"("lamp") NOT ("plastic" OR "paper")"#)
        );
        assert_eq!(expression("lamp").as_deref(), Some(r#""lamp""#));
        assert_eq!(expression("-plastic"), None);
    }

    #[test]
    fn fts5_syntax_typed_by_a_user_is_only_text() {
        assert_eq!(
            parsed(r#"NEAR(a b) col:x *"#),
            (
                Some(r#""NEAR(a" AND "b)" AND "col:x" AND "*""#.into()),
                None
            )
        );
        assert_eq!(
            parsed(r#"say "hi"#),
            (Some(r#""say" AND "hi""#.into()), None)
        );
        assert_eq!(parsed("or or"), (None, None));
    }
}
