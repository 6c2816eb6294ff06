-- The embedded backend's schema: the PostgreSQL schema as it stands after its migrations up to
-- 2026-12-02, for SQLite. Written for one process (a lock file refuses a second), so none of the
-- expand steps of rolling deploys.
--
-- Conventions: ids are UUID BLOBs (16 bytes); times are TEXT in one fixed-width UTC form,
-- 'YYYY-MM-DDTHH:MM:SS.fffZ' (milliseconds, as SQLite's strftime gives them), so that they compare as text in time order (the application
-- binds them in that form; defaults produce it); money is INTEGER minor units; JSON is TEXT.
-- STRICT tables refuse a value of the wrong type, as PostgreSQL would.

CREATE TABLE users (
    id                 BLOB    PRIMARY KEY,
    email              TEXT    NOT NULL,
    password_hash      TEXT    NOT NULL,
    name               TEXT    NOT NULL,
    phone              TEXT,
    role               TEXT    NOT NULL CHECK (role IN ('customer', 'seller', 'courier', 'admin')),
    status             TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'disabled')),
    tokens_valid_after TEXT,
    created_at         TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at         TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    deleted_at         TEXT
) STRICT;
CREATE UNIQUE INDEX users_email_live_key ON users (email) WHERE deleted_at IS NULL;
CREATE INDEX users_created_at_idx ON users (created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX users_role_created_at_idx ON users (role, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX users_tokens_valid_after_idx ON users (tokens_valid_after) WHERE tokens_valid_after IS NOT NULL;

CREATE TABLE account_tokens (
    token_hash BLOB PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('activation', 'password_reset')),
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);

CREATE TABLE refresh_families (
    id         BLOB PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    revoked_at TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX refresh_families_user_idx ON refresh_families (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    token_hash BLOB PRIMARY KEY,
    family_id  BLOB NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL,
    rotated_at TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

CREATE TABLE outbox (
    id         BLOB PRIMARY KEY,
    to_email   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX outbox_created_at_idx ON outbox (created_at DESC, id DESC);
CREATE INDEX outbox_to_created_at_idx ON outbox (to_email, created_at DESC, id DESC);

CREATE TABLE addresses (
    id          BLOB    PRIMARY KEY,
    user_id     BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label       TEXT,
    name        TEXT    NOT NULL,
    line1       TEXT    NOT NULL,
    line2       TEXT,
    city        TEXT    NOT NULL,
    region      TEXT,
    postal_code TEXT    NOT NULL,
    country     TEXT    NOT NULL CHECK (length(country) = 2 AND country GLOB '[A-Z][A-Z]'),
    phone       TEXT,
    is_default  INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX addresses_user_idx ON addresses (user_id, created_at);
CREATE UNIQUE INDEX addresses_one_default_per_user ON addresses (user_id) WHERE is_default;

CREATE TABLE categories (
    id         BLOB PRIMARY KEY,
    parent_id  BLOB REFERENCES categories (id) ON DELETE RESTRICT,
    name       TEXT NOT NULL,
    slug       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (parent_id IS NOT id)
) STRICT;
CREATE INDEX categories_parent_idx ON categories (parent_id);

-- An ordinary rowid table: the full-text index below refers to its products by rowid.
CREATE TABLE products (
    id               BLOB    NOT NULL UNIQUE,
    seller_id        BLOB    NOT NULL REFERENCES users (id),
    sku              TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    description      TEXT    NOT NULL DEFAULT '',
    brand            TEXT,
    category_id      BLOB    NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
    price_cents      INTEGER NOT NULL CHECK (price_cents > 0),
    currency         TEXT    NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
    images           TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(images)),
    attributes       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)),
    status           TEXT    NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    max_per_customer INTEGER CHECK (max_per_customer > 0),
    rating_sum       INTEGER NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
    rating_count     INTEGER NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    rating_avg       REAL GENERATED ALWAYS AS (
        CASE WHEN rating_count = 0 THEN NULL
             ELSE round(CAST(rating_sum AS REAL) / rating_count, 2) END) STORED,
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (seller_id, sku)
) STRICT;
CREATE INDEX products_published_created_idx ON products (created_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX products_published_price_idx ON products (price_cents, id) WHERE status = 'published';
CREATE INDEX products_published_category_idx ON products (category_id, price_cents, brand) WHERE status = 'published';
CREATE INDEX products_published_brand_idx ON products (lower(brand)) WHERE status = 'published';
CREATE INDEX products_published_rating_idx ON products (rating_avg DESC, id) WHERE status = 'published';
CREATE INDEX products_seller_idx ON products (seller_id, created_at DESC);

-- Full-text search: English stemming (porter) over case-folded words; ranked with bm25 weights
-- that put name above brand above description. Kept in step with products by triggers.
CREATE VIRTUAL TABLE products_fts USING fts5 (
    name, brand, description,
    content = 'products', content_rowid = 'rowid',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
    INSERT INTO products_fts (rowid, name, brand, description)
    VALUES (new.rowid, new.name, coalesce(new.brand, ''), new.description);
END;
CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
    INSERT INTO products_fts (products_fts, rowid, name, brand, description)
    VALUES ('delete', old.rowid, old.name, coalesce(old.brand, ''), old.description);
END;
CREATE TRIGGER products_fts_update AFTER UPDATE OF name, brand, description ON products BEGIN
    INSERT INTO products_fts (products_fts, rowid, name, brand, description)
    VALUES ('delete', old.rowid, old.name, coalesce(old.brand, ''), old.description);
    INSERT INTO products_fts (rowid, name, brand, description)
    VALUES (new.rowid, new.name, coalesce(new.brand, ''), new.description);
END;

CREATE TABLE inventory (
    product_id          BLOB    PRIMARY KEY REFERENCES products (id),
    on_hand             INTEGER NOT NULL,
    reserved            INTEGER NOT NULL DEFAULT 0,
    available           INTEGER GENERATED ALWAYS AS (on_hand - reserved) STORED,
    low_stock_threshold INTEGER NOT NULL DEFAULT 0 CHECK (low_stock_threshold >= 0),
    updated_at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- The last line of defence against overselling.
    CHECK (0 <= reserved AND reserved <= on_hand)
) STRICT;

-- Append-only: every change of on_hand is a row, so on_hand == sum(delta) can always be checked.
-- A batch's sales of one product are one row naming their orders (a JSON array of ids).
CREATE TABLE inventory_movements (
    id         INTEGER PRIMARY KEY,
    product_id BLOB    NOT NULL REFERENCES products (id),
    delta      INTEGER NOT NULL CHECK (delta <> 0),
    reason     TEXT    NOT NULL CHECK (reason IN ('initial', 'restock', 'correction', 'damage', 'import', 'sale', 'return')),
    order_ids  TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(order_ids)),
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX inventory_movements_product_idx ON inventory_movements (product_id, id);

CREATE TABLE catalogs (
    id          BLOB PRIMARY KEY,
    seller_id   BLOB NOT NULL REFERENCES users (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (seller_id, name)
) STRICT;
CREATE INDEX catalogs_created_idx ON catalogs (created_at DESC, id DESC);

CREATE TABLE catalog_products (
    catalog_id BLOB NOT NULL REFERENCES catalogs (id) ON DELETE CASCADE,
    product_id BLOB NOT NULL REFERENCES products (id),
    added_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (catalog_id, product_id)
) STRICT;
CREATE INDEX catalog_products_product_idx ON catalog_products (product_id);

CREATE TABLE reviews (
    id                BLOB    PRIMARY KEY,
    product_id        BLOB    NOT NULL REFERENCES products (id),
    user_id           BLOB    NOT NULL REFERENCES users (id),
    rating            INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    title             TEXT    NOT NULL,
    body              TEXT    NOT NULL,
    verified_purchase INTEGER NOT NULL DEFAULT 0 CHECK (verified_purchase IN (0, 1)),
    created_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (product_id, user_id)
) STRICT;
CREATE INDEX reviews_product_created_idx ON reviews (product_id, created_at DESC, id DESC);

CREATE TABLE orders (
    id               BLOB    PRIMARY KEY,
    user_id          BLOB    NOT NULL REFERENCES users (id),
    status           TEXT    NOT NULL CHECK (status IN ('pending_payment', 'paid', 'processing',
                         'shipped', 'out_for_delivery', 'delivered', 'cancelled', 'expired',
                         'refunded', 'partially_refunded')),
    currency         TEXT    NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
    subtotal_cents   INTEGER NOT NULL CHECK (subtotal_cents >= 0),
    discount_cents   INTEGER NOT NULL DEFAULT 0 CHECK (discount_cents >= 0),
    shipping_cents   INTEGER NOT NULL DEFAULT 0 CHECK (shipping_cents >= 0),
    total_cents      INTEGER NOT NULL CHECK (total_cents >= 0),
    shipping_address TEXT    NOT NULL CHECK (json_valid(shipping_address)),
    shipping_method  TEXT    NOT NULL CHECK (shipping_method IN ('standard', 'express')),
    payment_due_at   TEXT    NOT NULL,
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, id DESC);
CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC);

CREATE TABLE order_items (
    order_id         BLOB    NOT NULL REFERENCES orders (id),
    product_id       BLOB    NOT NULL REFERENCES products (id),
    seller_id        BLOB    NOT NULL REFERENCES users (id),
    sku              TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents > 0),
    qty              INTEGER NOT NULL CHECK (qty > 0),
    line_total_cents INTEGER NOT NULL CHECK (line_total_cents > 0),
    PRIMARY KEY (order_id, product_id)
) STRICT;
CREATE INDEX order_items_product_idx ON order_items (product_id);
CREATE INDEX order_items_seller_idx ON order_items (seller_id, order_id);

CREATE TABLE holds (
    id         BLOB    PRIMARY KEY,
    order_id   BLOB    NOT NULL REFERENCES orders (id),
    product_id BLOB    NOT NULL REFERENCES products (id),
    qty        INTEGER NOT NULL CHECK (qty > 0),
    expires_at TEXT    NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('held', 'committed', 'released')),
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX holds_held_product_idx ON holds (product_id, expires_at) WHERE state = 'held';
CREATE INDEX holds_held_expiry_idx ON holds (expires_at) WHERE state = 'held';
CREATE INDEX holds_order_idx ON holds (order_id);

CREATE TABLE order_events (
    id         INTEGER PRIMARY KEY,
    order_id   BLOB    NOT NULL REFERENCES orders (id),
    status     TEXT    NOT NULL CHECK (status IN ('pending_payment', 'paid', 'processing',
                   'shipped', 'out_for_delivery', 'delivered', 'cancelled', 'expired',
                   'refunded', 'partially_refunded')),
    actor_id   BLOB,
    note       TEXT,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX order_events_order_idx ON order_events (order_id, id);

CREATE TABLE payments (
    id           BLOB    PRIMARY KEY,
    order_id     BLOB    NOT NULL REFERENCES orders (id),
    amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
    currency     TEXT    NOT NULL,
    method       TEXT    NOT NULL CHECK (method IN ('card', 'wallet')),
    status       TEXT    NOT NULL CHECK (status IN ('succeeded', 'declined', 'refunded')),
    gateway_ref  TEXT,
    card_brand   TEXT,
    card_last4   TEXT,
    decline_code TEXT    CHECK (decline_code IN ('card_declined', 'insufficient_funds')),
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX payments_order_idx ON payments (order_id, created_at);

CREATE TABLE refunds (
    id           BLOB    PRIMARY KEY,
    order_id     BLOB    NOT NULL REFERENCES orders (id),
    payment_id   BLOB    REFERENCES payments (id),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    reason       TEXT    NOT NULL,
    restocked    INTEGER NOT NULL DEFAULT 0 CHECK (restocked IN (0, 1)),
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX refunds_order_idx ON refunds (order_id, created_at);

-- The typed outcome of the first request made with an Idempotency-Key, per user and route.
CREATE TABLE idempotency_keys (
    user_id      BLOB NOT NULL REFERENCES users (id),
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash BLOB NOT NULL,
    outcome      TEXT NOT NULL CHECK (json_valid(outcome)),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (user_id, scope, key)
) STRICT;

CREATE TABLE notifications (
    id         BLOB PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    order_id   BLOB,
    product_id BLOB,
    read_at    TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC, id DESC);

CREATE TABLE carts (
    user_id    BLOB PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX carts_updated_idx ON carts (updated_at);

CREATE TABLE cart_lines (
    user_id    BLOB    NOT NULL REFERENCES carts (user_id) ON DELETE CASCADE,
    product_id BLOB    NOT NULL,
    qty        INTEGER NOT NULL CHECK (qty > 0),
    PRIMARY KEY (user_id, product_id)
) STRICT;

CREATE TABLE revoked_tokens (
    jti        BLOB    PRIMARY KEY,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX revoked_tokens_expiry_idx ON revoked_tokens (expires_at);
