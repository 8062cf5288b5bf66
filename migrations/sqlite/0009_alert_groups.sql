-- Notification groups (a route's group_by): one row per route and group label values, with
-- the destinations and timing it was made with, and which alerts it holds and has told of.
CREATE TABLE alert_groups (
    key                TEXT    PRIMARY KEY,
    labels             TEXT    NOT NULL,
    integration        TEXT    NOT NULL,
    source             TEXT    NOT NULL,
    -- JSON [{"destination", "template"}].
    destinations       TEXT    NOT NULL,
    group_interval_ms  INTEGER NOT NULL,
    repeat_interval_ms INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    last_notified_at   INTEGER,
    next_flush_at      INTEGER
);

CREATE TABLE alert_group_members (
    group_key   TEXT    NOT NULL,
    alert_id    TEXT    NOT NULL,
    joined_at   INTEGER NOT NULL,
    -- When this group last told of the alert's current cycle (NULL: not yet).
    notified_at INTEGER,
    PRIMARY KEY (group_key, alert_id)
);
CREATE INDEX alert_group_members_alert ON alert_group_members (alert_id);

-- Since when an alert flaps (several firing cycles within the flapping window); NULL when it
-- does not. Notices about a flapping alert are held back until it settles.
ALTER TABLE alerts ADD COLUMN flapping_since INTEGER;
