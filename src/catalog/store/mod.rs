//! The catalog's storage: categories, products with their inventory rows, search, seller
//! catalogs, reviews, import and seeding.
//!
//! Each method is one atomic read or change; the statements of each backend live in its module
//! ([`postgres`]), reached through [`by_backend!`]. Ownership checks that must hold inside the
//! change's transaction take the viewer and run there.

mod facets;
mod postgres;
mod sqlite;

use super::catalogs::{CatalogInput, CatalogPatch, SellerCatalog};
use super::categories::{Category, CategoryPatch};
use super::import::{Row, Written};
use super::reviews::{Review, ReviewInput};
use super::search::{SearchQuery, SearchResults};
use super::seed::SeedProduct;
use super::{CatalogError, Product};
use crate::db::Database;
use crate::domain::Caller;
use crate::domain::{Page, Paged, ProductInput, ProductPatch, ProductStatus};
use bazaar_actors::by_backend;
use uuid::Uuid;

/// The catalog's tables.
#[derive(Clone)]
pub(crate) struct CatalogStore {
    db: Database,
}

type Result<T> = std::result::Result<T, CatalogError>;

impl CatalogStore {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    /// Every category, ordered by name.
    pub(crate) async fn categories(&self) -> Result<Vec<Category>> {
        by_backend!(pool &self.db => categories())
    }

    pub(crate) async fn category_ids(&self) -> Result<Vec<Uuid>> {
        by_backend!(pool &self.db => category_ids())
    }

    /// The category whose id or slug is `reference` and all its descendants; empty if there is
    /// no such category.
    pub(crate) async fn category_subtree(&self, reference: &str) -> Result<Vec<Uuid>> {
        by_backend!(pool &self.db => category_subtree(reference))
    }

    pub(crate) async fn create_category(
        &self,
        name: &str,
        parent: Option<Uuid>,
    ) -> Result<Category> {
        by_backend!(pool &self.db => create_category(name, parent))
    }

    pub(crate) async fn update_category(
        &self,
        id: Uuid,
        patch: &CategoryPatch,
    ) -> Result<Category> {
        by_backend!(pool &self.db => update_category(id, patch))
    }

    pub(crate) async fn delete_category(&self, id: Uuid) -> Result<()> {
        by_backend!(pool &self.db => delete_category(id))
    }

    /// Product `id` with its stock as last written, whatever its status.
    pub(crate) async fn product(&self, id: Uuid) -> Result<Option<Product>> {
        by_backend!(pool &self.db => product(id))
    }

    /// The seller and status of product `id`.
    pub(crate) async fn product_owner(&self, id: Uuid) -> Result<Option<(Uuid, ProductStatus)>> {
        by_backend!(pool &self.db => product_owner(id))
    }

    /// Creates a product with its inventory row and first ledger entry; its id.
    pub(crate) async fn create_product(&self, seller: Uuid, input: &ProductInput) -> Result<Uuid> {
        by_backend!(pool &self.db => create_product(seller, input))
    }

    /// Applies `patch` (not the stock threshold: that is the inventory actor's) if `viewer`
    /// manages the product.
    pub(crate) async fn update_product(
        &self,
        viewer: Caller,
        id: Uuid,
        patch: &ProductPatch,
    ) -> Result<()> {
        by_backend!(pool &self.db => update_product(viewer, id, patch))
    }

    pub(crate) async fn archive_product(&self, viewer: Caller, id: Uuid) -> Result<()> {
        by_backend!(pool &self.db => archive_product(viewer, id))
    }

    /// A page of `seller`'s products of every status (or of `status`), newest first.
    pub(crate) async fn seller_products(
        &self,
        seller: Uuid,
        status: Option<ProductStatus>,
        page: Page,
    ) -> Result<Paged<Product>> {
        by_backend!(pool &self.db => seller_products(seller, status, page))
    }

    /// A page of the published products matching `query` (within `categories`, if given), and
    /// the facets of all of them.
    pub(crate) async fn search(
        &self,
        query: &SearchQuery,
        categories: Option<&[Uuid]>,
    ) -> Result<SearchResults> {
        by_backend!(pool &self.db => search(query, categories))
    }

