-- State kept from forge events: pull/merge requests and build outcomes per commit, so digests
-- read state rather than raw payloads. `projections` records how far each projector has read.
CREATE TABLE changes (
    source              TEXT    NOT NULL,
    repository          TEXT    NOT NULL,
    number              INTEGER NOT NULL,
    title               TEXT    NOT NULL,
    url                 TEXT,
    author              TEXT,
    state               TEXT    NOT NULL,
    draft               INTEGER NOT NULL DEFAULT 0,
    head_branch         TEXT,
    base_branch         TEXT,
    head_sha            TEXT,
    review_state        TEXT,
    requested_reviewers TEXT    NOT NULL DEFAULT '[]',
    labels              TEXT    NOT NULL DEFAULT '[]',
    opened_at           INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (source, repository, number)
);
CREATE INDEX changes_open ON changes (state, repository);

CREATE TABLE builds (
    source     TEXT   NOT NULL,
    repository TEXT   NOT NULL,
    sha        TEXT   NOT NULL,
    name       TEXT   NOT NULL,
    outcome    TEXT   NOT NULL,
    url        TEXT,
    updated_at INTEGERNOT NULL,
    PRIMARY KEY (source, repository, sha, name)
);

CREATE TABLE projections (
    name     TEXT   PRIMARY KEY,
    position INTEGERNOT NULL
);

-- Scheduled jobs that must exist once (a digest occurrence) carry a key.
ALTER TABLE jobs ADD COLUMN dedup_key TEXT;
CREATE UNIQUE INDEX jobs_dedup ON jobs (dedup_key);
