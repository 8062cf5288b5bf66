//! What the accounts domain keeps: users, API tokens and web sessions.

use jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    /// The web UI user the token acts as, when it has one: who approves with it.
    pub user: Option<String>,
    /// Who made it, as the record names them ("user:ana", "api:deploy-bot", "cli").
    pub created_by: Option<String>,
    /// The person who made it, if a person did: the two-person rule counts the token as theirs
    /// too.
    #[serde(skip)]
    pub created_by_user: Option<String>,
    /// The role of `user` now, read with the token (only live tokens of enabled users are
    /// found).
    #[serde(skip)]
    pub user_role: Option<String>,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// A token to store: only its hash, never its text.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub scopes: &'a [String],
    /// The web UI user it acts as.
    pub user: Option<&'a str>,
    pub creator: &'a TokenCreator,
    pub token_hash: &'a str,
    pub now: Timestamp,
}

/// Who makes a token: how the record names them, and the person behind it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenCreator {
    pub by: String,
    pub user: Option<String>,
}

impl TokenCreator {
    /// Someone at the server's own command line: the record says so, and no person is known.
    pub fn cli() -> TokenCreator {
        TokenCreator {
            by: "cli".to_owned(),
            user: None,
        }
    }

    pub fn user(name: &str) -> TokenCreator {
        TokenCreator {
            by: format!("user:{name}"),
            user: Some(name.to_owned()),
        }
    }

    /// Made through the API with `token`: the token's person, if it acts for one.
    pub fn token(token: &ApiToken) -> TokenCreator {
        match &token.user {
            Some(user) => TokenCreator {
                by: format!("user:{user} (token {})", token.name),
                user: Some(user.clone()),
            },
            None => TokenCreator {
                by: format!("api:{}", token.name),
                // A token of no person made by a person is still that person's.
                user: token.created_by_user.clone(),
            },
        }
    }
}

/// A person who signs in (never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub role: String,
    pub created_at: Timestamp,
    pub disabled_at: Option<Timestamp>,
    /// The `[[people]]` entry a single sign-on matched by email (a local user is linked by the
    /// entry's `user` instead).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// Signs in through the identity provider only (no password here).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub single_sign_on: bool,
}

/// A session as the store hands it out: only while it is live and its user is not disabled.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    /// The ID token a single sign-on began with, for the provider's sign-out.
    pub id_token: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// SHA-256 of the cookie's token; the token itself is never stored.
    pub token_hash: &'a str,
    pub user_id: &'a str,
    pub csrf_token: &'a str,
    pub now: Timestamp,
    pub expires_at: Timestamp,
    pub id_token: Option<&'a str>,
}

/// A single sign-on under way, between the redirect to the provider and its callback.
#[derive(Debug, Clone)]
pub struct OidcLogin {
    /// SHA-256 of the `state` sent to the provider.
    pub state_hash: String,
    /// SHA-256 of the cookie the browser that started it holds.
    pub browser_hash: String,
    pub verifier: String,
    pub nonce: String,
    pub next: String,
    pub created_at: Timestamp,
}

/// Who the provider says signed in, as the user to keep.
#[derive(Debug, Clone)]
pub struct OidcUser<'a> {
    /// The issuer and the subject: who they are for good.
    pub subject: &'a str,
    /// Names to try for a new user, in order (taken ones are skipped).
    pub names: &'a [String],
    pub email: Option<&'a str>,
    pub person: Option<&'a str>,
    pub role: &'a str,
}

#[derive(Debug, Clone)]
pub enum OidcSignIn {
    /// Signed in, the session made.
    SignedIn(User),
    /// An admin disabled them: no session.
    Disabled(User),
}

#[async_trait::async_trait]
pub trait AccountStore {
    /// `StoreError::Conflict` when the name is taken.
    async fn create_user(
        &self,
        id: &str,
        name: &str,
        role: &str,
        password_hash: &str,
        now: jiff::Timestamp,
        audit: &[crate::store::audit::NewAudit],
    ) -> crate::store::Result<()>;

    async fn list_users(&self) -> crate::store::Result<Vec<crate::store::accounts::User>>;

    /// The person a chat app's user was matched to by email, if one was.
    async fn chat_person(&self, app: &str, chat_user: &str)
    -> crate::store::Result<Option<String>>;

