//! The address book: a user's saved addresses, exactly one of which is the default.
//!
//! Every change runs in a transaction that first locks the owner's user row, so concurrent
//! changes to one address book are serialized and the "exactly one default" rule holds (the
//! partial unique index backs it up). Queries always filter by owner: another user's address is
//! simply not found.

use super::AccountError;
use crate::domain::{AddressInput, AddressPatch, Page, Paged, Phone};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use utoipa::ToSchema;
use uuid::Uuid;

/// How many addresses one user may keep.
const MAX_ADDRESSES: i64 = 50;

/// A saved address.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Address {
    pub id: Uuid,
    pub label: Option<String>,
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: String,
    pub country: String,
    pub phone: Option<String>,
    pub is_default: bool,
}

pub async fn list_addresses(
    pool: &PgPool,
    user: Uuid,
    page: Page,
) -> Result<Paged<Address>, AccountError> {
    let items: Vec<Address> = sqlx::query_as(
        "SELECT id, label, name, line1, line2, city, region, postal_code, country, phone, is_default
         FROM addresses WHERE user_id = $1
         ORDER BY is_default DESC, created_at, id LIMIT $2 OFFSET $3",
    )
    .bind(user)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM addresses WHERE user_id = $1")
        .bind(user)
        .fetch_one(pool)
        .await?;
    Ok(Paged::new(items, page, total))
}

/// Adds an address; the first one, or one asked to be, becomes the default.
#[tracing::instrument(skip_all, fields(user = %user))]
pub async fn create_address(
    pool: &PgPool,
    user: Uuid,
    address: &AddressInput,
    make_default: bool,
) -> Result<Address, AccountError> {
    let mut tx = pool.begin().await?;
    let count = lock_book(&mut tx, user).await?;
    if count >= MAX_ADDRESSES {
        return Err(AccountError::Conflict(
            "the address book is full (50 addresses)",
        ));
    }
    let make_default = make_default || count == 0;
    if make_default {
        clear_default(&mut tx, user).await?;
    }
    let created: Address = sqlx::query_as(
        "INSERT INTO addresses
             (id, user_id, label, name, line1, line2, city, region, postal_code, country, phone,
              is_default)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         RETURNING id, label, name, line1, line2, city, region, postal_code, country, phone,
                   is_default",
    )
    .bind(Uuid::now_v7())
    .bind(user)
    .bind(&address.label)
    .bind(&address.name)
    .bind(&address.line1)
    .bind(&address.line2)
    .bind(&address.city)
    .bind(&address.region)
    .bind(&address.postal_code)
    .bind(address.country.as_str())
    .bind(address.phone.as_ref().map(Phone::as_str))
    .bind(make_default)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// Changes an address of `user`; `make_default` moves the default to it.
#[tracing::instrument(skip_all, fields(user = %user, address = %id))]
pub async fn update_address(
    pool: &PgPool,
    user: Uuid,
    id: Uuid,
    patch: &AddressPatch,
) -> Result<Address, AccountError> {
    let mut tx = pool.begin().await?;
    lock_book(&mut tx, user).await?;
    if patch.make_default {
        clear_default(&mut tx, user).await?;
    }
    let updated: Option<Address> = sqlx::query_as(
        "UPDATE addresses SET
             label = CASE WHEN $3 THEN $4 ELSE label END,
             name = COALESCE($5, name),
             line1 = COALESCE($6, line1),
             line2 = CASE WHEN $7 THEN $8 ELSE line2 END,
             city = COALESCE($9, city),
             region = CASE WHEN $10 THEN $11 ELSE region END,
             postal_code = COALESCE($12, postal_code),
             country = COALESCE($13, country),
             phone = CASE WHEN $14 THEN $15 ELSE phone END,
             is_default = is_default OR $16
         WHERE id = $1 AND user_id = $2
         RETURNING id, label, name, line1, line2, city, region, postal_code, country, phone,
                   is_default",
    )
    .bind(id)
    .bind(user)
    .bind(patch.label.is_some())
    .bind(patch.label.clone().flatten())
    .bind(&patch.name)
    .bind(&patch.line1)
    .bind(patch.line2.is_some())
    .bind(patch.line2.clone().flatten())
    .bind(&patch.city)
    .bind(patch.region.is_some())
    .bind(patch.region.clone().flatten())
    .bind(&patch.postal_code)
    .bind(patch.country.as_ref().map(|c| c.as_str().to_owned()))
    .bind(patch.phone.is_some())
    .bind(
        patch
            .phone
            .as_ref()
            .and_then(|p| p.as_ref().map(|p| p.as_str().to_owned())),
    )
    .bind(patch.make_default)
    .fetch_optional(&mut *tx)
    .await?;
    // Not found rolls back, which also restores a default cleared above.
    let updated = updated.ok_or(AccountError::NotFound("address"))?;
    tx.commit().await?;
    Ok(updated)
}

/// Removes an address of `user`; if it was the default, the oldest remaining one takes over.
#[tracing::instrument(skip_all, fields(user = %user, address = %id))]
pub async fn delete_address(pool: &PgPool, user: Uuid, id: Uuid) -> Result<(), AccountError> {
    let mut tx = pool.begin().await?;
    lock_book(&mut tx, user).await?;
    let was_default: Option<bool> = sqlx::query_scalar(
        "DELETE FROM addresses WHERE id = $1 AND user_id = $2 RETURNING is_default",
    )
    .bind(id)
    .bind(user)
    .fetch_optional(&mut *tx)
    .await?;
    match was_default {
        None => return Err(AccountError::NotFound("address")),
        Some(true) => {
            sqlx::query(
                "UPDATE addresses SET is_default = true WHERE id = (
                     SELECT id FROM addresses WHERE user_id = $1 ORDER BY created_at, id LIMIT 1)",
            )
            .bind(user)
            .execute(&mut *tx)
            .await?;
        }
        Some(false) => {}
    }
    tx.commit().await?;
    Ok(())
}

/// Locks `user`'s row (serializing changes to their address book); returns their address count.
async fn lock_book(connection: &mut PgConnection, user: Uuid) -> Result<i64, AccountError> {
    let locked: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM users WHERE id = $1 AND deleted_at IS NULL FOR UPDATE")
            .bind(user)
            .fetch_optional(&mut *connection)
            .await?;
    locked.ok_or(AccountError::NotFound("user"))?;
    let count = sqlx::query_scalar("SELECT count(*) FROM addresses WHERE user_id = $1")
        .bind(user)
        .fetch_one(connection)
        .await?;
    Ok(count)
}

async fn clear_default(connection: &mut PgConnection, user: Uuid) -> Result<(), AccountError> {
    sqlx::query("UPDATE addresses SET is_default = false WHERE user_id = $1 AND is_default")
        .bind(user)
        .execute(connection)
        .await?;
    Ok(())
}
