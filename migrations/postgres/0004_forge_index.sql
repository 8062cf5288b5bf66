-- The state projector reads forge events in order; generic events never enter this index, so
-- neither intake nor the projector pays for them.
CREATE INDEX events_forge ON events (seq) WHERE normalized IS NOT NULL;