    pub(crate) async fn list_catalogs(
        &self,
        seller: Option<Uuid>,
        page: Page,
    ) -> Result<Paged<SellerCatalog>> {
        by_backend!(pool &self.db => list_catalogs(seller, page))
    }

    pub(crate) async fn find_catalog(&self, id: Uuid) -> Result<Option<SellerCatalog>> {
        by_backend!(pool &self.db => find_catalog(id))
    }

    /// A page of a catalog's products: the published ones, or `everything`.
    pub(crate) async fn catalog_products(
        &self,
        id: Uuid,
        everything: bool,
        page: Page,
    ) -> Result<Paged<Product>> {
        by_backend!(pool &self.db => catalog_products(id, everything, page))
    }

    pub(crate) async fn catalog_seller(&self, id: Uuid) -> Result<Option<Uuid>> {
        by_backend!(pool &self.db => catalog_seller(id))
    }

    pub(crate) async fn create_catalog(
        &self,
        seller: Uuid,
        input: &CatalogInput,
    ) -> Result<SellerCatalog> {
        by_backend!(pool &self.db => create_catalog(seller, input))
    }

    pub(crate) async fn update_catalog(
        &self,
        id: Uuid,
        patch: &CatalogPatch,
    ) -> Result<SellerCatalog> {
        by_backend!(pool &self.db => update_catalog(id, patch))
    }

    pub(crate) async fn delete_catalog(&self, id: Uuid) -> Result<()> {
        by_backend!(pool &self.db => delete_catalog(id))
    }

    pub(crate) async fn add_to_catalog(&self, id: Uuid, product: Uuid) -> Result<()> {
        by_backend!(pool &self.db => add_to_catalog(id, product))
    }

    /// Whether the product was in the catalog.
    pub(crate) async fn remove_from_catalog(&self, id: Uuid, product: Uuid) -> Result<bool> {
        by_backend!(pool &self.db => remove_from_catalog(id, product))
    }

    pub(crate) async fn reviews(&self, product: Uuid, page: Page) -> Result<Paged<Review>> {
        by_backend!(pool &self.db => reviews(product, page))
    }

    /// Writes a review (verified if the author bought the product) and adds it to the product's
    /// rating, in one transaction.
    pub(crate) async fn create_review(
        &self,
        author: Uuid,
        product: Uuid,
        input: &ReviewInput,
    ) -> Result<Review> {
        by_backend!(pool &self.db => create_review(author, product, input))
    }

    /// Deletes review `id` if `may_delete` allows its author, and takes it out of the product's
    /// rating; the product.
    pub(crate) async fn delete_review(
        &self,
        id: Uuid,
        may_delete: impl Fn(Uuid) -> bool,
    ) -> Result<Uuid> {
        by_backend!(pool &self.db => delete_review(id, may_delete))
    }

    /// Inserts or updates `rows` of `seller` by sku, creates the inventory of the new ones and
    /// puts all of them in `catalog`, in one transaction.
    pub(crate) async fn upsert_products(
        &self,
        seller: Uuid,
        catalog: Uuid,
        rows: &[Row],
    ) -> Result<Written> {
        by_backend!(pool &self.db => upsert_products(seller, catalog, rows))
    }

    /// The category of the seed tree named `name` (created if missing); its id.
    pub(crate) async fn seed_category(&self, name: &str, parent: Option<Uuid>) -> Result<Uuid> {
        by_backend!(pool &self.db => seed_category(name, parent))
    }

    /// The seed seller number `n` (created if missing); its id.
    pub(crate) async fn seed_seller(&self, n: usize, password_hash: &str) -> Result<Uuid> {
        by_backend!(pool &self.db => seed_seller(n, password_hash))
    }

    /// One published product with `stock` units, its own seller and category; its id.
    pub(crate) async fn seed_hot_product(&self, stock: i64) -> Result<Uuid> {
        by_backend!(pool &self.db => seed_hot_product(stock))
    }

    /// Inserts seed products (skipping skus that exist) with their inventory and ledger.
    pub(crate) async fn insert_seed_products(&self, products: &[SeedProduct]) -> Result<()> {
        by_backend!(pool &self.db => insert_seed_products(products))
    }

    /// Refreshes the planner's statistics after a bulk load.
    pub(crate) async fn analyze(&self) -> Result<()> {
        by_backend!(pool &self.db => analyze())
    }
}
