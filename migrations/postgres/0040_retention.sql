-- `[retention]`: when an event's raw payload (its headers and body) was removed; its
-- normalized facts and every row made from it stay.
ALTER TABLE events ADD COLUMN payload_pruned_at BIGINT;
-- Pruning walks the events that still hold a payload from the oldest, a small batch at a time.
CREATE INDEX events_payload_kept ON events (seq) WHERE payload_pruned_at IS NULL;

-- The message a chat app posted about a subject (`alert:ID`, an incident), which later
-- notices about it replace in place. Kept apart from the jobs, so that finished jobs can be
-- pruned while an alert or incident they told of is still going.
CREATE TABLE chat_posts (
    destination TEXT   NOT NULL,
    subject     TEXT   NOT NULL,
    message     TEXT   NOT NULL,
    posted_at   BIGINT NOT NULL,
    PRIMARY KEY (destination, subject)
);
INSERT INTO chat_posts (destination, subject, message, posted_at)
SELECT DISTINCT ON (destination, chat_subject)
       destination, chat_subject, chat_message, updated_at
FROM jobs
WHERE chat_message IS NOT NULL AND chat_subject IS NOT NULL AND destination IS NOT NULL
ORDER BY destination, chat_subject, seq DESC;
