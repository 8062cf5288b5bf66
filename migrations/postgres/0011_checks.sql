-- Built-in checks ([[checks]]): each check's state (its consecutive-result tracker and when it
-- runs next), raw results for two days, and rollups per minute, hour and day (kept 8 days,
-- 90 days and 400 days), so a year of availability stays small.
CREATE TABLE check_state (
    name         TEXT    PRIMARY KEY,
    tracker      TEXT    NOT NULL,
    next_run_at  BIGINT,
    last_run_at  BIGINT,
    -- core::check::Outcome as JSON.
    last_outcome TEXT
);

CREATE TABLE check_results (
    seq        BIGSERIAL PRIMARY KEY,
    name       TEXT    NOT NULL,
    at         BIGINT NOT NULL,
    ok         BIGINT NOT NULL,
    latency_ms BIGINT,
    detail     TEXT    NOT NULL
);
CREATE INDEX check_results_name ON check_results (name, at);
CREATE INDEX check_results_at ON check_results (at);

CREATE TABLE check_rollups (
    name           TEXT    NOT NULL,
    resolution     TEXT    NOT NULL,
    bucket         BIGINT NOT NULL,
    runs           BIGINT NOT NULL,
    failures       BIGINT NOT NULL,
    latency_runs   BIGINT NOT NULL,
    latency_sum_ms BIGINT NOT NULL,
    latency_max_ms BIGINT NOT NULL,
    PRIMARY KEY (name, resolution, bucket)
);
CREATE INDEX check_rollups_bucket ON check_rollups (resolution, bucket);
