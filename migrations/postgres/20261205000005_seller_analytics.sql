-- Seller analytics, kept as daily aggregates by triggers, so that a seller's report reads a few
-- rows per day of its range however many orders the seller has (docs/ARCHITECTURE.md, "Seller
-- analytics"). Days are UTC.
--
-- seller_daily_sales: orders paid on that day (a seller's orders: those with a line of theirs),
--   their units, revenue (line totals less discount, before tax) and tax; refunds made that day
--   that name the seller (their refunds, approved returns) or that cancel a paid order (each
--   seller's share, what it was charged).
-- seller_daily_product_sales: the same sales by product.
-- seller_daily_statuses: the seller's orders placed that day, by their status now.
LOCK TABLE orders, order_items, refunds IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE seller_daily_sales (
    seller_id      uuid   NOT NULL,
    day            date   NOT NULL,
    currency       text   NOT NULL,
    orders         bigint NOT NULL DEFAULT 0,
    units          bigint NOT NULL DEFAULT 0,
    revenue_cents  bigint NOT NULL DEFAULT 0,
    tax_cents      bigint NOT NULL DEFAULT 0,
    refunds        bigint NOT NULL DEFAULT 0,
    refunded_cents bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (seller_id, day, currency)
);

CREATE TABLE seller_daily_product_sales (
    seller_id     uuid   NOT NULL,
    day           date   NOT NULL,
    product_id    uuid   NOT NULL,
    currency      text   NOT NULL,
    units         bigint NOT NULL,
    revenue_cents bigint NOT NULL,
    PRIMARY KEY (seller_id, day, product_id, currency)
);

CREATE TABLE seller_daily_statuses (
    seller_id uuid   NOT NULL,
    day       date   NOT NULL,
    status    text   NOT NULL,
    orders    bigint NOT NULL,
    PRIMARY KEY (seller_id, day, status)
);

-- A new order's lines: the order counts once for each of its sellers, in its status.
CREATE FUNCTION seller_analytics_placed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO seller_daily_statuses (seller_id, day, status, orders)
    SELECT a.seller_id, (o.created_at AT TIME ZONE 'UTC')::date, o.status,
        count(DISTINCT a.order_id)
    FROM added a JOIN orders o ON o.id = a.order_id
    GROUP BY 1, 2, 3
    ON CONFLICT (seller_id, day, status)
        DO UPDATE SET orders = seller_daily_statuses.orders + excluded.orders;
    RETURN NULL;
END
$$;
CREATE TRIGGER order_items_seller_analytics AFTER INSERT ON order_items
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION seller_analytics_placed();

-- Orders whose status changed: their counts move; a payment adds the sales, a cancellation of a
-- paid order the refund of each seller's share. Once per statement, as the payments of a batch
-- are one statement. Rows are upserted in key order, so concurrent batches lock them in one
-- order.
CREATE FUNCTION seller_analytics_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH moved AS (
        SELECT DISTINCT i.seller_id, (n.created_at AT TIME ZONE 'UTC')::date AS day,
            o.status AS was, n.status AS now, n.id
        FROM after_rows n
        JOIN before_rows o ON o.id = n.id AND o.status <> n.status
        JOIN order_items i ON i.order_id = n.id),
    deltas AS (
        SELECT seller_id, day, was AS status, -1 AS delta FROM moved
        UNION ALL
        SELECT seller_id, day, now, 1 FROM moved)
    INSERT INTO seller_daily_statuses (seller_id, day, status, orders)
    SELECT seller_id, day, status, sum(delta) FROM deltas GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (seller_id, day, status)
        DO UPDATE SET orders = seller_daily_statuses.orders + excluded.orders;

    WITH lines AS (
        SELECT i.seller_id, (n.updated_at AT TIME ZONE 'UTC')::date AS day, n.currency,
            i.order_id, i.product_id, i.qty, i.line_total_cents - i.discount_cents AS revenue,
            i.tax_cents
        FROM after_rows n
        JOIN before_rows o ON o.id = n.id
            AND o.status = 'pending_payment' AND n.status = 'paid'
        JOIN order_items i ON i.order_id = n.id),
    by_product AS (
        INSERT INTO seller_daily_product_sales (seller_id, day, product_id, currency, units,
            revenue_cents)
        SELECT seller_id, day, product_id, currency, sum(qty), sum(revenue) FROM lines
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (seller_id, day, product_id, currency) DO UPDATE
            SET units = seller_daily_product_sales.units + excluded.units,
                revenue_cents = seller_daily_product_sales.revenue_cents + excluded.revenue_cents)
    INSERT INTO seller_daily_sales (seller_id, day, currency, orders, units, revenue_cents,
        tax_cents)
    SELECT seller_id, day, currency, count(DISTINCT order_id), sum(qty), sum(revenue),
        sum(tax_cents)
    FROM lines GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (seller_id, day, currency) DO UPDATE
        SET orders = seller_daily_sales.orders + excluded.orders,
            units = seller_daily_sales.units + excluded.units,
            revenue_cents = seller_daily_sales.revenue_cents + excluded.revenue_cents,
            tax_cents = seller_daily_sales.tax_cents + excluded.tax_cents;

    INSERT INTO seller_daily_sales (seller_id, day, currency, refunds, refunded_cents)
    SELECT i.seller_id, (n.updated_at AT TIME ZONE 'UTC')::date, n.currency,
        count(DISTINCT i.order_id), sum(i.line_total_cents - i.discount_cents + i.tax_cents)
    FROM after_rows n
    JOIN before_rows o ON o.id = n.id AND n.status = 'cancelled'
        AND o.status NOT IN ('pending_payment', 'cancelled', 'expired')
    JOIN order_items i ON i.order_id = n.id
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (seller_id, day, currency) DO UPDATE
        SET refunds = seller_daily_sales.refunds + excluded.refunds,
            refunded_cents = seller_daily_sales.refunded_cents + excluded.refunded_cents;
    RETURN NULL;
END
$$;
CREATE TRIGGER orders_seller_analytics AFTER UPDATE ON orders
    REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION seller_analytics_moved();

-- A refund that names a seller, once it succeeded.
CREATE FUNCTION seller_analytics_refunded() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO seller_daily_sales (seller_id, day, currency, refunds, refunded_cents)
    SELECT NEW.seller_id, (NEW.created_at AT TIME ZONE 'UTC')::date, o.currency, 1,
        NEW.amount_cents
    FROM orders o WHERE o.id = NEW.order_id
    ON CONFLICT (seller_id, day, currency) DO UPDATE
        SET refunds = seller_daily_sales.refunds + 1,
            refunded_cents = seller_daily_sales.refunded_cents + excluded.refunded_cents;
    RETURN NULL;
END
$$;
CREATE TRIGGER refunds_seller_analytics_made AFTER INSERT ON refunds
    FOR EACH ROW WHEN (NEW.status = 'succeeded' AND NEW.seller_id IS NOT NULL)
    EXECUTE FUNCTION seller_analytics_refunded();
CREATE TRIGGER refunds_seller_analytics_settled AFTER UPDATE OF status ON refunds
    FOR EACH ROW WHEN (OLD.status <> 'succeeded' AND NEW.status = 'succeeded'
                       AND NEW.seller_id IS NOT NULL)
    EXECUTE FUNCTION seller_analytics_refunded();

-- What happened before the triggers.
INSERT INTO seller_daily_statuses (seller_id, day, status, orders)
SELECT i.seller_id, (o.created_at AT TIME ZONE 'UTC')::date, o.status, count(DISTINCT o.id)
FROM orders o JOIN order_items i ON i.order_id = o.id
GROUP BY 1, 2, 3;

WITH lines AS (
    SELECT i.seller_id, (p.created_at AT TIME ZONE 'UTC')::date AS day, p.currency, i.order_id,
        i.product_id, i.qty, i.line_total_cents - i.discount_cents AS revenue, i.tax_cents
    FROM payments p JOIN order_items i ON i.order_id = p.order_id
    WHERE p.status = 'succeeded'),
by_product AS (
    INSERT INTO seller_daily_product_sales (seller_id, day, product_id, currency, units,
        revenue_cents)
    SELECT seller_id, day, product_id, currency, sum(qty), sum(revenue) FROM lines
    GROUP BY 1, 2, 3, 4)
INSERT INTO seller_daily_sales (seller_id, day, currency, orders, units, revenue_cents, tax_cents)
SELECT seller_id, day, currency, count(DISTINCT order_id), sum(qty), sum(revenue),
    sum(tax_cents)
FROM lines GROUP BY 1, 2, 3;

WITH refunded AS (
    SELECT r.seller_id, (r.created_at AT TIME ZONE 'UTC')::date AS day, o.currency,
        r.amount_cents
    FROM refunds r JOIN orders o ON o.id = r.order_id
    WHERE r.status = 'succeeded' AND r.seller_id IS NOT NULL
    UNION ALL
    SELECT i.seller_id, (o.updated_at AT TIME ZONE 'UTC')::date, o.currency,
        sum(i.line_total_cents - i.discount_cents + i.tax_cents)
    FROM orders o JOIN order_items i ON i.order_id = o.id
    WHERE o.status = 'cancelled'
      AND EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.status = 'succeeded')
    GROUP BY i.seller_id, o.id)
INSERT INTO seller_daily_sales (seller_id, day, currency, refunds, refunded_cents)
SELECT seller_id, day, currency, count(*), sum(amount_cents) FROM refunded GROUP BY 1, 2, 3
ON CONFLICT (seller_id, day, currency) DO UPDATE
    SET refunds = seller_daily_sales.refunds + excluded.refunds,
        refunded_cents = seller_daily_sales.refunded_cents + excluded.refunded_cents;
