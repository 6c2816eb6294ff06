-- Flash-sale terms of a product: the window it sells in (the server's clock decides), its price
-- there, whether buyers queue in a waiting room first, and a per-order limit.
ALTER TABLE products
    ADD COLUMN sale_starts_at   timestamptz,
    ADD COLUMN sale_ends_at     timestamptz,
    ADD COLUMN sale_price_cents bigint CHECK (sale_price_cents > 0),
    ADD COLUMN waiting_room     boolean NOT NULL DEFAULT false,
    ADD COLUMN max_per_order    integer CHECK (max_per_order > 0),
    ADD CONSTRAINT products_sale_window CHECK (sale_ends_at > sale_starts_at);

-- The products the sale clock and the waiting rooms look at: few, whatever the catalog's size.
CREATE INDEX products_drops_idx ON products (id)
    WHERE sale_starts_at IS NOT NULL OR sale_ends_at IS NOT NULL OR waiting_room;

-- A product's waiting room, made on its first arrival. Places are handed out in order: arrivals
-- before the sale starts have none until the draw at the start (`opened`) gives them places
-- 1..early in a random order; later arrivals get the next place. A buyer is admitted once
-- `admitted_through` reaches their place. The gatekeeper that admits holds the room's lease.
CREATE TABLE waiting_rooms (
    product_id       uuid        PRIMARY KEY REFERENCES products (id),
    opened           boolean     NOT NULL DEFAULT false,
    places           bigint      NOT NULL DEFAULT 0 CHECK (places >= 0),
    admitted_through bigint      NOT NULL DEFAULT 0
                                 CHECK (admitted_through >= 0 AND admitted_through <= places),
    admit_rate       double precision NOT NULL DEFAULT 0,
    lease_owner      uuid,
    lease_until      timestamptz
);

CREATE TABLE queue_entries (
    product_id      uuid        NOT NULL REFERENCES waiting_rooms (product_id),
    user_id         uuid        NOT NULL REFERENCES users (id),
    place           bigint      CHECK (place > 0),
    joined_at       timestamptz NOT NULL,
    client_address  text        NOT NULL,
    admitted_at     timestamptz,
    admitted_until  timestamptz,
    -- A checkout with this admission is under way since then (a claim older than a minute is
    -- taken for abandoned).
    checkout_started_at timestamptz,
    order_id        uuid        REFERENCES orders (id),
    PRIMARY KEY (product_id, user_id),
    CHECK ((admitted_at IS NULL) = (admitted_until IS NULL))
);
CREATE UNIQUE INDEX queue_entries_place_idx ON queue_entries (product_id, place);
CREATE INDEX queue_entries_admitted_idx ON queue_entries (product_id, admitted_until)
    WHERE order_id IS NULL AND admitted_until IS NOT NULL;

-- Back-in-stock subscriptions, told in the order they were made.
CREATE TABLE waitlist_entries (
    product_id    uuid        NOT NULL REFERENCES products (id),
    user_id       uuid        NOT NULL REFERENCES users (id),
    subscribed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (product_id, user_id)
);
CREATE INDEX waitlist_entries_order_idx ON waitlist_entries (product_id, subscribed_at, user_id);

-- Where checkouts came from, for the bot signals of a drop.
ALTER TABLE orders ADD COLUMN client_address text;
