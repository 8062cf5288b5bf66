-- Requests from chat platforms already acted on, by the platform's own unique mark (a Slack
-- signature, a Mattermost trigger id), so a replayed request acts once. Kept an hour: Slack
-- refuses anything older than five minutes anyway.
CREATE TABLE chat_requests (
    app      TEXT   NOT NULL,
    mark     TEXT   NOT NULL,
    seen_at  BIGINT NOT NULL,
    PRIMARY KEY (app, mark)
);
CREATE INDEX chat_requests_seen ON chat_requests (seen_at);
