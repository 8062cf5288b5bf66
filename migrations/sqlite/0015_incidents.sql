-- Incidents: one row each (its number is its seq), and its timeline: state changes,
-- acknowledgements, notes and, later, alerts, pages, updates and what changed.
CREATE TABLE incidents (
    seq                INTEGER PRIMARY KEY,
    id                 TEXT    NOT NULL UNIQUE,
    title              TEXT    NOT NULL,
    severity           TEXT    NOT NULL,
    priority           TEXT    NOT NULL,
    state              TEXT    NOT NULL,
    -- The services, as a JSON array.
    services           TEXT    NOT NULL,
    summary            TEXT,
    customer_impact    TEXT,
    impact_started_at  INTEGER,
    detected_at        INTEGER,
    acknowledged_at    INTEGER,
    mitigated_at       INTEGER,
    resolved_at        INTEGER,
    causing_deployment TEXT,
    declared_by        TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX incidents_state ON incidents (state, seq);

CREATE TABLE incident_timeline (
    seq         INTEGER PRIMARY KEY,
    incident_id TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    actor       TEXT,
    link        TEXT,
    starred     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, at, seq);
