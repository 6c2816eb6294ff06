-- Top-up charges given back because they could not be credited: such a charge is never credited
-- later (a retry with the same key gets it back from the gateway), and one charge credits once.
CREATE TABLE wallet_returned_charges (
    gateway_ref  text        PRIMARY KEY,
    user_id      uuid        NOT NULL REFERENCES users (id),
    amount_cents bigint      NOT NULL,
    returned_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX wallet_transactions_charge_idx ON wallet_transactions (gateway_ref)
    WHERE kind = 'top_up';
