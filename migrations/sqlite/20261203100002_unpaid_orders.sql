-- The orders pending payment now, by customer: what the checkout's cap on unpaid orders counts.
-- Counting them in `orders` walks the customer's whole history on every checkout; this table only
-- ever holds the orders that are pending. Triggers on `orders` keep it, so no path that places or
-- settles an order (payment, cancellation, expiry, the sweep at start) can forget it. Orders are
-- never deleted. (One process serves the embedded database: nothing writes orders meanwhile.)
CREATE TABLE unpaid_orders (
    user_id  BLOB NOT NULL,
    order_id BLOB NOT NULL,
    PRIMARY KEY (user_id, order_id)
) STRICT, WITHOUT ROWID;
INSERT INTO unpaid_orders (user_id, order_id)
SELECT user_id, id FROM orders WHERE status = 'pending_payment';

CREATE TRIGGER orders_unpaid_placed AFTER INSERT ON orders
WHEN new.status = 'pending_payment'
BEGIN
    INSERT INTO unpaid_orders (user_id, order_id) VALUES (new.user_id, new.id);
END;

-- An order that leaves `pending_payment` (paid, cancelled or expired) leaves the table; one that
-- would come back to it (nothing does today) comes back.
CREATE TRIGGER orders_unpaid_settled AFTER UPDATE OF status ON orders
WHEN old.status = 'pending_payment' AND new.status <> 'pending_payment'
BEGIN
    DELETE FROM unpaid_orders WHERE user_id = old.user_id AND order_id = old.id;
END;
CREATE TRIGGER orders_unpaid_reopened AFTER UPDATE OF status ON orders
WHEN new.status = 'pending_payment' AND old.status <> 'pending_payment'
BEGIN
    INSERT OR IGNORE INTO unpaid_orders (user_id, order_id) VALUES (new.user_id, new.id);
END;
