-- Heartbeats: since when a ping is expected, the last ping and the last reported failure
-- (`[[heartbeats]]`, and `watchdog:INTEGRATION` for an alertmanager integration's watchdog).
CREATE TABLE heartbeats (
    name            TEXT PRIMARY KEY,
    since           BIGINT NOT NULL,
    last_ping_at    BIGINT,
    last_failure_at BIGINT
);
