//! `/login` and `/logout`. A wrong name and a wrong password get the same answer in about the
//! same time (an unknown name is checked against a dummy hash), attempts are rate limited per
//! name and per address, and a new session token is made at every sign-in.

use std::sync::LazyLock;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::auth::{self, ClientAddress, Form, NoFields, SignedIn};
use super::render::{self, PageError};
use crate::accounts::sign_in::{self, Attempt};
use crate::core::audit::{Actor, Channel};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::accounts::NewSession;
use crate::store::audit::NewAudit;

/// Verified against when the name is unknown, so that answer takes as long as a wrong
/// password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    crate::accounts::users::hash_password("not a password anyone has").unwrap_or_default()
});

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
    /// Back from the identity provider's sign-out.
    pub signed_out: Option<String>,
}

/// Only an absolute path on this site: `/events?source=github`, never `//evil.example`,
/// `/\evil.example`, `https://…`, or a path a browser would read another way after dropping
/// whitespace or control characters (`/\t/evil.example`). Anything else is `/`.
pub(super) fn safe_next(next: Option<&str>) -> String {
    const MAX_LENGTH: usize = 2048;
    let Some(path) = next else {
        return "/".to_owned();
    };
    let plain = path.len() <= MAX_LENGTH
        && path.starts_with('/')
        && !path.starts_with("//")
        && !path
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\');
    if !plain {
        return "/".to_owned();
    }
    // Read as a browser would, against a stand-in origin: it must stay on that origin and
    // not be the sign-in page itself.
    let stays = url::Url::parse("http://firewatch.invalid")
        .and_then(|base| base.join(path))
        .is_ok_and(|joined| {
            joined.scheme() == "http"
                && joined.host_str() == Some("firewatch.invalid")
                && joined.port().is_none()
                && joined.path() != "/login"
                && !joined.path().starts_with("/login/")
        });
    if stays {
        path.to_owned()
    } else {
        "/".to_owned()
    }
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed_in: Option<SignedIn>,
    axum::extract::Query(query): axum::extract::Query<NextQuery>,
) -> Result<Response, PageError> {
    let next = safe_next(query.next.as_deref());
    if signed_in.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let first_run =
        state.store.list_users().await?.is_empty() && state.config.current().auth.oidc.is_none();
    let notice = query
        .signed_out
        .is_some()
        .then(|| super::frame::viewer_locale(&state, &headers, None).text("login-signed-out"));
    login_form_with(
        &state,
        &headers,
        &next,
        None,
        notice,
        first_run,
        StatusCode::OK,
    )
    .await
}

/// The sign-in form, with a fresh login CSRF cookie unless the browser holds one, and the
/// identity provider's button when single sign-on is set up (or a sentence when it does not
/// answer: the local form still works).
pub(super) async fn login_form(
    state: &AppState,
    headers: &HeaderMap,
    next: &str,
    problem: Option<String>,
    first_run: bool,
    status: StatusCode,
) -> Result<Response, PageError> {
    login_form_with(state, headers, next, problem, None, first_run, status).await
}

