-- Mail that really leaves: each outbox message has an HTML body beside its text, and a delivery
-- state. The SMTP worker claims due messages for a while (`claimed_until`, under a `claim_id`),
-- so processes never send one message at the same time, and marks a message only under its claim; it marks each `sent`, or retries it later with backoff until
-- it is `failed` with its last error. Without SMTP, messages stay `queued`: the outbox is the sink.

ALTER TABLE outbox
    ADD COLUMN html_body       text,
    ADD COLUMN status          text        NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sent', 'failed')),
    ADD COLUMN attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN last_error      text,
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN claimed_until   timestamptz,
    ADD COLUMN claim_id        uuid,
    ADD COLUMN sent_at         timestamptz;
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at, id) WHERE status = 'queued';
