//! `GET /auth/oidc/login` and `GET /auth/oidc/callback`: single sign-on's two legs in the
//! browser (the flow itself is `accounts::oidc`). A refusal is said on the sign-in page, where
//! the local sign-in still works.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::{self, ClientAddress};
use super::login::{NextQuery, login_form, safe_next};
use super::render::PageError;
use crate::accounts::oidc::{Callback, OidcError};
use crate::state::AppState;

/// The cookie that binds a sign-in under way to the browser that started it.
fn browser_cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-fw_oidc" } else { "fw_oidc" }
}

/// A refusal, said on the sign-in page with a status that fits it.
async fn refused(
    state: &AppState,
    headers: &HeaderMap,
    next: &str,
    error: OidcError,
) -> Result<Response, PageError> {
    let status = match &error {
        OidcError::NotConfigured => StatusCode::NOT_FOUND,
        OidcError::Unreachable(_) => StatusCode::SERVICE_UNAVAILABLE,
        OidcError::TooMany => StatusCode::TOO_MANY_REQUESTS,
        OidcError::Refused(_) => StatusCode::FORBIDDEN,
        OidcError::Store(error) => {
            tracing::error!(%error, "a single sign-on could not be stored");
            return Err(PageError::Unavailable);
        }
    };
    let locale = super::frame::viewer_locale(state, headers, None);
    let problem = match &error {
        OidcError::Unreachable(_) => locale.text("login-sso-down"),
        other => other.to_string(),
    };
    tracing::info!(%error, "single sign-on refused");
    login_form(state, headers, next, Some(problem), false, status).await
}

pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    // An unreadable query (a repeated `next`) starts the sign-in all the same, back to `/`.
    let query: NextQuery =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let next = safe_next(query.next.as_deref());
    let browser = auth::random_token()?;
    match state.oidc.begin(&state, &next, browser).await {
        Ok(begun) => {
            let secure = auth::secure(&state);
            let mut response = Redirect::to(&begun.url).into_response();
            let cookie = auth::set_cookie(
                browser_cookie_name(secure),
                &begun.browser,
                "/",
                600,
                secure,
            );
            if let Ok(value) = cookie.parse() {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            Ok(response)
        }
        Err(error) => refused(&state, &headers, &next, error).await,
    }
}

pub async fn callback(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let answer: Callback = match serde_urlencoded::from_str(raw.as_deref().unwrap_or("")) {
        Ok(answer) => answer,
        Err(error) => {
            let problem =
                format!("The identity provider's answer cannot be read ({error}); start again.");
            return login_form(
                &state,
                &headers,
                "/",
                Some(problem),
                false,
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let secure = auth::secure(&state);
    let browser = auth::cookie(&headers, browser_cookie_name(secure));
    let token = auth::random_token()?;
    let csrf = auth::random_token()?;
    let token_hash = crate::accounts::tokens::hash(&token);
    let finished = state
        .oidc
        .finish(&state, &answer, browser, (&token_hash, &csrf), address)
        .await;
    let finished = match finished {
        Ok(finished) => finished,
        Err(error) => return refused(&state, &headers, "/", error).await,
    };
    let mut response = Redirect::to(&safe_next(Some(&finished.next))).into_response();
    for cookie in [
        auth::set_cookie(
            auth::session_cookie_name(secure),
            &token,
            "/",
            auth::MAX_SESSION.as_secs(),
            secure,
        ),
        auth::set_cookie(browser_cookie_name(secure), "", "/", 0, secure),
    ] {
        if let Ok(value) = cookie.parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}
