-- The orders pending payment now, by customer: what the checkout's cap on unpaid orders counts.
-- Counting them in `orders` walks the customer's whole history on every checkout, and a partial
-- index on `orders` would make every payment a non-HOT update; this table only ever holds the
-- orders that are pending. Triggers on `orders` keep it, so no path that places or settles an
-- order (payment, cancellation, expiry, the sweep at start) can forget it. Orders are never
-- deleted.
CREATE TABLE unpaid_orders (
    user_id  uuid NOT NULL,
    order_id uuid NOT NULL,
    PRIMARY KEY (user_id, order_id)
);
INSERT INTO unpaid_orders (user_id, order_id)
SELECT user_id, id FROM orders WHERE status = 'pending_payment';

-- Once per statement, for all its rows: a batch of checkouts or payments costs one statement.
CREATE FUNCTION unpaid_orders_placed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO unpaid_orders (user_id, order_id)
    SELECT user_id, id FROM placed WHERE status = 'pending_payment';
    RETURN NULL;
END
$$;
CREATE TRIGGER orders_unpaid_placed AFTER INSERT ON orders
    REFERENCING NEW TABLE AS placed
    FOR EACH STATEMENT EXECUTE FUNCTION unpaid_orders_placed();

-- An order leaves `pending_payment` for good (paid, cancelled or expired); nothing moves it back.
CREATE FUNCTION unpaid_orders_settled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM unpaid_orders u
    USING before_change b JOIN after_change a ON a.id = b.id
    WHERE b.status = 'pending_payment' AND a.status <> 'pending_payment'
      AND u.user_id = b.user_id AND u.order_id = b.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER orders_unpaid_settled AFTER UPDATE ON orders
    REFERENCING OLD TABLE AS before_change NEW TABLE AS after_change
    FOR EACH STATEMENT EXECUTE FUNCTION unpaid_orders_settled();
