//! `/account`: the signed-in person's own password. Changing it ends every other session of
//! theirs (a stolen cookie stops working), keeps this one, and is written to the audit log.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;

use super::auth::{Form, SignedIn};
use super::frame::Frame;
use super::render::PageError;
use crate::accounts::users::UserError;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    changed: Option<String>,
    ended: Option<u64>,
}

fn render(
    state: &AppState,
    user: &SignedIn,
    headers: &HeaderMap,
    extra: Value,
) -> Result<Html<String>, PageError> {
    Frame {
        state,
        user,
        headers,
        section: "account",
    }
    .render(
        "account.html",
        context! {
            min_password => crate::accounts::users::MIN_PASSWORD_LENGTH,
            ..extra
        },
    )
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    Query(query): Query<AccountQuery>,
) -> Result<Html<String>, PageError> {
    let changed = query.changed.as_deref() == Some("password");
    render(
        &state,
        &user,
        &headers,
        context! { changed, ended => query.ended.unwrap_or(0), single_sign_on => user.user.single_sign_on },
    )
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    again: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let locale = super::frame::viewer_locale(&state, &headers, Some(&user));
    let result = if form.password != form.again {
        Err(locale.text("account-password-differ"))
    } else {
        crate::accounts::users::change_own_password(
            &state.store,
            &user.user.name,
            &form.current,
            &form.password,
            &user.token_hash,
            &user.actor(),
            state.clock.now(),
        )
        .await
        .map_err(|error| match error {
            UserError::Store(error) => {
                tracing::error!(%error, "a password could not be stored");
                locale.text("account-password-unavailable")
            }
            UserError::WrongPassword => locale.text("account-password-wrong"),
            other => other.to_string(),
        })
    };
    match result {
        Ok(ended) => {
            tracing::info!(user = %user.user.name, ended, "password changed; other sessions ended");
            Ok(Redirect::to(&format!("/account?changed=password&ended={ended}")).into_response())
        }
        Err(problem) => {
            let page = render(&state, &user, &headers, context! { problem })?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
    }
}
