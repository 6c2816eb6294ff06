-- Mail that really leaves: each outbox message has an HTML body beside its text, and a delivery
-- state. The SMTP worker claims due messages for a while (`claimed_until`, under a
-- `claim_id`, which its marks name); it marks each `sent`,
-- or retries it later with backoff until it is `failed` with its last error. Without SMTP,
-- messages stay `queued`: the outbox is the sink. (A new column's default must be constant here:
-- the epoch makes a queued message due at once.)

ALTER TABLE outbox ADD COLUMN html_body TEXT;
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'sent', 'failed'));
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0);
ALTER TABLE outbox ADD COLUMN last_error TEXT;
ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00.000Z';
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
ALTER TABLE outbox ADD COLUMN claim_id BLOB;
ALTER TABLE outbox ADD COLUMN sent_at TEXT;
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at, id) WHERE status = 'queued';
