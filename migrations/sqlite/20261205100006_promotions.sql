-- Promotions: customers opt in on their profile; a public coupon starts a campaign that tells
-- the opted-in customers who bought from its seller (or, for a shop-wide coupon, anything), in
-- batches, by notification and mail. A campaign remembers the last customer told (`cursor`, in
-- id order), so a restart goes on where it stopped.
ALTER TABLE users ADD COLUMN promotions_opt_in INTEGER NOT NULL DEFAULT 0
    CHECK (promotions_opt_in IN (0, 1));

CREATE TABLE promotion_campaigns (
    coupon_id     BLOB    PRIMARY KEY REFERENCES coupons (id),
    seller_id     BLOB    REFERENCES users (id),
    cursor        BLOB,
    announced     INTEGER NOT NULL DEFAULT 0,
    claim_id      BLOB,
    claimed_until TEXT,
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    done_at       TEXT
) STRICT;
CREATE INDEX promotion_campaigns_open_idx ON promotion_campaigns (created_at)
    WHERE done_at IS NULL;
