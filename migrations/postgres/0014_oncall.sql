-- On-call: overrides made at run time, escalations (one per service and notification group
-- while open), what each did (its log), the pages it sent, and the links that acknowledge.
CREATE TABLE oncall_overrides (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT    NOT NULL UNIQUE,
    schedule    TEXT    NOT NULL,
    person      TEXT    NOT NULL,
    replaces    TEXT,
    start_at    BIGINT NOT NULL,
    end_at      BIGINT NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX oncall_overrides_schedule ON oncall_overrides (schedule, end_at);

CREATE TABLE escalations (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,
    -- What shares it: the service and the alert's notification group.
    key             TEXT    NOT NULL,
    policy          TEXT    NOT NULL,
    service         TEXT,
    summary         TEXT    NOT NULL,
    severity        TEXT    NOT NULL,
    alert_id        TEXT,
    incident_id     TEXT,
    -- active | acknowledged | resolved
    state           TEXT    NOT NULL,
    step            BIGINT NOT NULL DEFAULT 0,
    round           BIGINT NOT NULL DEFAULT 0,
    next_step_at    BIGINT,
    started_at      BIGINT NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_by TEXT,
    ended_at        BIGINT
);
-- One open escalation per key: alerts of a group join it rather than start another.
CREATE UNIQUE INDEX escalations_open ON escalations (key) WHERE ended_at IS NULL;

CREATE TABLE escalation_alerts (
    escalation_id TEXT    NOT NULL,
    alert_id      TEXT    NOT NULL,
    joined_at     BIGINT NOT NULL,
    PRIMARY KEY (escalation_id, alert_id)
);
CREATE INDEX escalation_alerts_alert ON escalation_alerts (alert_id);

CREATE TABLE escalation_log (
    seq           BIGSERIAL PRIMARY KEY,
    escalation_id TEXT    NOT NULL,
    at            BIGINT NOT NULL,
    -- started | step | empty_step | exhausted | acknowledged | resolved | joined
    kind          TEXT    NOT NULL,
    text          TEXT    NOT NULL,
    actor         TEXT
);
CREATE INDEX escalation_log_escalation ON escalation_log (escalation_id, seq);

CREATE TABLE pages (
    seq           BIGSERIAL PRIMARY KEY,
    id            TEXT    NOT NULL UNIQUE,
    -- NULL for a test page.
    escalation_id TEXT,
    person        TEXT    NOT NULL,
    -- NULL when the person has no contact method: recorded, reaches nobody.
    contact       TEXT,
    contact_kind  TEXT,
    step          BIGINT,
    round         BIGINT,
    -- The step's target that found the person: person:ID or schedule:ID.
    target        TEXT,
    -- pending | sent | failed | cancelled | folded | unreachable
    state         TEXT    NOT NULL,
    summary       TEXT    NOT NULL,
    due_at        BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    sent_at       BIGINT,
    error         TEXT,
    -- How many pages the throttle folded into this one.
    folded        BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX pages_escalation ON pages (escalation_id, seq);
CREATE INDEX pages_person_sent ON pages (person, sent_at);

CREATE TABLE page_links (
    token_hash    TEXT    PRIMARY KEY,
    escalation_id TEXT    NOT NULL,
    page_id       TEXT,
    person        TEXT,
    expires_at    BIGINT NOT NULL,
    used_at       BIGINT,
    used_action   TEXT
);

-- One row per person paged, locked while a page checks the person's throttle, so two
-- replicas sending at once cannot both take the last slot of the minute.
CREATE TABLE page_throttle (
    person TEXT PRIMARY KEY
);
