-- A token may belong to a web UI user: that user is who approves with it (the two-person rule).
ALTER TABLE api_tokens ADD COLUMN user_name TEXT;

-- Change announcements: told before the work starts, and approved by someone other than the
-- announcer when they need it.
CREATE TABLE announcements (
    seq            INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL UNIQUE,
    summary        TEXT    NOT NULL,
    service        TEXT    NOT NULL,
    environment    TEXT    NOT NULL,
    risk           TEXT    NOT NULL,
    rollback       TEXT    NOT NULL,
    needs_approval INTEGER NOT NULL,
    state          TEXT    NOT NULL,
    -- Who announced it: a user's name when the token or session has one.
    announced_by   TEXT    NOT NULL,
    announcer_user TEXT,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER,
    decided_at     INTEGER,
    decided_by     TEXT,
    reason         TEXT
);
CREATE INDEX announcements_service ON announcements (service, created_at);
CREATE INDEX announcements_state ON announcements (state, seq);
