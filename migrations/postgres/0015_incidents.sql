-- Incidents: one row each (its number is its seq), and its timeline: state changes,
-- acknowledgements, notes and, later, alerts, pages, updates and what changed.
CREATE TABLE incidents (
    seq                BIGSERIAL PRIMARY KEY,
    id                 TEXT    NOT NULL UNIQUE,
    title              TEXT    NOT NULL,
    severity           TEXT    NOT NULL,
    priority           TEXT    NOT NULL,
    state              TEXT    NOT NULL,
    -- The services, as a JSON array.
    services           TEXT    NOT NULL,
    summary            TEXT,
    customer_impact    TEXT,
    impact_started_at  BIGINT,
    detected_at        BIGINT,
    acknowledged_at    BIGINT,
    mitigated_at       BIGINT,
    resolved_at        BIGINT,
    causing_deployment TEXT,
    declared_by        TEXT    NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX incidents_state ON incidents (state, seq);

CREATE TABLE incident_timeline (
    seq         BIGSERIAL PRIMARY KEY,
    incident_id TEXT    NOT NULL,
    at          BIGINT NOT NULL,
    kind        TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    actor       TEXT,
    link        TEXT,
    starred     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, at, seq);
