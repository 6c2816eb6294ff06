-- Promotions: customers opt in on their profile; a public coupon starts a campaign that tells
-- the opted-in customers who bought from its seller (or, for a shop-wide coupon, anything), in
-- batches, by notification and mail. A campaign remembers the last customer told (`cursor`, in
-- id order), so a restart goes on where it stopped, and is claimed for a lease by one process at
-- a time (`claim_id`, `claimed_until`).
ALTER TABLE users ADD COLUMN promotions_opt_in boolean NOT NULL DEFAULT false;

CREATE TABLE promotion_campaigns (
    coupon_id     uuid        PRIMARY KEY REFERENCES coupons (id),
    seller_id     uuid        REFERENCES users (id),
    cursor        uuid,
    announced     bigint      NOT NULL DEFAULT 0,
    claim_id      uuid,
    claimed_until timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    done_at       timestamptz
);
CREATE INDEX promotion_campaigns_open_idx ON promotion_campaigns (created_at)
    WHERE done_at IS NULL;
