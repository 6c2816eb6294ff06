-- Wallets: a balance per customer and its append-only ledger. `balance_cents` is the sum of the
-- user's `wallet_transactions` at every commit (the flash-sale verifier checks it); its CHECK
-- makes a balance below zero impossible even for a statement that forgot to look.
CREATE TABLE wallets (
    user_id       uuid        PRIMARY KEY REFERENCES users (id),
    currency      text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    balance_cents bigint      NOT NULL DEFAULT 0 CHECK (balance_cents >= 0),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE wallet_transactions (
    id                  uuid        PRIMARY KEY,
    user_id             uuid        NOT NULL REFERENCES wallets (user_id),
    kind                text        NOT NULL CHECK (kind IN ('top_up', 'payment', 'refund')),
    amount_cents        bigint      NOT NULL CHECK (amount_cents <> 0),
    balance_after_cents bigint      NOT NULL CHECK (balance_after_cents >= 0),
    order_id            uuid        REFERENCES orders (id),
    gateway_ref         text,
    card_brand          text,
    card_last4          text,
    idempotency_key     text,
    request_hash        bytea,
    created_at          timestamptz NOT NULL DEFAULT now(),
    -- Payments take money out; top-ups (charged to a card) and refunds put it in.
    CHECK ((kind = 'payment') = (amount_cents < 0)),
    CHECK (kind <> 'top_up' OR gateway_ref IS NOT NULL)
);
CREATE INDEX wallet_transactions_user_idx ON wallet_transactions (user_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX wallet_transactions_key_idx ON wallet_transactions (user_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE FUNCTION wallet_transactions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'wallet_transactions is append-only';
END $$;
CREATE TRIGGER wallet_transactions_append_only BEFORE UPDATE OR DELETE ON wallet_transactions
    FOR EACH ROW EXECUTE FUNCTION wallet_transactions_append_only();
