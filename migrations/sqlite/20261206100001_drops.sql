-- Flash-sale terms of a product: the window it sells in (the server's clock decides), its price
-- there, whether buyers queue in a waiting room first, and a per-order limit.
ALTER TABLE products ADD COLUMN sale_starts_at TEXT;
ALTER TABLE products ADD COLUMN sale_ends_at TEXT
    CHECK (sale_ends_at IS NULL OR sale_starts_at IS NULL OR sale_ends_at > sale_starts_at);
ALTER TABLE products ADD COLUMN sale_price_cents INTEGER CHECK (sale_price_cents > 0);
ALTER TABLE products ADD COLUMN waiting_room INTEGER NOT NULL DEFAULT 0 CHECK (waiting_room IN (0, 1));
ALTER TABLE products ADD COLUMN max_per_order INTEGER CHECK (max_per_order > 0);

-- The products the sale clock and the waiting rooms look at: few, whatever the catalog's size.
CREATE INDEX products_drops_idx ON products (id)
    WHERE sale_starts_at IS NOT NULL OR sale_ends_at IS NOT NULL OR waiting_room;

-- A product's waiting room, made on its first arrival. Places are handed out in order: arrivals
-- before the sale starts have none until the draw at the start (`opened`) gives them places
-- 1..early in a random order; later arrivals get the next place. A buyer is admitted once
-- `admitted_through` reaches their place. The gatekeeper that admits holds the room's lease.
CREATE TABLE waiting_rooms (
    product_id       BLOB    PRIMARY KEY REFERENCES products (id),
    opened           INTEGER NOT NULL DEFAULT 0 CHECK (opened IN (0, 1)),
    places           INTEGER NOT NULL DEFAULT 0 CHECK (places >= 0),
    admitted_through INTEGER NOT NULL DEFAULT 0
                             CHECK (admitted_through >= 0 AND admitted_through <= places),
    admit_rate       REAL    NOT NULL DEFAULT 0,
    lease_owner      BLOB,
    lease_until      TEXT
) STRICT;

CREATE TABLE queue_entries (
    product_id      BLOB    NOT NULL REFERENCES waiting_rooms (product_id),
    user_id         BLOB    NOT NULL REFERENCES users (id),
    place           INTEGER CHECK (place > 0),
    joined_at       TEXT    NOT NULL,
    client_address  TEXT    NOT NULL,
    admitted_at     TEXT,
    admitted_until  TEXT,
    -- A checkout with this admission is under way since then (a claim older than a minute is
    -- taken for abandoned).
    checkout_started_at TEXT,
    order_id        BLOB    REFERENCES orders (id),
    PRIMARY KEY (product_id, user_id),
    CHECK ((admitted_at IS NULL) = (admitted_until IS NULL))
) STRICT;
CREATE UNIQUE INDEX queue_entries_place_idx ON queue_entries (product_id, place);
CREATE INDEX queue_entries_admitted_idx ON queue_entries (product_id, admitted_until)
    WHERE order_id IS NULL AND admitted_until IS NOT NULL;

-- Back-in-stock subscriptions, told in the order they were made.
CREATE TABLE waitlist_entries (
    product_id    BLOB NOT NULL REFERENCES products (id),
    user_id       BLOB NOT NULL REFERENCES users (id),
    subscribed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (product_id, user_id)
) STRICT;
CREATE INDEX waitlist_entries_order_idx ON waitlist_entries (product_id, subscribed_at, user_id);

-- Where checkouts came from, for the bot signals of a drop.
ALTER TABLE orders ADD COLUMN client_address TEXT;
