//! The category tree: any depth, unique slugs, no cycles, no deleting what is in use.

use super::{Catalog, CatalogError};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// One category.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct Category {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub parent_id: Option<Uuid>,
}

/// A category with its subtree.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CategoryNode {
    #[serde(flatten)]
    pub category: Category,
    #[schema(no_recursion)]
    pub children: Vec<CategoryNode>,
}

/// A rename and/or a move (`parent: Some(None)` moves to the root).
#[derive(Debug, Default)]
pub(crate) struct CategoryPatch {
    pub name: Option<String>,
    pub parent: Option<Option<Uuid>>,
}

impl Catalog {
    /// The whole tree, each level ordered by name.
    pub(crate) async fn category_tree(&self) -> Result<Vec<CategoryNode>, CatalogError> {
        let categories = self.store.categories().await?;
        let mut children: HashMap<Option<Uuid>, Vec<Category>> = HashMap::new();
        for category in categories {
            children
                .entry(category.parent_id)
                .or_default()
                .push(category);
        }
        Ok(build_level(None, &mut children))
    }

    /// Creates a category under `parent` (or at the root); its slug follows the name.
    #[tracing::instrument(skip(self))]
    pub(crate) async fn create_category(
        &self,
        name: &str,
        parent: Option<Uuid>,
    ) -> Result<Category, CatalogError> {
        self.store.create_category(name, parent).await
    }

    /// Renames (the slug follows the name) and/or moves a category. A move under the category
    /// itself or one of its descendants would make a cycle and is refused.
    #[tracing::instrument(skip(self))]
    pub(crate) async fn update_category(
        &self,
        id: Uuid,
        patch: &CategoryPatch,
    ) -> Result<Category, CatalogError> {
        self.store.update_category(id, patch).await
    }

    /// Deletes a category that has no children and no products.
    #[tracing::instrument(skip(self))]
    pub(crate) async fn delete_category(&self, id: Uuid) -> Result<(), CatalogError> {
        self.store.delete_category(id).await
    }
}

fn build_level(
    parent: Option<Uuid>,
    children: &mut HashMap<Option<Uuid>, Vec<Category>>,
) -> Vec<CategoryNode> {
    let level = children.remove(&parent).unwrap_or_default();
    level
        .into_iter()
        .map(|category| {
            let below = build_level(Some(category.id), children);
            CategoryNode {
                category,
                children: below,
            }
        })
        .collect()
}

/// Lower-case ASCII words joined by `-`.
pub(crate) fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "category".to_owned()
    } else {
        slug.chars().take(80).collect()
    }
}

/// `base` if no other category uses it, else the first free `base-2`, `base-3`... of `taken`
/// (the slugs that start with `base`).
pub(crate) fn free_slug(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|slug| slug == base) {
        return base.to_owned();
    }
    let n = (2..)
        .find(|n| !taken.contains(&format!("{base}-{n}")))
        .unwrap_or(2);
    format!("{base}-{n}")
}

/// Why a category cannot be deleted.
pub(crate) fn still_in_use() -> CatalogError {
    CatalogError::Conflict(
        "the category still has subcategories or products; move them first".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::{free_slug, slugify};

    #[test]
    fn slugs_are_lower_case_words() {
        assert_eq!(slugify("Home & Garden"), "home-garden");
        assert_eq!(slugify("  Über-Phones 2026!  "), "ber-phones-2026");
        assert_eq!(slugify("€€€"), "category");
    }

    #[test]
    fn a_taken_slug_gets_the_first_free_number() {
        let taken = ["shoes".to_owned(), "shoes-2".to_owned()];
        assert_eq!(free_slug("shoes", &taken), "shoes-3");
        assert_eq!(free_slug("boots", &taken), "boots");
    }
}
