-- A status page component's status set by hand, which wins over what incidents and
-- maintenance say until it is cleared.
CREATE TABLE status_overrides (
    component TEXT    PRIMARY KEY,
    status    TEXT    NOT NULL,
    note      TEXT,
    set_by    TEXT    NOT NULL,
    set_at    INTEGER NOT NULL
);
