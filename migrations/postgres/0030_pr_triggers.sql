-- What a command in a pull request's comment did: one row per CI target it started (or a row
-- with an empty target when it was refused), keyed by the comment, so a redelivered comment
-- starts nothing twice. The forge projection fills in a build's outcome by its commit.
CREATE TABLE pr_triggers (
    id TEXT PRIMARY KEY,
    command_key TEXT NOT NULL,
    source TEXT NOT NULL,
    repository TEXT NOT NULL,
    number BIGINT NOT NULL,
    target TEXT NOT NULL,
    -- The build source whose result answers it (jenkins, github, gitlab), or any.
    expects TEXT,
    sha TEXT,
    branch TEXT,
    requested_by TEXT,
    requested_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    detail TEXT,
    outcome TEXT,
    outcome_url TEXT,
    build_name TEXT,
    finished_at BIGINT
);
CREATE INDEX pr_triggers_command ON pr_triggers (command_key);
CREATE INDEX pr_triggers_waiting ON pr_triggers (sha) WHERE outcome IS NULL;
