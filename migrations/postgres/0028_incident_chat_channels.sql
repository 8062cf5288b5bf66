-- The chat channels an incident was given (`APP#CHANNEL`, comma-separated): its notices are
-- posted there too, and a message marked there lands on its timeline.
ALTER TABLE incidents ADD COLUMN chat_channels TEXT NOT NULL DEFAULT '';
