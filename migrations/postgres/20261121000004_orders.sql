-- Orders, their lines, stock holds, the event timeline, payments, refunds and idempotency records.

CREATE TABLE orders (
    id               uuid        PRIMARY KEY,
    user_id          uuid        NOT NULL REFERENCES users (id),
    status           text        NOT NULL CHECK (status IN ('pending_payment', 'paid', 'processing',
                         'shipped', 'out_for_delivery', 'delivered', 'cancelled', 'expired',
                         'refunded', 'partially_refunded')),
    currency         text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    subtotal_cents   bigint      NOT NULL CHECK (subtotal_cents >= 0),
    discount_cents   bigint      NOT NULL DEFAULT 0 CHECK (discount_cents >= 0),
    shipping_cents   bigint      NOT NULL DEFAULT 0 CHECK (shipping_cents >= 0),
    total_cents      bigint      NOT NULL CHECK (total_cents >= 0),
    shipping_address jsonb       NOT NULL,
    shipping_method  text        NOT NULL,
    payment_due_at   timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, id DESC);
CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC);
CREATE INDEX orders_pending_due_idx ON orders (payment_due_at) WHERE status = 'pending_payment';

CREATE TABLE order_items (
    order_id         uuid    NOT NULL REFERENCES orders (id),
    product_id       uuid    NOT NULL REFERENCES products (id),
    seller_id        uuid    NOT NULL REFERENCES users (id),
    sku              text    NOT NULL,
    name             text    NOT NULL,
    unit_price_cents bigint  NOT NULL CHECK (unit_price_cents > 0),
    qty              bigint  NOT NULL CHECK (qty > 0),
    line_total_cents bigint  NOT NULL CHECK (line_total_cents > 0),
    PRIMARY KEY (order_id, product_id)
);
CREATE INDEX order_items_product_idx ON order_items (product_id);
CREATE INDEX order_items_seller_idx ON order_items (seller_id, order_id);

-- A unit of stock held for an order: `held` counts in inventory.reserved; `committed` left
-- on_hand when the order was paid; `released` went back to the shelf.
CREATE TABLE holds (
    id         uuid        PRIMARY KEY,
    order_id   uuid        NOT NULL REFERENCES orders (id),
    product_id uuid        NOT NULL REFERENCES products (id),
    qty        bigint      NOT NULL CHECK (qty > 0),
    expires_at timestamptz NOT NULL,
    state      text        NOT NULL CHECK (state IN ('held', 'committed', 'released')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX holds_held_product_idx ON holds (product_id, expires_at) WHERE state = 'held';
CREATE INDEX holds_held_expiry_idx ON holds (expires_at) WHERE state = 'held';
CREATE INDEX holds_order_idx ON holds (order_id);

CREATE TABLE order_events (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id   uuid        NOT NULL REFERENCES orders (id),
    status     text        NOT NULL,
    actor_id   uuid,
    note       text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_events_order_idx ON order_events (order_id, id);

CREATE TABLE payments (
    id           uuid        PRIMARY KEY,
    order_id     uuid        NOT NULL REFERENCES orders (id),
    amount_cents bigint      NOT NULL CHECK (amount_cents >= 0),
    currency     text        NOT NULL,
    method       text        NOT NULL CHECK (method IN ('card', 'wallet')),
    status       text        NOT NULL CHECK (status IN ('succeeded', 'declined', 'refunded')),
    gateway_ref  text,
    card_brand   text,
    card_last4   text,
    decline_code text,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_order_idx ON payments (order_id, created_at);

CREATE TABLE refunds (
    id           uuid        PRIMARY KEY,
    order_id     uuid        NOT NULL REFERENCES orders (id),
    payment_id   uuid        REFERENCES payments (id),
    amount_cents bigint      NOT NULL CHECK (amount_cents > 0),
    reason       text        NOT NULL,
    restocked    boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_order_idx ON refunds (order_id, created_at);

-- The first answer to a request made with an Idempotency-Key, per user and route.
CREATE TABLE idempotency_keys (
    user_id      uuid        NOT NULL REFERENCES users (id),
    scope        text        NOT NULL,
    key          text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash bytea       NOT NULL,
    status_code  integer     NOT NULL,
    response     jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, scope, key)
);

ALTER TABLE inventory_movements ADD COLUMN order_id uuid REFERENCES orders (id);
