-- The state projector must not read past an event whose transaction has not committed yet:
-- with several intake transactions at once, a lower seq can commit after a higher one. Each
-- event keeps the id of the transaction that stored it, and the projector reads in (tx, seq)
-- order only the events of transactions older than every one still running in this database,
-- so none can appear behind its position later. Rows stored before this migration read as tx 0.
ALTER TABLE events ADD COLUMN tx BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events ALTER COLUMN tx SET DEFAULT (pg_current_xact_id()::text::bigint);
DROP INDEX events_forge;
CREATE INDEX events_forge ON events (tx, seq) WHERE normalized IS NOT NULL;
ALTER TABLE projections ADD COLUMN tx BIGINT NOT NULL DEFAULT 0;
