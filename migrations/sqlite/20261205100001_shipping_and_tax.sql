-- Shipping methods come from configuration (any id), orders carry their tax, and each line its
-- share of the discount and its tax, so that what a seller's lines were charged is exact.
--
-- SQLite cannot change a CHECK constraint in place: the orders table is rebuilt under the same
-- name. Foreign keys stay on; their checks wait for the commit (`defer_foreign_keys`), when
-- every child row finds its order again in the rebuilt table.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE orders_rebuilt (
    id               BLOB    PRIMARY KEY,
    user_id          BLOB    NOT NULL REFERENCES users (id),
    status           TEXT    NOT NULL CHECK (status IN ('pending_payment', 'paid', 'processing',
                         'shipped', 'out_for_delivery', 'delivered', 'cancelled', 'expired',
                         'refunded', 'partially_refunded')),
    currency         TEXT    NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
    subtotal_cents   INTEGER NOT NULL CHECK (subtotal_cents >= 0),
    discount_cents   INTEGER NOT NULL DEFAULT 0 CHECK (discount_cents >= 0),
    shipping_cents   INTEGER NOT NULL DEFAULT 0 CHECK (shipping_cents >= 0),
    tax_cents        INTEGER NOT NULL DEFAULT 0 CHECK (tax_cents >= 0),
    total_cents      INTEGER NOT NULL CHECK (total_cents >= 0),
    shipping_address TEXT    NOT NULL CHECK (json_valid(shipping_address)),
    shipping_method  TEXT    NOT NULL CHECK (length(shipping_method) BETWEEN 1 AND 64
                         AND shipping_method NOT GLOB '*[^a-z0-9_-]*'),
    payment_due_at   TEXT    NOT NULL,
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (total_cents = subtotal_cents - discount_cents + shipping_cents + tax_cents)
) STRICT;

INSERT INTO orders_rebuilt (id, user_id, status, currency, subtotal_cents, discount_cents,
    shipping_cents, tax_cents, total_cents, shipping_address, shipping_method, payment_due_at,
    created_at, updated_at)
SELECT id, user_id, status, currency, subtotal_cents, discount_cents, shipping_cents, 0,
    total_cents, shipping_address, shipping_method, payment_due_at, created_at, updated_at
FROM orders;

DROP TABLE orders;
ALTER TABLE orders_rebuilt RENAME TO orders;

CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, id DESC);
CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC);

CREATE TRIGGER orders_unpaid_placed AFTER INSERT ON orders
WHEN new.status = 'pending_payment'
BEGIN
    INSERT INTO unpaid_orders (user_id, order_id) VALUES (new.user_id, new.id);
END;

CREATE TRIGGER orders_unpaid_settled AFTER UPDATE OF status ON orders
WHEN old.status = 'pending_payment' AND new.status <> 'pending_payment'
BEGIN
    DELETE FROM unpaid_orders WHERE user_id = old.user_id AND order_id = old.id;
END;

CREATE TRIGGER orders_unpaid_reopened AFTER UPDATE OF status ON orders
WHEN new.status = 'pending_payment' AND old.status <> 'pending_payment'
BEGIN
    INSERT OR IGNORE INTO unpaid_orders (user_id, order_id) VALUES (new.user_id, new.id);
END;

ALTER TABLE order_items ADD COLUMN discount_cents INTEGER NOT NULL DEFAULT 0
    CHECK (discount_cents >= 0 AND discount_cents <= line_total_cents);
ALTER TABLE order_items ADD COLUMN tax_cents INTEGER NOT NULL DEFAULT 0 CHECK (tax_cents >= 0);
