-- Incident response: alerts that opened or joined an incident (an automatic incident keeps
-- the key its alerts share), who held each role and when, status updates with their public
-- flag (the status page reads these), and what changed, read from forge events by time.
ALTER TABLE incidents ADD COLUMN auto_key TEXT;
ALTER TABLE incidents ADD COLUMN last_alert_at INTEGER;
ALTER TABLE incidents ADD COLUMN last_update_at INTEGER;
CREATE INDEX incidents_auto ON incidents (auto_key) WHERE auto_key IS NOT NULL;

CREATE TABLE incident_alerts (
    incident_id TEXT    NOT NULL,
    alert_id    TEXT    NOT NULL,
    joined_at   INTEGER NOT NULL,
    PRIMARY KEY (incident_id, alert_id)
);
CREATE INDEX incident_alerts_alert ON incident_alerts (alert_id);

CREATE TABLE incident_roles (
    seq         INTEGER PRIMARY KEY,
    incident_id TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    person      TEXT    NOT NULL,
    since       INTEGER NOT NULL,
    until       INTEGER,
    assigned_by TEXT    NOT NULL
);
CREATE INDEX incident_roles_incident ON incident_roles (incident_id, seq);

CREATE TABLE incident_updates (
    seq         INTEGER PRIMARY KEY,
    incident_id TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    public      INTEGER NOT NULL,
    actor       TEXT    NOT NULL
);
CREATE INDEX incident_updates_incident ON incident_updates (incident_id, seq);

CREATE INDEX escalations_incident ON escalations (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX events_repository_time ON events (repository, received_at) WHERE repository IS NOT NULL;
