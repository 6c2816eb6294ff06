-- Coupons, their redemptions, and the coupon applied to a customer's cart.
--
-- `redemptions` is the count of `coupon_redemptions`, kept by the payment that redeems, on the
-- locked coupon row; its CHECK makes redeeming past `max_redemptions` impossible even for a
-- statement that forgot to look. A deleted coupon keeps its row (orders name it), and its code
-- may be used again.
CREATE TABLE coupons (
    id                 uuid        PRIMARY KEY,
    code               text        NOT NULL CHECK (code ~ '^[A-Z0-9_-]{3,32}$'),
    owner_id           uuid        NOT NULL REFERENCES users (id),
    seller_id          uuid        REFERENCES users (id),
    kind               text        NOT NULL CHECK (kind IN ('percent', 'fixed')),
    value              bigint      NOT NULL CHECK (value > 0),
    currency           text        CHECK (currency ~ '^[A-Z]{3}$'),
    min_subtotal_cents bigint      NOT NULL DEFAULT 0 CHECK (min_subtotal_cents >= 0),
    starts_at          timestamptz,
    ends_at            timestamptz,
    max_redemptions    bigint      CHECK (max_redemptions > 0),
    max_per_customer   bigint      CHECK (max_per_customer > 0),
    redemptions        bigint      NOT NULL DEFAULT 0 CHECK (redemptions >= 0),
    public             boolean     NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    deleted_at         timestamptz,
    CHECK (kind <> 'percent' OR value <= 100),
    CHECK ((kind = 'fixed') = (currency IS NOT NULL)),
    CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at),
    CHECK (max_redemptions IS NULL OR redemptions <= max_redemptions)
);
CREATE UNIQUE INDEX coupons_live_code_idx ON coupons (code) WHERE deleted_at IS NULL;
CREATE INDEX coupons_owner_idx ON coupons (owner_id, created_at DESC);

CREATE TABLE coupon_redemptions (
    order_id       uuid        PRIMARY KEY REFERENCES orders (id),
    coupon_id      uuid        NOT NULL REFERENCES coupons (id),
    user_id        uuid        NOT NULL REFERENCES users (id),
    discount_cents bigint      NOT NULL CHECK (discount_cents >= 0),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX coupon_redemptions_customer_idx ON coupon_redemptions (coupon_id, user_id);

ALTER TABLE orders ADD COLUMN coupon_id uuid REFERENCES coupons (id);
ALTER TABLE orders ADD COLUMN coupon_code text;

CREATE TABLE cart_coupons (
    user_id    uuid        PRIMARY KEY REFERENCES users (id),
    coupon_id  uuid        NOT NULL REFERENCES coupons (id),
    applied_at timestamptz NOT NULL DEFAULT now()
);
