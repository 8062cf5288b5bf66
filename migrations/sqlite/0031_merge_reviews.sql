-- The no-self-merge rule: each reviewer's latest standing on a request, and each merge as
-- judged when it was projected (finding NULL: independently reviewed).
CREATE TABLE pr_reviews (
    source TEXT NOT NULL,
    repository TEXT NOT NULL,
    number BIGINT NOT NULL,
    reviewer TEXT NOT NULL,
    state TEXT NOT NULL,
    commit_sha TEXT,
    by_author INTEGER,
    at BIGINT NOT NULL,
    PRIMARY KEY (source, repository, number, reviewer)
);
CREATE TABLE merge_reviews (
    source TEXT NOT NULL,
    repository TEXT NOT NULL,
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    url TEXT,
    author TEXT,
    merged_by TEXT,
    head_sha TEXT,
    merged_at BIGINT NOT NULL,
    finding TEXT,
    PRIMARY KEY (source, repository, number)
);
CREATE INDEX merge_reviews_merged_at ON merge_reviews (merged_at);
