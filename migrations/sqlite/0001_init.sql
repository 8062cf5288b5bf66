-- Times are Unix milliseconds (INTEGER) on both backends so the queries can be shared.

CREATE TABLE events (
    seq            INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL UNIQUE,
    integration    TEXT    NOT NULL,
    source         TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    ignored_reason TEXT,
    dedup_key      TEXT    NOT NULL,
    received_at    INTEGER NOT NULL,
    headers        TEXT    NOT NULL,
    body           BLOB    NOT NULL
);
CREATE UNIQUE INDEX events_dedup ON events (integration, dedup_key);

CREATE TABLE jobs (
    seq         INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    queue       TEXT,
    destination TEXT,
    event_id    TEXT,
    payload     TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    run_at      INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    finished_at INTEGER,
    last_status INTEGER,
    last_error  TEXT
);
CREATE INDEX jobs_state ON jobs (state, seq);
CREATE INDEX jobs_due ON jobs (run_at) WHERE state = 'pending';
CREATE INDEX jobs_queue ON jobs (queue, seq) WHERE state = 'pending';

CREATE TABLE api_tokens (
    id           TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    scopes       TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
