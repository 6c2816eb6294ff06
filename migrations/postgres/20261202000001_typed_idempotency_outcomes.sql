-- An idempotency record stores the typed outcome of its request ({"placed": order},
-- {"paid": order} or {"declined": {order, code}}); the HTTP status is the route's to choose.
--
-- Expand step of an expand/contract change, so that processes of the previous release keep
-- working during a rolling deploy: the old columns stay (nullable) and a trigger keeps both
-- forms in step, whichever release wrote the row. A later release drops `status_code`,
-- `response` and the trigger.

ALTER TABLE idempotency_keys ADD COLUMN outcome jsonb;
ALTER TABLE idempotency_keys ALTER COLUMN status_code DROP NOT NULL;
ALTER TABLE idempotency_keys ALTER COLUMN response DROP NOT NULL;

-- The outcome of an answer as the previous release stored it.
CREATE FUNCTION idempotency_outcome_of(status_code integer, response jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN status_code = 402 THEN jsonb_build_object('declined', jsonb_build_object(
            'order', response -> 'order_id', 'code', response -> 'decline_code'))
        WHEN status_code = 201 THEN jsonb_build_object('placed', response -> 'order')
        ELSE jsonb_build_object('paid', response)
    END
$$;

CREATE FUNCTION idempotency_keep_both_forms() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.outcome IS NULL
        OR (TG_OP = 'UPDATE' AND NEW.response IS DISTINCT FROM OLD.response
            AND NEW.outcome IS NOT DISTINCT FROM OLD.outcome) THEN
        -- Written by the previous release.
        NEW.outcome := idempotency_outcome_of(NEW.status_code, NEW.response);
    ELSIF NEW.response IS NULL
        OR (TG_OP = 'UPDATE' AND NEW.outcome IS DISTINCT FROM OLD.outcome) THEN
        -- Written by this release: the answer the previous release would replay.
        IF NEW.outcome ? 'declined' THEN
            NEW.status_code := 402;
            NEW.response := jsonb_build_object(
                'type', 'https://bazaar.dev/problems/payment_declined',
                'title', 'Payment declined', 'status', 402,
                'detail', 'the payment was declined (' || (NEW.outcome -> 'declined' ->> 'code') || ')',
                'code', 'payment_declined',
                'order_id', NEW.outcome -> 'declined' -> 'order',
                'decline_code', NEW.outcome -> 'declined' -> 'code');
        ELSIF NEW.outcome ? 'placed' THEN
            NEW.status_code := 201;
            NEW.response := jsonb_build_object('order', NEW.outcome -> 'placed');
        ELSE
            NEW.status_code := 200;
            NEW.response := NEW.outcome -> 'paid';
        END IF;
    END IF;
    RETURN NEW;
END
$$;

UPDATE idempotency_keys SET outcome = idempotency_outcome_of(status_code, response);
ALTER TABLE idempotency_keys ALTER COLUMN outcome SET NOT NULL;

CREATE TRIGGER idempotency_keys_both_forms BEFORE INSERT OR UPDATE ON idempotency_keys
    FOR EACH ROW EXECUTE FUNCTION idempotency_keep_both_forms();

-- The typed words of orders and payments that had no CHECK yet.
ALTER TABLE orders ADD CONSTRAINT orders_shipping_method_check
    CHECK (shipping_method IN ('standard', 'express'));
ALTER TABLE payments ADD CONSTRAINT payments_decline_code_check
    CHECK (decline_code IN ('card_declined', 'insufficient_funds'));
ALTER TABLE order_events ADD CONSTRAINT order_events_status_check
    CHECK (status IN ('pending_payment', 'paid', 'processing', 'shipped', 'out_for_delivery',
                      'delivered', 'cancelled', 'expired', 'refunded',
                      'partially_refunded'));
