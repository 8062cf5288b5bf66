//! `/login` and `/logout`. A wrong name and a wrong password get the same answer in about the
//! same time (an unknown name is checked against a dummy hash), attempts are rate limited per
//! name and per address, and a new session token is made at every sign-in.

use std::sync::LazyLock;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::auth::{self, ClientAddress, Form, LOGIN_COOKIE, NoFields, SignedIn};
use super::render::{self, PageError};
use crate::accounts::store::NewSession;
use crate::state::AppState;
use crate::store::StoreError;

/// Verified against when the name is unknown, so that answer takes as long as a wrong
/// password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    crate::accounts::users::hash_password("not a password anyone has").unwrap_or_default()
});

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only paths on this site: `/events`, never `//evil.example` or `https://…`.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.starts_with("/login")
                && !path.contains(['\r', '\n']) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
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
    let first_run = state.store.list_users().await?.is_empty();
    login_form(&state, &headers, &next, None, first_run, StatusCode::OK)
}

/// The sign-in form, with a fresh login CSRF cookie unless the browser holds one.
fn login_form(
    state: &AppState,
    headers: &HeaderMap,
    next: &str,
    problem: Option<String>,
    first_run: bool,
    status: StatusCode,
) -> Result<Response, PageError> {
    let existing = auth::cookie(headers, LOGIN_COOKIE).filter(|value| value.len() >= 32);
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
            first_run,
            assets => super::assets::prefix(),
        },
    )?;
    let mut response = (status, body).into_response();
    if existing.is_none() {
        let cookie = auth::set_cookie(LOGIN_COOKIE, &token, "/login", 3600, auth::secure(state));
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
    let expected = auth::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if !auth::tokens_match(auth::field(&fields, "_csrf").unwrap_or_default(), expected) {
        return Err(PageError::Csrf);
    }
    let name = auth::field(&fields, "username").unwrap_or_default().trim();
    let password = auth::field(&fields, "password").unwrap_or_default();
    let next = safe_next(auth::field(&fields, "next"));
    let now = state.clock.now();
    let limited = state
        .logins
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .check(name, address, now);
    if let Err(wait) = limited {
        tracing::warn!(?address, "sign-in refused: too many attempts");
        let message = format!(
            "Too many sign-in attempts. Try again in {}.",
            render::short_duration(wait.max(jiff::SignedDuration::from_secs(1)))
        );
        return login_form(
            &state,
            &headers,
            &next,
            Some(message),
            false,
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let found = match state.store.user_credentials(name).await {
        Ok(found) => Some(found),
        Err(StoreError::NotFound) => None,
        Err(error) => return Err(error.into()),
    };
    let (user, hash) = found.unzip();
    let password = password.to_owned();
    // Argon2 takes tens of milliseconds of CPU by design (the dummy hash too, the first time
    // it is made): off the async threads.
    let matches = tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
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
                .failed(name, address, now);
            // An unknown name is not logged: people type passwords into the name field.
            match known {
                Some(user) => tracing::info!(user = %user.name, ?address, "sign-in failed"),
                None => tracing::info!(?address, "sign-in failed: no such user"),
            }
            return login_form(
                &state,
                &headers,
                &next,
                Some("Wrong user name or password.".into()),
                false,
                StatusCode::UNAUTHORIZED,
            );
        }
    };
    state
        .logins
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .succeeded(name);
    let token = auth::random_token()?;
    let csrf = auth::random_token()?;
    let lifetime = auth::session_lifetime(&state);
    state
        .store
        .create_session(&NewSession {
            token_hash: &crate::accounts::tokens::hash(&token),
            user_id: &user.id,
            csrf_token: &csrf,
            now,
            expires_at: now.saturating_add(lifetime).unwrap_or(now),
        })
        .await?;
    tracing::info!(user = %user.name, role = %user.role, "signed in");
    let secure = auth::secure(&state);
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
        auth::set_cookie(LOGIN_COOKIE, "", "/login", 0, secure),
    ] {
        if let Ok(value) = cookie.parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

pub async fn logout(
    State(state): State<AppState>,
    user: SignedIn,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, PageError> {
    state.store.delete_session(&user.token_hash).await?;
    tracing::info!(user = %user.user.name, "signed out");
    let secure = auth::secure(&state);
    let mut response = Redirect::to("/login").into_response();
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
        assert_eq!(
            safe_next(Some("/events?source=github")),
            "/events?source=github"
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/login",
            "events",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
