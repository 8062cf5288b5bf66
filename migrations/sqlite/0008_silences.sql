-- Silences and maintenance windows: both mute the alerts their matchers cover while their
-- schedule is in force. A silence is one-off; a maintenance window belongs to a service and
-- may recur (cron + duration in a time zone). Expiring one sets expired_at; rows are kept
-- for the record. The table stays small, so it is read whole and matched in Rust.
CREATE TABLE silences (
    seq        INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL,
    service    TEXT,
    -- Alertmanager API v2 matchers as JSON: [{"name", "value", "isRegex", "isEqual"}].
    matchers   TEXT    NOT NULL,
    -- core::silence::Schedule as JSON: once (starts_at, ends_at) or recurring (cron, duration, timezone).
    schedule   TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    comment    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expired_at INTEGER
);

-- Which silence keeps an alert quiet, and whether its current cycle was announced (an alert
-- silenced from its first report resolves without a notice nobody needs).
ALTER TABLE alerts ADD COLUMN silenced_by TEXT;
ALTER TABLE alerts ADD COLUMN announced INTEGER NOT NULL DEFAULT 1;
