-- webhook-kit's transactional inbox (SQLite). Idempotent: safe to run on
-- every start. Times are Unix milliseconds.
CREATE TABLE IF NOT EXISTS webhook_kit_inbox (
    provider     TEXT   NOT NULL,
    event_id     TEXT   NOT NULL,
    processed_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (provider, event_id)
);
CREATE INDEX IF NOT EXISTS webhook_kit_inbox_expires_at ON webhook_kit_inbox (expires_at);
