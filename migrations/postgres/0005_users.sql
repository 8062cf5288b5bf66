-- People who sign in to the web UI. Passwords are stored only as Argon2id hashes (PHC strings).
CREATE TABLE users (
    id            TEXT   PRIMARY KEY,
    name          TEXT   NOT NULL UNIQUE,
    role          TEXT   NOT NULL,
    password_hash TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    disabled_at   BIGINT
);
