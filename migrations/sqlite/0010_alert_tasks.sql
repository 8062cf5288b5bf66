-- Tasks for unhandled alerts (seed 003): an alert left unacknowledged past a threshold, or
-- firing again and again, becomes a task for its service's team until someone handles it.
CREATE TABLE alert_tasks (
    seq        INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    alert_id   TEXT    NOT NULL,
    rule       TEXT    NOT NULL,
    service    TEXT,
    team       TEXT,
    -- "unacknowledged" or "recurring".
    reason     TEXT    NOT NULL,
    detail     TEXT    NOT NULL,
    opened_at  INTEGER NOT NULL,
    closed_at  INTEGER,
    closed_by  TEXT
);
-- At most one open task per alert.
CREATE UNIQUE INDEX alert_tasks_open ON alert_tasks (alert_id) WHERE closed_at IS NULL;
CREATE INDEX alert_tasks_state ON alert_tasks (closed_at, seq);

-- Each time people were told of an alert (a notice to one or more destinations, or a line
-- in a group's notice), for the noise report.
CREATE TABLE alert_notices (
    seq      INTEGER PRIMARY KEY,
    alert_id TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    change   TEXT    NOT NULL
);
CREATE INDEX alert_notices_at ON alert_notices (at);
CREATE INDEX alert_changes_at ON alert_changes (at);
