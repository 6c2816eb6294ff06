-- An idempotency record stores the typed outcome of its request ({"placed": order},
-- {"paid": order} or {"declined": {order, code}}); the HTTP status is the route's to choose.
UPDATE idempotency_keys SET response = CASE
    WHEN status_code = 402 THEN jsonb_build_object('declined', jsonb_build_object(
        'order', response -> 'order_id', 'code', response -> 'decline_code'))
    WHEN status_code = 201 THEN jsonb_build_object('placed', response -> 'order')
    ELSE jsonb_build_object('paid', response)
END;
ALTER TABLE idempotency_keys DROP COLUMN status_code;
ALTER TABLE idempotency_keys RENAME COLUMN response TO outcome;
