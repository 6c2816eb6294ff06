-- Shipping methods come from configuration (any id), orders carry their tax, and each line its
-- share of the discount and its tax, so that what a seller's lines were charged is exact.
ALTER TABLE orders DROP CONSTRAINT orders_shipping_method_check;
ALTER TABLE orders ADD CONSTRAINT orders_shipping_method_check
    CHECK (shipping_method ~ '^[a-z0-9_-]{1,64}$');
ALTER TABLE orders ADD COLUMN tax_cents bigint NOT NULL DEFAULT 0 CHECK (tax_cents >= 0);
ALTER TABLE orders ADD CONSTRAINT orders_total_adds_up
    CHECK (total_cents = subtotal_cents - discount_cents + shipping_cents + tax_cents);

ALTER TABLE order_items
    ADD COLUMN discount_cents bigint NOT NULL DEFAULT 0,
    ADD COLUMN tax_cents      bigint NOT NULL DEFAULT 0 CHECK (tax_cents >= 0),
    ADD CONSTRAINT order_items_discount_check
        CHECK (discount_cents >= 0 AND discount_cents <= line_total_cents);
