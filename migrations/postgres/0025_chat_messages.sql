-- The chat platform's id of the message a delivery posted through a chat app (Slack's
-- CHANNEL:TS, a Mattermost post id), and what the message is about (`alert:ID`), so a later
-- change of the same thing updates that message in place instead of posting another.
ALTER TABLE jobs ADD COLUMN chat_message TEXT;
ALTER TABLE jobs ADD COLUMN chat_subject TEXT;
CREATE INDEX jobs_chat_subject ON jobs (destination, chat_subject) WHERE chat_subject IS NOT NULL;
