//! The category tree on the embedded database (SQLite). Changes of the tree's shape need no lock:
//! the single writer runs them one at a time.

use crate::catalog::CatalogError;
use crate::catalog::categories::{Category, CategoryPatch, free_slug, slugify, still_in_use};
use crate::db::EmbeddedDatabase;
use crate::db::violates;
use sqlx::SqliteConnection;
use sqlx::error::ErrorKind;
use uuid::Uuid;

type Result<T> = std::result::Result<T, CatalogError>;

pub(in crate::catalog::store) async fn categories(db: &EmbeddedDatabase) -> Result<Vec<Category>> {
    Ok(
        sqlx::query_as("SELECT id, name, slug, parent_id FROM categories ORDER BY name, id")
            .fetch_all(&db.reads)
            .await?,
    )
}

pub(in crate::catalog::store) async fn category_ids(db: &EmbeddedDatabase) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar("SELECT id FROM categories")
        .fetch_all(&db.reads)
        .await?)
}

pub(in crate::catalog::store) async fn category_subtree(
    db: &EmbeddedDatabase,
    reference: &str,
) -> Result<Vec<Uuid>> {
    // Ids are BLOBs here: an id given as text matches only once it is bound as a UUID.
    let reference = reference.trim();
    Ok(sqlx::query_scalar(
        "WITH RECURSIVE subtree AS (
             SELECT id FROM categories WHERE id = $1 OR slug = $2
             UNION ALL
             SELECT c.id FROM categories c JOIN subtree s ON c.parent_id = s.id)
         SELECT id FROM subtree",
    )
    .bind(Uuid::parse_str(reference).ok())
    .bind(reference.to_lowercase())
    .fetch_all(&db.reads)
    .await?)
}

/// A slug for `name` not used by any other category.
async fn unused_slug(
    connection: &mut SqliteConnection,
    name: &str,
    except: Option<Uuid>,
) -> Result<String> {
    let base = slugify(name);
    let taken: Vec<String> = sqlx::query_scalar(
        "SELECT slug FROM categories WHERE (slug = $1 OR slug LIKE $1 || '-%') AND id IS NOT $2",
    )
    .bind(&base)
    .bind(except)
    .fetch_all(connection)
    .await?;
    Ok(free_slug(&base, &taken))
}

pub(in crate::catalog::store) async fn create_category(
    db: &EmbeddedDatabase,
    name: &str,
    parent: Option<Uuid>,
) -> Result<Category> {
    let mut tx = db.writer.begin().await?;
    if let Some(parent) = parent {
        ensure_parent_exists(&mut tx, parent).await?;
    }
    let slug = unused_slug(&mut tx, name, None).await?;
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

pub(in crate::catalog::store) async fn update_category(
    db: &EmbeddedDatabase,
    id: Uuid,
    patch: &CategoryPatch,
) -> Result<Category> {
    let mut tx = db.writer.begin().await?;
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
        Some(name) => Some(unused_slug(&mut tx, name, Some(id)).await?),
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

pub(in crate::catalog::store) async fn delete_category(
    db: &EmbeddedDatabase,
    id: Uuid,
) -> Result<()> {
    let mut tx = db.writer.begin().await?;
    ensure_exists(&mut tx, id).await?;
    let (children, products): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM categories WHERE parent_id = $1),
                EXISTS (SELECT 1 FROM products WHERE category_id = $1)",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if children || products {
        return Err(still_in_use());
    }
    let deleted = sqlx::query("DELETE FROM categories WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await;
    match deleted {
        // A product created concurrently still wins: the foreign key refuses the delete.
        Err(error) if violates(&error, ErrorKind::ForeignKeyViolation) => Err(still_in_use()),
        Err(error) => Err(error.into()),
        Ok(_) => {
            tx.commit().await?;
            Ok(())
        }
    }
}

async fn exists(connection: &mut SqliteConnection, id: Uuid) -> Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM categories WHERE id = $1)")
            .bind(id)
            .fetch_one(connection)
            .await?,
    )
}

async fn ensure_exists(connection: &mut SqliteConnection, id: Uuid) -> Result<()> {
    if exists(connection, id).await? {
        Ok(())
    } else {
        Err(CatalogError::NotFound("category"))
    }
}

/// A parent named in a request body that does not exist is a bad field, not a missing resource.
async fn ensure_parent_exists(connection: &mut SqliteConnection, id: Uuid) -> Result<()> {
    if exists(connection, id).await? {
        Ok(())
    } else {
        Err(CatalogError::invalid("parent_id", "no such category"))
    }
}
