-- The state projector reads in (tx, seq) order, the order PostgreSQL's concurrent intake
-- transactions become visible in. SQLite has one writer, so seq order is already commit order
-- and tx stays 0; the column keeps the projector's query the same on both backends.
ALTER TABLE events ADD COLUMN tx INTEGER NOT NULL DEFAULT 0;
DROP INDEX events_forge;
CREATE INDEX events_forge ON events (tx, seq) WHERE normalized IS NOT NULL;
ALTER TABLE projections ADD COLUMN tx INTEGER NOT NULL DEFAULT 0;
