-- Refunds by sellers and admins, and returns. A refund is `pending` from the moment it is
-- reserved (it counts against what may still be refunded, so concurrent refunds cannot together
-- exceed what was paid) until the gateway answers: `succeeded` or `failed`. A seller's refund
-- names the seller, whose share bounds it. Units given back to stock are counted per line.

ALTER TABLE refunds
    ADD COLUMN seller_id uuid REFERENCES users (id),
    ADD COLUMN actor_id  uuid REFERENCES users (id),
    ADD COLUMN status    text NOT NULL DEFAULT 'succeeded'
        CHECK (status IN ('pending', 'succeeded', 'failed'));

ALTER TABLE order_items
    ADD COLUMN restocked_qty bigint NOT NULL DEFAULT 0
        CHECK (restocked_qty >= 0 AND restocked_qty <= qty);

-- A customer's return of some lines of one seller, after delivery.
CREATE TABLE returns (
    id          uuid        PRIMARY KEY,
    order_id    uuid        NOT NULL REFERENCES orders (id),
    seller_id   uuid        NOT NULL REFERENCES users (id),
    status      text        NOT NULL CHECK (status IN ('requested', 'approved', 'rejected')),
    reason      text        NOT NULL,
    note        text,
    refund_id   uuid        REFERENCES refunds (id),
    decided_by  uuid        REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    decided_at  timestamptz
);
CREATE INDEX returns_order_idx ON returns (order_id, created_at);

CREATE TABLE return_lines (
    return_id  uuid   NOT NULL REFERENCES returns (id),
    product_id uuid   NOT NULL REFERENCES products (id),
    qty        bigint NOT NULL CHECK (qty > 0),
    PRIMARY KEY (return_id, product_id)
);
