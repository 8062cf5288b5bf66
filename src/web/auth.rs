//! Who is signed in, what they may do, and whether a form really came from one of our pages.
//!
//! A session is a random 256-bit token in an HttpOnly cookie; the store keeps only its
//! SHA-256. Each session has its own CSRF token, which every form carries as `_csrf` and
//! [`Form`] checks before the handler runs. The sign-in form, which has no session yet, checks a
//! token kept in a short-lived cookie of its own instead (double submit).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use jiff::SignedDuration;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::render::PageError;
use crate::core::role::Role;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::accounts::User;

pub const SESSION_COOKIE: &str = "fw_session";
/// The cookie's name over HTTPS: the `__Host-` prefix makes browsers refuse it unless it is
/// Secure, host-only and for the whole site.
pub const SECURE_SESSION_COOKIE: &str = "__Host-fw_session";
pub const LOGIN_COOKIE: &str = "fw_login";
/// The sign-in form's cookie over HTTPS, with the same prefix for the same reason.
pub const SECURE_LOGIN_COOKIE: &str = "__Host-fw_login";
/// A session is renewed at most this often, so browsing does not write on every page.
const RENEW_AFTER: SignedDuration = SignedDuration::from_mins(5);
/// However active, a session ends this long after sign-in.
pub const MAX_SESSION: SignedDuration = SignedDuration::from_hours(24 * 7);
/// Largest form body a page accepts, unless its [`Form`] says otherwise.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// The signed-in user of this request.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub role: Role,
    pub csrf: String,
    pub token_hash: String,
    /// The ID token a single sign-on began with (sign-out hands it to the provider).
    pub id_token: Option<String>,
}

impl SignedIn {
    /// Refuses the request unless the user's role includes `needed`.
    pub fn require(&self, needed: Role) -> Result<(), PageError> {
        if self.role.allows(needed) {
            Ok(())
        } else {
            Err(PageError::Forbidden(needed))
        }
    }

    /// The `[[people]]` entry this user is: the one their single sign-on matched by email,
    /// else the one naming them as its `user`.
    pub fn person<'c>(
        &self,
        config: &'c crate::config::Config,
    ) -> Option<&'c crate::config::oncall::PersonConfig> {
        config.person_of(&self.user.name, self.user.person.as_deref())
    }

    /// Who the audit log says acted: this user, in the web UI.
    pub fn actor(&self) -> crate::core::audit::Actor {
        crate::core::audit::Actor::user(&self.user.name, crate::core::audit::Channel::Ui)
    }
}

/// The value of cookie `name` in the request, if sent.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// True when cookies must be Secure: the UI is served over HTTPS.
pub fn secure(state: &AppState) -> bool {
    state
        .config
        .current()
        .server
        .public_url
        .as_deref()
        .is_some_and(|url| url.starts_with("https://"))
}

/// A browser that signed in before (`accounts::sign_in::device_cookie`).
pub fn device_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-fw_device"
    } else {
        "fw_device"
    }
}

pub fn login_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_LOGIN_COOKIE
    } else {
        LOGIN_COOKIE
    }
}

pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// A `Set-Cookie` value. `max_age` zero deletes the cookie.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> String {
    let mut text =
        format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax");
    if secure {
        text.push_str("; Secure");
    }
    text
}

/// 256 random bits, URL-safe.
pub fn random_token() -> Result<String, PageError> {
    use base64::Engine as _;
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| {
        tracing::error!(%error, "no randomness for a session token");
        PageError::Unavailable
    })?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Compares a presented token with the expected one in constant time; empty never matches.
