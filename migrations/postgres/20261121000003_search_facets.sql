-- Facets of a category page are counted from this index alone (an index-only scan), not from the
-- wide product rows.
CREATE INDEX products_published_facets_idx ON products (category_id) INCLUDE (brand, price_cents)
    WHERE status = 'published';
