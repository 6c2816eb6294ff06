-- Top-up charges given back because they could not be credited: such a charge is never credited
-- later (a retry with the same key gets it back from the gateway), and one charge credits once.
CREATE TABLE wallet_returned_charges (
    gateway_ref  TEXT    PRIMARY KEY,
    user_id      BLOB    NOT NULL REFERENCES users (id),
    amount_cents INTEGER NOT NULL,
    returned_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE UNIQUE INDEX wallet_transactions_charge_idx ON wallet_transactions (gateway_ref)
    WHERE kind = 'top_up';
