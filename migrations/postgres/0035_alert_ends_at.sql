-- When a firing alert resolves unless its sender re-sends it (Alertmanager API v2's
-- `endsAt`), and the index the expiry sweep reads open alerts by.
ALTER TABLE alerts ADD COLUMN ends_at BIGINT;
CREATE INDEX alerts_ending ON alerts (ends_at) WHERE ends_at IS NOT NULL AND state <> 'resolved';
