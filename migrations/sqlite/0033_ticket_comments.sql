-- Comments made on a tracker's issues (Jira), one per issue and subject (`merged:` or
-- `deployed:` and the pull request), so a retry or a redelivery comments nothing twice.
CREATE TABLE ticket_comments (
    issue TEXT NOT NULL,
    subject TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (issue, subject)
);
