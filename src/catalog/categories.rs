//! The category tree: any depth, unique slugs, no cycles, no deleting what is in use.

use super::CatalogError;
use crate::db::{codes, violates};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// One category.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Category {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub parent_id: Option<Uuid>,
}

/// A category with its subtree.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryNode {
    #[serde(flatten)]
    pub category: Category,
    #[schema(no_recursion)]
    pub children: Vec<CategoryNode>,
}

/// The whole tree, each level ordered by name.
pub async fn category_tree(pool: &PgPool) -> Result<Vec<CategoryNode>, CatalogError> {
    let categories: Vec<Category> =
        sqlx::query_as("SELECT id, name, slug, parent_id FROM categories ORDER BY name, id")
            .fetch_all(pool)
            .await?;
    let mut children: HashMap<Option<Uuid>, Vec<Category>> = HashMap::new();
    for category in categories {
        children
            .entry(category.parent_id)
            .or_default()
            .push(category);
    }
    Ok(build_level(None, &mut children))
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

/// The category whose id or slug is `reference` and all its descendants; empty if there is no
/// such category.
pub(crate) async fn subtree(pool: &PgPool, reference: &str) -> Result<Vec<Uuid>, CatalogError> {
    let ids = sqlx::query_scalar(
        "WITH RECURSIVE subtree AS (
             SELECT id FROM categories WHERE id::text = $1 OR slug = $1
             UNION ALL
             SELECT c.id FROM categories c JOIN subtree s ON c.parent_id = s.id)
         SELECT id FROM subtree",
    )
    .bind(reference.trim().to_lowercase())
    .fetch_all(pool)
    .await?;
    Ok(ids)
}

/// Lower-case ASCII words joined by `-`.
fn slugify(name: &str) -> String {
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

/// A slug for `name` not used by any other category: `shoes`, else `shoes-2`, `shoes-3`...
async fn free_slug(
    connection: &mut PgConnection,
    name: &str,
    except: Option<Uuid>,
) -> Result<String, CatalogError> {
    let base = slugify(name);
    let taken: Vec<String> = sqlx::query_scalar(
        "SELECT slug FROM categories WHERE (slug = $1 OR slug LIKE $1 || '-%') AND id IS DISTINCT FROM $2",
    )
    .bind(&base)
    .bind(except)
    .fetch_all(connection)
    .await?;
    if !taken.contains(&base) {
        return Ok(base);
    }
    let n = (2..)
        .find(|n| !taken.contains(&format!("{base}-{n}")))
        .unwrap_or(2);
    Ok(format!("{base}-{n}"))
}

/// Creates a category under `parent` (or at the root).
#[tracing::instrument(skip(pool))]
pub async fn create_category(
    pool: &PgPool,
    name: &str,
    parent: Option<Uuid>,
) -> Result<Category, CatalogError> {
    let mut tx = pool.begin().await?;
    lock_tree(&mut tx).await?;
    if let Some(parent) = parent {
        ensure_parent_exists(&mut tx, parent).await?;
    }
    let slug = free_slug(&mut tx, name, None).await?;
    let category = sqlx::query_as(
        "INSERT INTO categories (id, name, slug, parent_id) VALUES ($1, $2, $3, $4)
         RETURNING id, name, slug, parent_id",
    )
    .bind(Uuid::now_v7())
    .bind(name)
    .bind(&slug)
    .bind(parent)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(category)
}

/// A rename and/or a move (`parent: Some(None)` moves to the root).
#[derive(Debug, Default)]
pub struct CategoryPatch {
    pub name: Option<String>,
    pub parent: Option<Option<Uuid>>,
}

/// Renames (the slug follows the name) and/or moves a category. A move under the category
/// itself or one of its descendants would make a cycle and is refused.
#[tracing::instrument(skip(pool))]
pub async fn update_category(
    pool: &PgPool,
    id: Uuid,
    patch: &CategoryPatch,
) -> Result<Category, CatalogError> {
    let mut tx = pool.begin().await?;
    lock_tree(&mut tx).await?;
    ensure_exists(&mut tx, id).await?;
    if let Some(Some(parent)) = patch.parent {
        ensure_parent_exists(&mut tx, parent).await?;
        let cycle: bool = sqlx::query_scalar(
            "WITH RECURSIVE subtree AS (
                 SELECT id FROM categories WHERE id = $1
                 UNION ALL
                 SELECT c.id FROM categories c JOIN subtree s ON c.parent_id = s.id)
             SELECT EXISTS (SELECT 1 FROM subtree WHERE id = $2)",
        )
        .bind(id)
        .bind(parent)
        .fetch_one(&mut *tx)
        .await?;
        if cycle {
            return Err(CatalogError::Conflict(
                "a category cannot move under itself or one of its descendants".into(),
            ));
        }
    }
    let slug = match &patch.name {
        Some(name) => Some(free_slug(&mut tx, name, Some(id)).await?),
        None => None,
    };
    let category = sqlx::query_as(
        "UPDATE categories SET name = COALESCE($2, name), slug = COALESCE($3, slug),
             parent_id = CASE WHEN $4 THEN $5 ELSE parent_id END
         WHERE id = $1
         RETURNING id, name, slug, parent_id",
    )
    .bind(id)
    .bind(&patch.name)
    .bind(slug)
    .bind(patch.parent.is_some())
    .bind(patch.parent.flatten())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(category)
}