    /// Keeps chat users matched to people by email: `(chat user, person)`; a later match of
    /// the same chat user replaces the earlier.
    async fn remember_chat_users(
        &self,
        app: &str,
        matches: &[(String, String)],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()>;

    /// The chat user a person was matched to on an app, by email or by linking themself.
    async fn chat_user_of(&self, app: &str, person: &str) -> crate::store::Result<Option<String>>;

    /// Whether this is the first time a chat platform's request with this unique `mark` is
    /// seen (it is then kept, and marks older than an hour forgotten): a replay acts once.
    async fn first_chat_request(
        &self,
        app: &str,
        mark: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool>;

    async fn create_token(
        &self,
        token: &crate::store::accounts::NewToken<'_>,
        audit: &[crate::store::audit::NewAudit],
    ) -> crate::store::Result<()>;

    /// The live (not revoked) token with this hash, with its person's role; `NotFound` when
    /// it acts for a person who is disabled or no longer exists.
    async fn find_token(
        &self,
        token_hash: &str,
    ) -> crate::store::Result<crate::store::accounts::ApiToken>;

    async fn list_tokens(&self) -> crate::store::Result<Vec<crate::store::accounts::ApiToken>>;

    async fn revoke_token(
        &self,
        id: &str,
        now: jiff::Timestamp,
        audit: &[crate::store::audit::NewAudit],
    ) -> crate::store::Result<()>;

    async fn get_user(&self, id: &str) -> crate::store::Result<crate::store::accounts::User>;

    /// The user with this name and their password hash (PHC string), for signing in.
    async fn user_credentials(
        &self,
        name: &str,
    ) -> crate::store::Result<(crate::store::accounts::User, String)>;

    async fn set_user_role(
        &self,
        id: &str,
        role: &str,
        audit: &[crate::store::audit::NewAudit],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()>;

    /// Disables (ending every session) or enables a user.
    async fn set_user_disabled(
        &self,
        id: &str,
        disabled_at: Option<jiff::Timestamp>,
        audit: &[crate::store::audit::NewAudit],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()>;

    /// Sets a user's password hash and ends their sessions but `keep_session` (a token
    /// hash: the one changing it); how many sessions ended.
    async fn set_password(
        &self,
        id: &str,
        password_hash: &str,
        keep_session: Option<&str>,
        audit: &[crate::store::audit::NewAudit],
        now: jiff::Timestamp,
    ) -> crate::store::Result<u64>;

    async fn create_session(
        &self,
        session: &crate::store::accounts::NewSession<'_>,
        audit: &[crate::store::audit::NewAudit],
    ) -> crate::store::Result<()>;

    /// The live session with this token hash; `NotFound` when expired, ended or its user is
    /// disabled.
    async fn find_session(
        &self,
        token_hash: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<crate::store::accounts::Session>;

    async fn touch_session(
        &self,
        token_hash: &str,
        now: jiff::Timestamp,
        expires_at: jiff::Timestamp,
    ) -> crate::store::Result<()>;

    /// Keeps a sign-in under way, after dropping those older than ten minutes; `false` (and
    /// nothing kept) when `max_pending` are already under way.
    async fn begin_oidc_login(
        &self,
        login: &crate::store::accounts::OidcLogin,
        max_pending: i64,
    ) -> crate::store::Result<bool>;

    /// Takes (removes) the sign-in with this state's hash, if it is under ten minutes old: a
    /// state is good once.
    async fn take_oidc_login(
        &self,
        state_hash: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Option<crate::store::accounts::OidcLogin>>;

    /// Finds the user by subject (else makes one under the first free name), brings their
    /// role, email and person up to date, and, unless they are disabled, makes the session;
    /// in one transaction with the audit entries `audit` makes of the user and whether it
    /// was made now.
    async fn oidc_sign_in(
        &self,
        user: &crate::store::accounts::OidcUser<'_>,
        session: &crate::store::accounts::NewSession<'_>,
        audit: &crate::store::audit::AuditOf<'_, (crate::store::accounts::User, bool)>,
    ) -> crate::store::Result<crate::store::accounts::OidcSignIn>;

    async fn delete_session(
        &self,
        token_hash: &str,
        audit: &[crate::store::audit::NewAudit],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()>;
}
