-- The chat platform's id of the message a delivery posted through a chat app (Slack's
-- CHANNEL:TS, a Mattermost post id), so later changes can update that message in place.
ALTER TABLE jobs ADD COLUMN chat_message TEXT;
