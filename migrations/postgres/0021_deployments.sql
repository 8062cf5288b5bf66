-- Commits as they were first pushed: the parent chain a deployment's changes are read from,
-- and when each was committed, for lead time. `branch` is where the commit was first pushed
-- (a pull request's own commits are on its head branch).
CREATE TABLE commits (
    sha          TEXT    PRIMARY KEY,
    repository   TEXT    NOT NULL,
    parent       TEXT,
    branch       TEXT,
    committed_at BIGINT,
    title        TEXT    NOT NULL,
    author       TEXT
);
CREATE INDEX commits_branch ON commits (repository, branch);

-- The commit a merged pull request made on its base branch (or its squash commit).
ALTER TABLE changes ADD COLUMN merge_commit_sha TEXT;
CREATE INDEX changes_merge_commit ON changes (merge_commit_sha);

-- Finished deployments, one per deployment event (`id` is the event's). `changes` is
-- `seed`, `unknown` or `known`; `first_commits` holds the known changes' first commits as
-- Unix seconds, comma-separated: all the DORA query reads of them.
CREATE TABLE deployments (
    seq           BIGSERIAL PRIMARY KEY,
    id            TEXT    NOT NULL UNIQUE,
    source        TEXT    NOT NULL,
    repository    TEXT    NOT NULL,
    service       TEXT    NOT NULL,
    environment   TEXT    NOT NULL,
    version       TEXT,
    sha           TEXT,
    status        TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    url           TEXT,
    started_at    BIGINT,
    finished_at   BIGINT NOT NULL,
    changes       TEXT    NOT NULL,
    first_commits TEXT    NOT NULL DEFAULT '',
    change_count  BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX deployments_finished ON deployments (finished_at);
CREATE INDEX deployments_service ON deployments (service, environment, finished_at);

-- What each deployment shipped, for the drill-down.
CREATE TABLE deployment_changes (
    deployment_id   TEXT    NOT NULL,
    sha             TEXT    NOT NULL,
    first_commit_at BIGINT,
    PRIMARY KEY (deployment_id, sha)
);
