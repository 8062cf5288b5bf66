-- Chat users matched to people by their email (Slack's users.lookupByEmail, Mattermost's
-- users/email), kept so a click is not another API call.
CREATE TABLE chat_users (
    app         TEXT    NOT NULL,
    chat_user   TEXT    NOT NULL,
    person      TEXT    NOT NULL,
    looked_up_at BIGINT NOT NULL,
    PRIMARY KEY (app, chat_user)
);
