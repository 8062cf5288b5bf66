-- Built-in checks ([[checks]]): each check's state (its consecutive-result tracker and when it
-- runs next), raw results for two days, and rollups per minute, hour and day (kept 8 days,
-- 90 days and 400 days), so a year of availability stays small.
CREATE TABLE check_state (
    name         TEXT    PRIMARY KEY,
    tracker      TEXT    NOT NULL,
    next_run_at  INTEGER,
    last_run_at  INTEGER,
    -- core::check::Outcome as JSON.
    last_outcome TEXT
);

CREATE TABLE check_results (
    seq        INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    ok         INTEGER NOT NULL,
    latency_ms INTEGER,
    detail     TEXT    NOT NULL
);
CREATE INDEX check_results_name ON check_results (name, at);
CREATE INDEX check_results_at ON check_results (at);

CREATE TABLE check_rollups (
    name           TEXT    NOT NULL,
    resolution     TEXT    NOT NULL,
    bucket         INTEGER NOT NULL,
    runs           INTEGER NOT NULL,
    failures       INTEGER NOT NULL,
    latency_runs   INTEGER NOT NULL,
    latency_sum_ms INTEGER NOT NULL,
    latency_max_ms INTEGER NOT NULL,
    PRIMARY KEY (name, resolution, bucket)
);
CREATE INDEX check_rollups_bucket ON check_rollups (resolution, bucket);
