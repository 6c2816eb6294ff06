-- Catalog: categories, products with full-text search, inventory and its ledger, seller catalogs
-- and reviews.

CREATE TABLE categories (
    id         uuid        PRIMARY KEY,
    -- RESTRICT backs up the application's 409: a category with children cannot be deleted.
    parent_id  uuid        REFERENCES categories (id) ON DELETE RESTRICT,
    name       text        NOT NULL,
    slug       text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX categories_parent_idx ON categories (parent_id);

CREATE TABLE products (
    id               uuid        PRIMARY KEY,
    seller_id        uuid        NOT NULL REFERENCES users (id),
    sku              text        NOT NULL,
    name             text        NOT NULL,
    description      text        NOT NULL DEFAULT '',
    brand            text,
    category_id      uuid        NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
    price_cents      bigint      NOT NULL CHECK (price_cents > 0),
    currency         text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    images           jsonb       NOT NULL DEFAULT '[]',
    attributes       jsonb       NOT NULL DEFAULT '{}',
    status           text        NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    max_per_customer integer     CHECK (max_per_customer > 0),
    -- Kept exact under concurrent reviews by atomic increments in the review's transaction.
    rating_sum       bigint      NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
    rating_count     integer     NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    rating_avg       numeric(3, 2) GENERATED ALWAYS AS (
        CASE WHEN rating_count = 0 THEN NULL
             ELSE round(rating_sum::numeric / rating_count, 2) END) STORED,
    -- Name weighs most, then brand, then description; English stemming and case folding.
    search           tsvector    GENERATED ALWAYS AS (
        setweight(to_tsvector('english', name), 'A') ||
        setweight(to_tsvector('english', coalesce(brand, '')), 'B') ||
        setweight(to_tsvector('english', description), 'C')) STORED,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (seller_id, sku)
);
CREATE INDEX products_search_idx ON products USING GIN (search);
-- Search only ever shows published products: partial indexes keep the others out of the way.
CREATE INDEX products_published_created_idx ON products (created_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX products_published_price_idx ON products (price_cents, id) WHERE status = 'published';
CREATE INDEX products_published_category_idx ON products (category_id, price_cents) WHERE status = 'published';
CREATE INDEX products_published_brand_idx ON products (lower(brand)) WHERE status = 'published';
CREATE INDEX products_published_rating_idx ON products (rating_avg DESC NULLS LAST, id) WHERE status = 'published';
CREATE INDEX products_seller_idx ON products (seller_id, created_at DESC);

CREATE TABLE inventory (
    product_id          uuid        PRIMARY KEY REFERENCES products (id),
    on_hand             bigint      NOT NULL,
    reserved            bigint      NOT NULL DEFAULT 0,
    available           bigint      GENERATED ALWAYS AS (on_hand - reserved) STORED,
    low_stock_threshold integer     NOT NULL DEFAULT 0 CHECK (low_stock_threshold >= 0),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    -- The last line of defence against overselling.
    CHECK (0 <= reserved AND reserved <= on_hand)
);
CREATE INDEX inventory_in_stock_idx ON inventory (product_id) WHERE on_hand > reserved;

-- Append-only: every change of on_hand is a row, so on_hand == sum(delta) can always be checked.
CREATE TABLE inventory_movements (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id uuid        NOT NULL REFERENCES products (id),
    delta      bigint      NOT NULL CHECK (delta <> 0),
    reason     text        NOT NULL CHECK (reason IN ('initial', 'restock', 'correction', 'damage', 'import', 'sale', 'return')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inventory_movements_product_idx ON inventory_movements (product_id, id);

CREATE TABLE catalogs (
    id          uuid        PRIMARY KEY,
    seller_id   uuid        NOT NULL REFERENCES users (id),
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (seller_id, name)
);
CREATE INDEX catalogs_created_idx ON catalogs (created_at DESC, id DESC);

CREATE TABLE catalog_products (
    catalog_id uuid        NOT NULL REFERENCES catalogs (id) ON DELETE CASCADE,
    product_id uuid        NOT NULL REFERENCES products (id),
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (catalog_id, product_id)
);
CREATE INDEX catalog_products_product_idx ON catalog_products (product_id);

CREATE TABLE reviews (
    id                uuid        PRIMARY KEY,
    product_id        uuid        NOT NULL REFERENCES products (id),
    user_id           uuid        NOT NULL REFERENCES users (id),
    rating            smallint    NOT NULL CHECK (rating BETWEEN 1 AND 5),
    title             text        NOT NULL,
    body              text        NOT NULL,
    verified_purchase boolean     NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product_id, user_id)
);
CREATE INDEX reviews_product_created_idx ON reviews (product_id, created_at DESC, id DESC);
