-- Coupons, their redemptions, and the coupon applied to a customer's cart.
--
-- `redemptions` is the count of `coupon_redemptions`, kept by the payment that redeems; its CHECK
-- makes redeeming past `max_redemptions` impossible even for a statement that forgot to look. A
-- deleted coupon keeps its row (orders name it), and its code may be used again.
CREATE TABLE coupons (
    id                 BLOB    PRIMARY KEY,
    code               TEXT    NOT NULL CHECK (length(code) BETWEEN 3 AND 32
                                   AND code NOT GLOB '*[^A-Z0-9_-]*'),
    owner_id           BLOB    NOT NULL REFERENCES users (id),
    seller_id          BLOB    REFERENCES users (id),
    kind               TEXT    NOT NULL CHECK (kind IN ('percent', 'fixed')),
    value              INTEGER NOT NULL CHECK (value > 0),
    currency           TEXT    CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
    min_subtotal_cents INTEGER NOT NULL DEFAULT 0 CHECK (min_subtotal_cents >= 0),
    starts_at          TEXT,
    ends_at            TEXT,
    max_redemptions    INTEGER CHECK (max_redemptions > 0),
    max_per_customer   INTEGER CHECK (max_per_customer > 0),
    redemptions        INTEGER NOT NULL DEFAULT 0 CHECK (redemptions >= 0),
    public             INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
    created_at         TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    deleted_at         TEXT,
    CHECK (kind <> 'percent' OR value <= 100),
    CHECK ((kind = 'fixed') = (currency IS NOT NULL)),
    CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at),
    CHECK (max_redemptions IS NULL OR redemptions <= max_redemptions)
) STRICT;
CREATE UNIQUE INDEX coupons_live_code_idx ON coupons (code) WHERE deleted_at IS NULL;
CREATE INDEX coupons_owner_idx ON coupons (owner_id, created_at DESC);

CREATE TABLE coupon_redemptions (
    order_id       BLOB    PRIMARY KEY REFERENCES orders (id),
    coupon_id      BLOB    NOT NULL REFERENCES coupons (id),
    user_id        BLOB    NOT NULL REFERENCES users (id),
    discount_cents INTEGER NOT NULL CHECK (discount_cents >= 0),
    created_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX coupon_redemptions_customer_idx ON coupon_redemptions (coupon_id, user_id);

ALTER TABLE orders ADD COLUMN coupon_id BLOB REFERENCES coupons (id);
ALTER TABLE orders ADD COLUMN coupon_code TEXT;

CREATE TABLE cart_coupons (
    user_id    BLOB PRIMARY KEY REFERENCES users (id),
    coupon_id  BLOB NOT NULL REFERENCES coupons (id),
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
