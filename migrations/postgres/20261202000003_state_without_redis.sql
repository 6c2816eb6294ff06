-- What Redis keeps for a deployment of several processes, kept in the database for a server that
-- runs without Redis: carts (a cart not changed for 30 days is gone) and logged-out access
-- tokens until they expire.
CREATE TABLE carts (
    user_id    uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX carts_updated_idx ON carts (updated_at);

CREATE TABLE cart_lines (
    user_id    uuid   NOT NULL REFERENCES carts (user_id) ON DELETE CASCADE,
    product_id uuid   NOT NULL,
    qty        bigint NOT NULL CHECK (qty > 0),
    PRIMARY KEY (user_id, product_id)
);

CREATE TABLE revoked_tokens (
    jti        uuid   PRIMARY KEY,
    -- The token's `exp`, in Unix seconds: the revocation matters until then.
    expires_at bigint NOT NULL
);
CREATE INDEX revoked_tokens_expiry_idx ON revoked_tokens (expires_at);
