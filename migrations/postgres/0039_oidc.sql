-- Single sign-on (`[auth.oidc]`). A user who signs in through the provider is known by the
-- provider's issuer and subject; their password hash is "!", which no password matches.
ALTER TABLE users ADD COLUMN oidc_subject TEXT;
ALTER TABLE users ADD COLUMN email TEXT;
-- The `[[people]]` entry their email matched at their last sign-in.
ALTER TABLE users ADD COLUMN person TEXT;
CREATE UNIQUE INDEX users_oidc_subject ON users (oidc_subject) WHERE oidc_subject IS NOT NULL;

-- The ID token a session began with: sign-out hands it to the provider's end_session_endpoint.
ALTER TABLE sessions ADD COLUMN id_token TEXT;

-- Sign-ins under way: the state's hash, the browser's cookie's hash, the PKCE verifier and the
-- nonce. The callback takes its row (once: a replayed state finds none); rows older than ten
-- minutes are dropped.
CREATE TABLE oidc_logins (
    state_hash   TEXT   PRIMARY KEY,
    browser_hash TEXT   NOT NULL,
    verifier     TEXT   NOT NULL,
    nonce        TEXT   NOT NULL,
    next         TEXT   NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX oidc_logins_created ON oidc_logins (created_at);
