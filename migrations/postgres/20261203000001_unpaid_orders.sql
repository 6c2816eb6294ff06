-- The orders pending payment now, by customer: what the checkout's cap on unpaid orders counts.
-- Counting them in `orders` walks the customer's whole history on every checkout, and a partial
-- index on `orders` would make every payment a non-HOT update; this table only ever holds the
-- orders that are pending. Triggers on `orders` keep it, so no path that places or settles an
-- order (payment, cancellation, expiry, the sweep at start) can forget it. Orders are never
-- deleted.

-- Processes of the previous release may be writing orders while this runs: they wait until the
-- table and its triggers are in place, so no order is placed or settled between the copy and the
-- triggers.
LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE unpaid_orders (
    user_id  uuid NOT NULL,
    order_id uuid NOT NULL,
    PRIMARY KEY (user_id, order_id)
);

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

-- An order that leaves `pending_payment` (paid, cancelled or expired) leaves the table; one that
-- would come back to it (nothing does today) comes back. Transition tables rule out `UPDATE OF
-- status`, so this runs for every update of `orders`; it reads only the updated rows.
CREATE FUNCTION unpaid_orders_settled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM unpaid_orders u USING changed c
    WHERE c.status <> 'pending_payment' AND u.user_id = c.user_id AND u.order_id = c.id;
    INSERT INTO unpaid_orders (user_id, order_id)
    SELECT user_id, id FROM changed WHERE status = 'pending_payment'
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER orders_unpaid_settled AFTER UPDATE ON orders
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION unpaid_orders_settled();

INSERT INTO unpaid_orders (user_id, order_id)
SELECT user_id, id FROM orders WHERE status = 'pending_payment';
