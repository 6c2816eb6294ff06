-- Wallets: a balance per customer and its append-only ledger. `balance_cents` is the sum of the
-- user's `wallet_transactions` at every commit (the flash-sale verifier checks it); its CHECK
-- makes a balance below zero impossible even for a statement that forgot to look.
CREATE TABLE wallets (
    user_id       BLOB    PRIMARY KEY REFERENCES users (id),
    currency      TEXT    NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
    balance_cents INTEGER NOT NULL DEFAULT 0 CHECK (balance_cents >= 0),
    updated_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE TABLE wallet_transactions (
    id                  BLOB    PRIMARY KEY,
    user_id             BLOB    NOT NULL REFERENCES wallets (user_id),
    kind                TEXT    NOT NULL CHECK (kind IN ('top_up', 'payment', 'refund')),
    amount_cents        INTEGER NOT NULL CHECK (amount_cents <> 0),
    balance_after_cents INTEGER NOT NULL CHECK (balance_after_cents >= 0),
    order_id            BLOB    REFERENCES orders (id),
    gateway_ref         TEXT,
    card_brand          TEXT,
    card_last4          TEXT,
    idempotency_key     TEXT,
    request_hash        BLOB,
    created_at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- Payments take money out; top-ups (charged to a card) and refunds put it in.
    CHECK ((kind = 'payment') = (amount_cents < 0)),
    CHECK (kind <> 'top_up' OR gateway_ref IS NOT NULL)
) STRICT;
CREATE INDEX wallet_transactions_user_idx ON wallet_transactions (user_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX wallet_transactions_key_idx ON wallet_transactions (user_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TRIGGER wallet_transactions_no_update BEFORE UPDATE ON wallet_transactions
BEGIN
    SELECT RAISE(ABORT, 'wallet_transactions is append-only');
END;
CREATE TRIGGER wallet_transactions_no_delete BEFORE DELETE ON wallet_transactions
BEGIN
    SELECT RAISE(ABORT, 'wallet_transactions is append-only');
END;