async fn login_form_with(
    state: &AppState,
    headers: &HeaderMap,
    next: &str,
    problem: Option<String>,
    notice: Option<String>,
    first_run: bool,
    status: StatusCode,
) -> Result<Response, PageError> {
    let locale = super::frame::viewer_locale(state, headers, None);
    let sso = match &state.config.current().auth.oidc {
        Some(oidc) => {
            let down = state
                .oidc
                .status(oidc, state.clock.now())
                .await
                .err()
                .map(|_| locale.text("login-sso-down"));
            Some(context! {
                name => &oidc.name,
                href => format!("/auth/oidc/login?{}", serde_urlencoded::to_string([("next", next)]).unwrap_or_default()),
                down,
            })
        }
        None => None,
    };
    let login_cookie = auth::login_cookie_name(auth::secure(state));
    let existing = auth::cookie(headers, login_cookie).filter(|value| value.len() >= 32);
    let token = match existing {
        Some(token) => token.to_owned(),
        None => auth::random_token()?,
    };
    let body = render::render(
        "login.html",
        context! {
            csrf => &token,
            next,
            problem,
            notice,
            sso,
            first_run,
            locale => locale.code(),
            assets => super::assets::prefix(),
        },
    )?;
    let mut response = (status, body).into_response();
    if existing.is_none() {
        // Path=/ as the `__Host-` prefix requires.
        let cookie = auth::set_cookie(login_cookie, &token, "/", 3600, auth::secure(state));
        if let Ok(value) = cookie.parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, PageError> {
    let fields = auth::form_fields(body, auth::MAX_FORM_BYTES).await?;
    let expected =
        auth::cookie(&headers, auth::login_cookie_name(auth::secure(&state))).unwrap_or_default();
    if !auth::tokens_match(auth::field(&fields, "_csrf").unwrap_or_default(), expected) {
        return Err(PageError::Csrf);
    }
    let name = auth::field(&fields, "username").unwrap_or_default().trim();
    let password = auth::field(&fields, "password").unwrap_or_default();
    let next = safe_next(auth::field(&fields, "next"));
    let now = state.clock.now();
    let found = match state.store.user_credentials(name).await {
        Ok(found) => Some(found),
        Err(StoreError::NotFound) => None,
        Err(error) => return Err(error.into()),
    };
    let secure = auth::secure(&state);
    // A browser that signed in as this user before is counted on its own, so guesses from
    // elsewhere never keep it out.
    let device = auth::cookie(&headers, auth::device_cookie_name(secure))
        .zip(found.as_ref())
        .and_then(|(cookie, (user, hash))| sign_in::trusted_device(cookie, &user.name, hash, now));
    let attempt = match &device {
        Some(device) => Attempt::Device(device),
        None => Attempt::Untrusted { name, address },
    };
    let limited = state
        .logins
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .check(attempt, now);
    if let Err(wait) = limited {
        tracing::warn!(
            ?address,
            trusted_device = device.is_some(),
            "sign-in refused: too many attempts"
        );
        let locale = super::frame::viewer_locale(&state, &headers, None);
        let message = locale.text_with(
            "login-too-many",
            &[(
                "wait",
                locale
                    .duration(wait.max(jiff::SignedDuration::from_secs(1)))
                    .into(),
            )],
        );
        return login_form(
            &state,
            &headers,
            &next,
            Some(message),
            false,
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await;
    }
    let (user, hash) = found.unzip();
    let password = password.to_owned();
    let checked_hash = hash.clone();
    // Argon2 takes tens of milliseconds of CPU by design (the dummy hash too, the first time
    // it is made): off the async threads.
    let matches = tokio::task::spawn_blocking(move || {
        let hash = checked_hash.unwrap_or_else(|| DUMMY_HASH.clone());
        crate::accounts::users::verify_password(&password, &hash)
    })
    .await
    .unwrap_or(false);
    let user = match user {
        Some(user) if matches && user.disabled_at.is_none() => user,
        known => {
            state
                .logins
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .failed(attempt, now);
            // An unknown name is not logged: people type passwords into the name field.
            let (actor, target) = match &known {
                Some(user) => {
                    tracing::info!(user = %user.name, ?address, "sign-in failed");
                    (format!("user:{}", user.name), user.name.clone())
                }
                None => {
                    tracing::info!(?address, "sign-in failed: no such user");
                    ("unknown".to_owned(), String::new())
                }
            };
            let why = match &known {
                Some(user) if user.disabled_at.is_some() => "disabled",
                Some(_) => "wrong password",
                None => "no such user",
            };
            let entry = NewAudit::new(
                &Actor::new(actor, Channel::Ui),
                "session.sign_in_failed",
                target,
            )
            .after(serde_json::json!({ "address": address.map(|a| a.to_string()), "why": why }));
            state.store.record_audit(&[entry], now).await?;
            return login_form(
                &state,
                &headers,
                &next,
                Some(super::frame::viewer_locale(&state, &headers, None).text("login-wrong")),
                false,
                StatusCode::UNAUTHORIZED,
            )
            .await;
        }
    };
    state
        .logins
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .succeeded(attempt);
    let token = auth::random_token()?;
    let csrf = auth::random_token()?;
    let lifetime = auth::session_lifetime(&state);
    let audit = [NewAudit::new(
        &Actor::user(&user.name, Channel::Ui),
        "session.sign_in",
        &user.name,
    )
    .after(serde_json::json!({ "method": "password", "address": address.map(|a| a.to_string()) }))];
    state
        .store
        .create_session(
            &NewSession {
                token_hash: &crate::accounts::tokens::hash(&token),
                user_id: &user.id,
                csrf_token: &csrf,
                now,
                expires_at: now.saturating_add(lifetime).unwrap_or(now),
                id_token: None,
            },
            &audit,
        )
        .await?;
    tracing::info!(user = %user.name, role = %user.role, "signed in");
    let mut response = Redirect::to(&next).into_response();
    // The cookie outlives no session: the server ends sessions, the browser just forgets.
    let max_age = auth::MAX_SESSION.as_secs();
    for cookie in [
        auth::set_cookie(
            auth::session_cookie_name(secure),
            &token,
            "/",
            max_age,
            secure,
        ),
        auth::set_cookie(auth::login_cookie_name(secure), "", "/", 0, secure),
        auth::set_cookie(
            auth::device_cookie_name(secure),
            &sign_in::device_cookie(&user.name, hash.as_deref().unwrap_or_default(), now),
            "/",
            sign_in::DEVICE_LIFETIME.as_secs(),
            secure,
        ),
    ] {
        if let Ok(value) = cookie.parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, PageError> {
    let audit = [NewAudit::new(
        &user.actor(),
        "session.sign_out",
        &user.user.name,
    )];
    state
        .store
        .delete_session(&user.token_hash, &audit, state.clock.now())
        .await?;
    tracing::info!(user = %user.user.name, "signed out");
    let secure = auth::secure(&state);
    // A single sign-on's session ends at the provider too: the browser goes there next.
    let after = match &user.id_token {
        Some(id_token) => state.oidc.end_session_url(&state, id_token).await,
        None => None,
    };
    // A page that moves on by itself, not a redirect: the page's `form-action 'self'` would
    // stop a form's redirect to the provider.
    let mut response = match after {
        Some(provider) => render::render(
            "sso_sign_out.html",
            context! {
                provider,
                locale => super::frame::viewer_locale(&state, &headers, Some(&user)).code(),
                assets => super::assets::prefix(),
            },
        )?
        .into_response(),
        None => Redirect::to("/login").into_response(),
    };
    let cookie = auth::set_cookie(auth::session_cookie_name(secure), "", "/", 0, secure);
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        for good in [
            "/",
            "/events?source=github",
            "/incidents/inc_1#timeline",
            "/alerts?state=firing&service=api",
            "/changes/chg_1?changed=approved",
            "/status",
            "/a/b/../c",
            "/%2F%2Fevil.example",
            "/logins-audit",
        ] {
            assert_eq!(safe_next(Some(good)), good, "{good:?}");
        }
        for bad in [
            "//evil.example",
            "///evil.example",
            "https://evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "/\\evil",
            "\\/evil",
            "/\t/127.0.0.1:18091/x",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/\u{0B}/x",
            "/\u{0C}/x",
            "/\0/x",
            "/ /evil.example",
            "/\u{A0}/evil.example",
            "/\u{2028}/evil.example",
            "/\u{7F}/x",
            " /events",
            "/login",
            "/login?next=/events",
            "/login/",
            "events",
            "",
            "?next=/",
            "#/x",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(3000)))), "/");
        assert_eq!(safe_next(None), "/");
    }
}