/// Deletes a category that has no children and no products.
#[tracing::instrument(skip(pool))]
pub async fn delete_category(pool: &PgPool, id: Uuid) -> Result<(), CatalogError> {
    let mut tx = pool.begin().await?;
    lock_tree(&mut tx).await?;
    ensure_exists(&mut tx, id).await?;
    let (children, products): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM categories WHERE parent_id = $1),
                EXISTS (SELECT 1 FROM products WHERE category_id = $1)",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if children || products {
        return Err(CatalogError::Conflict(
            "the category still has subcategories or products; move them first".into(),
        ));
    }
    let deleted = sqlx::query("DELETE FROM categories WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await;
    match deleted {
        // A product created concurrently still wins: the foreign key refuses the delete.
        Err(error) if violates(&error, codes::FOREIGN_KEY_VIOLATION) => {
            Err(CatalogError::Conflict(
                "the category still has subcategories or products; move them first".into(),
            ))
        }
        Err(error) => Err(error.into()),
        Ok(_) => {
            tx.commit().await?;
            Ok(())
        }
    }
}

/// Serializes changes of the tree's shape, so two concurrent moves cannot build a cycle between
/// them. Readers are not blocked; changes to the tree are rare.
async fn lock_tree(connection: &mut PgConnection) -> Result<(), CatalogError> {
    sqlx::query("LOCK TABLE categories IN SHARE ROW EXCLUSIVE MODE")
        .execute(connection)
        .await?;
    Ok(())
}

async fn exists(connection: &mut PgConnection, id: Uuid) -> Result<bool, CatalogError> {
    let exists = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM categories WHERE id = $1)")
        .bind(id)
        .fetch_one(connection)
        .await?;
    Ok(exists)
}

async fn ensure_exists(connection: &mut PgConnection, id: Uuid) -> Result<(), CatalogError> {
    if exists(connection, id).await? {
        Ok(())
    } else {
        Err(CatalogError::NotFound("category"))
    }
}

/// A parent named in a request body that does not exist is a bad field, not a missing resource.
async fn ensure_parent_exists(connection: &mut PgConnection, id: Uuid) -> Result<(), CatalogError> {
    if exists(connection, id).await? {
        Ok(())
    } else {
        Err(CatalogError::invalid("parent_id", "no such category"))
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_are_lower_case_words() {
        assert_eq!(slugify("Home & Garden"), "home-garden");
        assert_eq!(slugify("  Über-Phones 2026!  "), "ber-phones-2026");
        assert_eq!(slugify("€€€"), "category");
    }
}