pub fn tokens_match(presented: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(presented.as_bytes().ct_eq(expected.as_bytes()))
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(signed_in) = parts.extensions.get::<SignedIn>() {
            return Ok(signed_in.clone());
        }
        let sign_in = || PageError::SignIn {
            next: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".into()),
        };
        // Over HTTPS only the prefixed cookie counts: a plain one may have been set by a
        // neighbouring site or over plain HTTP.
        let token =
            cookie(&parts.headers, session_cookie_name(secure(state))).ok_or_else(sign_in)?;
        let token_hash = crate::accounts::tokens::hash(token);
        let now = state.clock.now();
        let session = match state.store.find_session(&token_hash, now).await {
            Ok(session) => session,
            Err(StoreError::NotFound) => return Err(sign_in()),
            Err(error) => return Err(error.into()),
        };
        let lifetime = session_lifetime(state);
        if now.duration_since(session.last_seen_at) >= RENEW_AFTER {
            let hard_end = session
                .created_at
                .saturating_add(MAX_SESSION)
                .unwrap_or(now);
            let expires_at = now.saturating_add(lifetime).unwrap_or(now).min(hard_end);
            state
                .store
                .touch_session(&token_hash, now, expires_at)
                .await?;
        }
        let role = session.user.role.parse().unwrap_or(Role::Viewer);
        let signed_in = SignedIn {
            user: session.user,
            role,
            csrf: session.csrf_token,
            token_hash,
            id_token: session.id_token,
        };
        parts.extensions.insert(signed_in.clone());
        Ok(signed_in)
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for SignedIn {
    type Rejection = PageError;

    /// `None` when nobody is signed in; store errors still refuse the request.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <SignedIn as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(signed_in) => Ok(Some(signed_in)),
            Err(PageError::SignIn { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

pub fn session_lifetime(state: &AppState) -> SignedDuration {
    SignedDuration::from_secs_f64(state.config.current().server.session_hours * 3600.0)
}

/// A form whose only field is `_csrf` (a button that does one thing).
#[derive(Debug, serde::Deserialize)]
pub struct NoFields {}

/// A URL-encoded form from a signed-in user whose `_csrf` field matches their session, of at
/// most `LIMIT` bytes. Put it last among a handler's arguments.
pub struct Form<T, const LIMIT: usize = MAX_FORM_BYTES>(pub T);

impl<T: DeserializeOwned, const LIMIT: usize> FromRequest<AppState> for Form<T, LIMIT> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let signed_in = SignedIn::from_request_parts(&mut parts, state).await?;
        let fields = form_fields(body, LIMIT).await?;
        let presented = field(&fields, "_csrf").unwrap_or_default();
        if !tokens_match(presented, &signed_in.csrf) {
            tracing::warn!(user = %signed_in.user.name, path = %parts.uri.path(), "form refused: CSRF token missing or wrong");
            return Err(PageError::Csrf);
        }
        decode(&fields).map(Form)
    }
}

/// Reads a URL-encoded body into its fields.
pub async fn form_fields(
    body: axum::body::Body,
    limit: usize,
) -> Result<Vec<(String, String)>, PageError> {
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| PageError::BadRequest("the form is too large".into()))?;
    serde_urlencoded::from_bytes(&bytes)
        .map_err(|_| PageError::BadRequest("the form could not be read".into()))
}

pub fn field<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// Decodes form fields into `T`; repeated fields (checkboxes) become lists when `T` asks.
pub fn decode<T: DeserializeOwned>(fields: &[(String, String)]) -> Result<T, PageError> {
    let mut object = serde_json::Map::new();
    for (key, value) in fields {
        if key == "_csrf" {
            continue;
        }
        match object.get_mut(key) {
            Some(serde_json::Value::Array(list)) => list.push(value.clone().into()),
            Some(existing) => {
                let first = existing.take();
                *existing = serde_json::Value::Array(vec![first, value.clone().into()]);
            }
            None => {
                object.insert(key.clone(), value.clone().into());
            }
        }
    }
    serde_json::from_value(serde_json::Value::Object(object))
        .map_err(|error| PageError::BadRequest(format!("the form could not be read: {error}")))
}

pub use crate::state::ClientAddress;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "fw_session_old=x; fw_session=abc; fw_tz=Asia%2FSeoul"
                .parse()
                .unwrap(),
        );
        assert_eq!(cookie(&headers, "fw_session"), Some("abc"));
        assert_eq!(cookie(&headers, "fw_tz"), Some("Asia%2FSeoul"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn form_fields_decode_with_repeats_as_lists() {
        #[derive(serde::Deserialize)]
        struct Token {
            name: String,
            scopes: Vec<String>,
        }
        let fields = vec![
            ("_csrf".to_owned(), "t".to_owned()),
            ("name".to_owned(), "ci".to_owned()),
            ("scopes".to_owned(), "events:read".to_owned()),
            ("scopes".to_owned(), "admin".to_owned()),
        ];
        let token: Token = decode(&fields).unwrap();
        assert_eq!(token.name, "ci");
        assert_eq!(token.scopes, ["events:read", "admin"]);
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("", ""));
        assert!(!tokens_match("abd", "abc"));
    }
}
