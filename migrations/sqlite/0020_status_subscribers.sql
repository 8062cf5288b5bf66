-- People and systems told about the status page's incidents: by email or by webhook, once
-- they confirm through the link sent to the address. The token is the secret in that link
-- and in every message's unsubscribe link. An empty component list means all of them.
CREATE TABLE status_subscribers (
    id                 TEXT    PRIMARY KEY,
    kind               TEXT    NOT NULL,
    address            TEXT    NOT NULL,
    components         TEXT    NOT NULL,
    -- What a confirmed subscriber asked for again, applied when they confirm it.
    pending_components TEXT,
    token              TEXT    NOT NULL UNIQUE,
    state              TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    confirmed_at       INTEGER,
    unsubscribed_at    INTEGER,
    UNIQUE (kind, address)
);
