-- The payment gateway's webhook events already handled (Stripe's event ids): a redelivered
-- event is answered without acting again. A gateway's charge pays at most one order once.
CREATE TABLE gateway_events (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE UNIQUE INDEX payments_succeeded_charge_idx ON payments (gateway_ref)
    WHERE status = 'succeeded' AND gateway_ref IS NOT NULL;
