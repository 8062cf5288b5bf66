-- The pipelines board: each CI run as its events merged so far (`core::pipeline::merge`),
-- the whole run as JSON in `body`, with what the board looks it up by.
CREATE TABLE pipeline_runs (
    source TEXT NOT NULL,
    repository TEXT NOT NULL,
    run TEXT NOT NULL,
    sha TEXT,
    branch TEXT,
    default_branch TEXT,
    body TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (source, repository, run)
);
CREATE INDEX pipeline_runs_branch ON pipeline_runs (repository, branch, first_seen);
