-- Alerts from monitoring tools: one row per (integration, fingerprint), kept across firing
-- cycles so the noise report can count them; every state change is in alert_changes.
CREATE TABLE alerts (
    seq             INTEGER PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,
    integration     TEXT    NOT NULL,
    fingerprint     TEXT    NOT NULL,
    group_key       TEXT,
    rule            TEXT    NOT NULL,
    summary         TEXT    NOT NULL,
    severity        TEXT    NOT NULL,
    service         TEXT,
    state           TEXT    NOT NULL,
    labels          TEXT    NOT NULL,
    annotations     TEXT    NOT NULL,
    url             TEXT,
    starts_at       INTEGER,
    first_seen_at   INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    fired_at        INTEGER NOT NULL,
    acknowledged_at INTEGER,
    acknowledged_by TEXT,
    resolved_at     INTEGER,
    fire_count      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (integration, fingerprint)
);
CREATE INDEX alerts_state ON alerts (state, seq);
CREATE INDEX alerts_service ON alerts (service, seq);

CREATE TABLE alert_changes (
    seq      INTEGER PRIMARY KEY,
    alert_id TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    change   TEXT    NOT NULL,
    -- Who or what: "alertmanager:prometheus", "user:ana", "api:token-name".
    cause    TEXT    NOT NULL,
    event_id TEXT
);
CREATE INDEX alert_changes_alert ON alert_changes (alert_id, seq);
