-- A search page is chosen from index entries alone and only its own rows are then read: within
-- categories, the newest first and by price (the price index also serves the facets: brand,
-- category and price without reading a row).
DROP INDEX products_published_category_idx;
CREATE INDEX products_published_category_idx ON products (category_id, price_cents, id, brand) WHERE status = 'published';
CREATE INDEX products_published_category_created_idx ON products (category_id, created_at DESC, id DESC) WHERE status = 'published';
-- Dropping an index drops its statistics: give the planner the new indexes' own.
ANALYZE products;
