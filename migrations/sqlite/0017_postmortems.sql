-- Post-mortems, one per incident: drafted from its record when it resolves, edited with a
-- version so a save made from an older version is refused instead of losing the newer one.
CREATE TABLE postmortems (
    incident_id  TEXT    PRIMARY KEY,
    state        TEXT    NOT NULL,
    markdown     TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    updated_by   TEXT    NOT NULL,
    published_at INTEGER
);
CREATE INDEX postmortems_state ON postmortems (state, updated_at);

-- Action items: the tasks that stop a recurrence, each linked to its incident.
CREATE TABLE action_items (
    seq          INTEGER PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,
    incident_id  TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    owner        TEXT    NOT NULL,
    -- The due date, YYYY-MM-DD, and the instant it is overdue from (the end of that day).
    due          TEXT    NOT NULL,
    overdue_at   INTEGER NOT NULL,
    priority     TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    done_at      INTEGER,
    issue_url    TEXT,
    issue_error  TEXT
);
CREATE INDEX action_items_incident ON action_items (incident_id, seq);
CREATE INDEX action_items_status ON action_items (status, overdue_at);
