-- Refunds by sellers and admins, and returns. A refund is `pending` from the moment it is
-- reserved (it counts against what may still be refunded, so concurrent refunds cannot together
-- exceed what was paid) until the gateway answers: `succeeded` or `failed`. A seller's refund
-- names the seller, whose share bounds it. Units given back to stock are counted per line.

ALTER TABLE refunds ADD COLUMN seller_id BLOB REFERENCES users (id);
ALTER TABLE refunds ADD COLUMN actor_id BLOB REFERENCES users (id);
ALTER TABLE refunds ADD COLUMN status TEXT NOT NULL DEFAULT 'succeeded'
    CHECK (status IN ('pending', 'succeeded', 'failed'));

ALTER TABLE order_items ADD COLUMN restocked_qty INTEGER NOT NULL DEFAULT 0
    CHECK (restocked_qty >= 0 AND restocked_qty <= qty);

-- A customer's return of some lines of one seller, after delivery.
CREATE TABLE returns (
    id         BLOB PRIMARY KEY,
    order_id   BLOB NOT NULL REFERENCES orders (id),
    seller_id  BLOB NOT NULL REFERENCES users (id),
    status     TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected')),
    reason     TEXT NOT NULL,
    note       TEXT,
    refund_id  BLOB REFERENCES refunds (id),
    decided_by BLOB REFERENCES users (id),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    decided_at TEXT
) STRICT;
CREATE INDEX returns_order_idx ON returns (order_id, created_at);

CREATE TABLE return_lines (
    return_id  BLOB    NOT NULL REFERENCES returns (id),
    product_id BLOB    NOT NULL REFERENCES products (id),
    qty        INTEGER NOT NULL CHECK (qty > 0),
    PRIMARY KEY (return_id, product_id)
) STRICT, WITHOUT ROWID;
