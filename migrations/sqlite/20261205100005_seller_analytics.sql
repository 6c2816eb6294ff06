-- Seller analytics, kept as daily aggregates by triggers, so that a seller's report reads a few
-- rows per day of its range however many orders the seller has (docs/ARCHITECTURE.md, "Seller
-- analytics"). Days are UTC, as `YYYY-MM-DD` (the first ten characters of a stored time).
--
-- seller_daily_sales: orders paid on that day (a seller's orders: those with a line of theirs),
--   their units, revenue (line totals less discount, before tax) and tax; refunds made that day
--   that name the seller (their refunds, approved returns) or that cancel a paid order (each
--   seller's share, what it was charged).
-- seller_daily_product_sales: the same sales by product.
-- seller_daily_statuses: the seller's orders placed that day, by their status now.
CREATE TABLE seller_daily_sales (
    seller_id      BLOB    NOT NULL,
    day            TEXT    NOT NULL,
    currency       TEXT    NOT NULL,
    orders         INTEGER NOT NULL DEFAULT 0,
    units          INTEGER NOT NULL DEFAULT 0,
    revenue_cents  INTEGER NOT NULL DEFAULT 0,
    tax_cents      INTEGER NOT NULL DEFAULT 0,
    refunds        INTEGER NOT NULL DEFAULT 0,
    refunded_cents INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (seller_id, day, currency)
) STRICT, WITHOUT ROWID;

CREATE TABLE seller_daily_product_sales (
    seller_id     BLOB    NOT NULL,
    day           TEXT    NOT NULL,
    product_id    BLOB    NOT NULL,
    currency      TEXT    NOT NULL,
    units         INTEGER NOT NULL,
    revenue_cents INTEGER NOT NULL,
    PRIMARY KEY (seller_id, day, product_id, currency)
) STRICT, WITHOUT ROWID;

CREATE TABLE seller_daily_statuses (
    seller_id BLOB    NOT NULL,
    day       TEXT    NOT NULL,
    status    TEXT    NOT NULL,
    orders    INTEGER NOT NULL,
    PRIMARY KEY (seller_id, day, status)
) STRICT, WITHOUT ROWID;

-- A new order's first line of a seller: the order counts once for that seller, in its status.
CREATE TRIGGER order_items_seller_analytics AFTER INSERT ON order_items
WHEN NOT EXISTS (SELECT 1 FROM order_items
                 WHERE order_id = new.order_id AND seller_id = new.seller_id
                   AND product_id <> new.product_id)
BEGIN
    INSERT INTO seller_daily_statuses (seller_id, day, status, orders)
    SELECT new.seller_id, substr(o.created_at, 1, 10), o.status, 1
    FROM orders o WHERE o.id = new.order_id
    ON CONFLICT (seller_id, day, status) DO UPDATE SET orders = orders + 1;
END;

-- An order whose status changed: its count moves, for each of its sellers.
CREATE TRIGGER orders_seller_analytics_moved AFTER UPDATE OF status ON orders
WHEN old.status <> new.status
BEGIN
    INSERT INTO seller_daily_statuses (seller_id, day, status, orders)
    SELECT DISTINCT seller_id, substr(new.created_at, 1, 10), old.status, -1
    FROM order_items WHERE order_id = new.id
    ON CONFLICT (seller_id, day, status) DO UPDATE SET orders = orders - 1;
    INSERT INTO seller_daily_statuses (seller_id, day, status, orders)
    SELECT DISTINCT seller_id, substr(new.created_at, 1, 10), new.status, 1
    FROM order_items WHERE order_id = new.id
    ON CONFLICT (seller_id, day, status) DO UPDATE SET orders = orders + 1;
END;

-- A payment: the sales of each seller's lines, on the day it was paid.
CREATE TRIGGER orders_seller_analytics_paid AFTER UPDATE OF status ON orders
WHEN old.status = 'pending_payment' AND new.status = 'paid'
BEGIN
    INSERT INTO seller_daily_product_sales (seller_id, day, product_id, currency, units,
        revenue_cents)
    SELECT seller_id, substr(new.updated_at, 1, 10), product_id, new.currency, qty,
        line_total_cents - discount_cents
    FROM order_items WHERE order_id = new.id
    ON CONFLICT (seller_id, day, product_id, currency) DO UPDATE
        SET units = units + excluded.units, revenue_cents = revenue_cents + excluded.revenue_cents;
    INSERT INTO seller_daily_sales (seller_id, day, currency, orders, units, revenue_cents,
        tax_cents)
    SELECT seller_id, substr(new.updated_at, 1, 10), new.currency, 1, sum(qty),
        sum(line_total_cents - discount_cents), sum(tax_cents)
    FROM order_items WHERE order_id = new.id GROUP BY seller_id
    ON CONFLICT (seller_id, day, currency) DO UPDATE
        SET orders = orders + 1, units = units + excluded.units,
            revenue_cents = revenue_cents + excluded.revenue_cents,
            tax_cents = tax_cents + excluded.tax_cents;
END;

-- A paid order cancelled: each seller's share (what it was charged) is refunded.
CREATE TRIGGER orders_seller_analytics_cancelled AFTER UPDATE OF status ON orders
WHEN new.status = 'cancelled' AND old.status NOT IN ('pending_payment', 'cancelled', 'expired')
BEGIN
    INSERT INTO seller_daily_sales (seller_id, day, currency, refunds, refunded_cents)
    SELECT seller_id, substr(new.updated_at, 1, 10), new.currency, 1,
        sum(line_total_cents - discount_cents + tax_cents)
    FROM order_items WHERE order_id = new.id GROUP BY seller_id
    ON CONFLICT (seller_id, day, currency) DO UPDATE
        SET refunds = refunds + 1, refunded_cents = refunded_cents + excluded.refunded_cents;
END;

-- A refund that names a seller, once it succeeded.
CREATE TRIGGER refunds_seller_analytics_made AFTER INSERT ON refunds
WHEN new.status = 'succeeded' AND new.seller_id IS NOT NULL
BEGIN
    INSERT INTO seller_daily_sales (seller_id, day, currency, refunds, refunded_cents)
    SELECT new.seller_id, substr(new.created_at, 1, 10), o.currency, 1, new.amount_cents
    FROM orders o WHERE o.id = new.order_id
    ON CONFLICT (seller_id, day, currency) DO UPDATE
        SET refunds = refunds + 1, refunded_cents = refunded_cents + excluded.refunded_cents;
END;

CREATE TRIGGER refunds_seller_analytics_settled AFTER UPDATE OF status ON refunds
WHEN old.status <> 'succeeded' AND new.status = 'succeeded' AND new.seller_id IS NOT NULL
BEGIN
    INSERT INTO seller_daily_sales (seller_id, day, currency, refunds, refunded_cents)
    SELECT new.seller_id, substr(new.created_at, 1, 10), o.currency, 1, new.amount_cents
    FROM orders o WHERE o.id = new.order_id
    ON CONFLICT (seller_id, day, currency) DO UPDATE
        SET refunds = refunds + 1, refunded_cents = refunded_cents + excluded.refunded_cents;
END;

-- What happened before the triggers.
INSERT INTO seller_daily_statuses (seller_id, day, status, orders)
SELECT i.seller_id, substr(o.created_at, 1, 10), o.status, count(DISTINCT o.id)
FROM orders o JOIN order_items i ON i.order_id = o.id
GROUP BY 1, 2, 3;

INSERT INTO seller_daily_product_sales (seller_id, day, product_id, currency, units, revenue_cents)
SELECT i.seller_id, substr(p.created_at, 1, 10), i.product_id, p.currency, sum(i.qty),
    sum(i.line_total_cents - i.discount_cents)
FROM payments p JOIN order_items i ON i.order_id = p.order_id
WHERE p.status = 'succeeded'
GROUP BY 1, 2, 3, 4;

INSERT INTO seller_daily_sales (seller_id, day, currency, orders, units, revenue_cents, tax_cents)
SELECT i.seller_id, substr(p.created_at, 1, 10), p.currency, count(DISTINCT i.order_id),
    sum(i.qty), sum(i.line_total_cents - i.discount_cents), sum(i.tax_cents)
FROM payments p JOIN order_items i ON i.order_id = p.order_id
WHERE p.status = 'succeeded'
GROUP BY 1, 2, 3;

INSERT INTO seller_daily_sales (seller_id, day, currency, refunds, refunded_cents)
SELECT seller_id, day, currency, count(*), sum(amount_cents) FROM (
    SELECT r.seller_id, substr(r.created_at, 1, 10) AS day, o.currency, r.amount_cents
    FROM refunds r JOIN orders o ON o.id = r.order_id
    WHERE r.status = 'succeeded' AND r.seller_id IS NOT NULL
    UNION ALL
    SELECT i.seller_id, substr(o.updated_at, 1, 10), o.currency,
        sum(i.line_total_cents - i.discount_cents + i.tax_cents)
    FROM orders o JOIN order_items i ON i.order_id = o.id
    WHERE o.status = 'cancelled'
      AND EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.status = 'succeeded')
    GROUP BY i.seller_id, o.id)
GROUP BY 1, 2, 3
ON CONFLICT (seller_id, day, currency) DO UPDATE
    SET refunds = refunds + excluded.refunds,
        refunded_cents = refunded_cents + excluded.refunded_cents;
