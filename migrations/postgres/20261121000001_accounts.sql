-- Accounts: users, one-time account tokens, refresh-token families, the outbox and address books.

CREATE TABLE users (
    id                 uuid PRIMARY KEY,
    email              text        NOT NULL,
    password_hash      text        NOT NULL,
    name               text        NOT NULL,
    phone              text,
    role               text        NOT NULL CHECK (role IN ('customer', 'seller', 'courier', 'admin')),
    status             text        NOT NULL CHECK (status IN ('pending', 'active', 'disabled')),
    -- Access tokens issued before this instant are refused (disable, delete, password reset, role change).
    tokens_valid_after timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    -- Deleted users stay for the records that point at them; their email becomes free again.
    deleted_at         timestamptz
);
CREATE UNIQUE INDEX users_email_live_key ON users (email) WHERE deleted_at IS NULL;
CREATE INDEX users_created_at_idx ON users (created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX users_role_created_at_idx ON users (role, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX users_tokens_valid_after_idx ON users (tokens_valid_after) WHERE tokens_valid_after IS NOT NULL;

-- Activation and password-reset tokens: only their SHA-256 is stored; single use, expiring.
CREATE TABLE account_tokens (
    token_hash bytea       PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text        NOT NULL CHECK (purpose IN ('activation', 'password_reset')),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);

-- A login starts a family of refresh tokens; each refresh rotates the token within the family.
CREATE TABLE refresh_families (
    id         uuid        PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_families_user_idx ON refresh_families (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    token_hash bytea       PRIMARY KEY,
    family_id  uuid        NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

-- Outgoing messages; the mail sink when no SMTP server is configured.
CREATE TABLE outbox (
    id         uuid        PRIMARY KEY,
    to_email   text        NOT NULL,
    kind       text        NOT NULL,
    subject    text        NOT NULL,
    body       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_created_at_idx ON outbox (created_at DESC, id DESC);
CREATE INDEX outbox_to_created_at_idx ON outbox (to_email, created_at DESC, id DESC);

CREATE TABLE addresses (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label       text,
    name        text        NOT NULL,
    line1       text        NOT NULL,
    line2       text,
    city        text        NOT NULL,
    region      text,
    postal_code text        NOT NULL,
    country     text        NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    phone       text,
    is_default  boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX addresses_user_idx ON addresses (user_id, created_at);
-- At most one default per user; the application keeps it at exactly one while any address exists.
CREATE UNIQUE INDEX addresses_one_default_per_user ON addresses (user_id) WHERE is_default;
