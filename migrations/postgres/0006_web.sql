-- Sign-in sessions. Only a hash of the cookie's token is kept, so a copy of the database does
-- not sign anyone in; the CSRF token is per session and goes into every form.
CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (id),
    csrf_token   TEXT    NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- One row per delivery attempt, for delivery health and latency (pruned after a retention
-- period; the jobs table keeps each notification's latest outcome).
CREATE TABLE delivery_attempts (
    job_seq      BIGINT NOT NULL,
    destination  TEXT    NOT NULL,
    attempted_at BIGINT NOT NULL,
    outcome      TEXT    NOT NULL,
    status       INTEGER,
    error        TEXT,
    -- From the notification being queued to this attempt's end.
    latency_ms   BIGINT NOT NULL
);
CREATE INDEX delivery_attempts_destination ON delivery_attempts (destination, attempted_at);
CREATE INDEX delivery_attempts_time ON delivery_attempts (attempted_at);

-- Events stored per quarter hour and source, kept up to date in the intake transaction so the
-- overview never counts the events table. Quarter hours fit every time zone's offset.
CREATE TABLE event_counts (
    bucket BIGINT NOT NULL,
    source TEXT    NOT NULL,
    count  BIGINT NOT NULL,
    PRIMARY KEY (bucket, source)
);
INSERT INTO event_counts (bucket, source, count)
SELECT (received_at / 900000) * 900000, source, count(*) FROM events GROUP BY 1, 2;

-- The event feed filters by repository; only forge events have one.
ALTER TABLE events ADD COLUMN repository TEXT;
UPDATE events SET repository = normalized::jsonb ->> 'repository' WHERE normalized IS NOT NULL;
CREATE INDEX events_repository ON events (repository, seq) WHERE repository IS NOT NULL;
CREATE INDEX notifications_event ON jobs (event_id) WHERE event_id IS NOT NULL;
