//! `/silences`: silences and maintenance windows in force and to come, recently ended ones,
//! a form to create either (responders), and an Expire button on each.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::auth::{Form, NoFields, SignedIn};
use super::frame::Frame;
use super::render::PageError;
use crate::alerts::silences::{MatchersInput, SilenceRequest, view};
use crate::core::role::Role;
use crate::state::AppState;
use crate::store::StoreError;
use crate::web::PagePath;

/// Expired silences shown under the live ones.
const RECENT_EXPIRED: usize = 20;

/// The form's fields; empty ones count as absent.
#[derive(Debug, Default, Deserialize)]
pub struct SilenceForm {
    #[serde(default)]
    matchers: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    cron: String,
    #[serde(default)]
    timezone: String,
}

async fn render(
    state: &AppState,
    user: &SignedIn,
    headers: &HeaderMap,
    extra: minijinja::Value,
) -> Result<Html<String>, PageError> {
    let now = state.clock.now();
    let all = state.store.list_silences().await?;
    let (live, expired): (Vec<_>, Vec<_>) = all.iter().partition(|s| s.status(now) != "expired");
    let live: Vec<serde_json::Value> = live.iter().map(|s| view(s, now)).collect();
    let expired: Vec<serde_json::Value> = expired
        .iter()
        .take(RECENT_EXPIRED)
        .map(|s| view(s, now))
        .collect();
    Frame {
        state,
        user,
        headers,
        section: "silences",
    }
    .render(
        "silences.html",
        context! {
            live => minijinja::Value::from(minijinja::value::Serde(&live)),
            expired => minijinja::Value::from(minijinja::value::Serde(&expired)),
            ..extra
        },
    )
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    axum::extract::Query(query): axum::extract::Query<Flash>,
) -> Result<Html<String>, PageError> {
    render(
        &state,
        &user,
        &headers,
        context! { changed => query.changed },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    #[serde(default)]
    changed: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    Form(form): Form<SilenceForm>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let present = |text: &str| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
    let request = SilenceRequest {
        service: present(&form.service),
        matchers: present(&form.matchers).map(MatchersInput::Text),
        duration: present(&form.duration),
        cron: present(&form.cron),
        timezone: present(&form.timezone),
        comment: form.comment.clone(),
        ..SilenceRequest::default()
    };
    let who = format!("user:{}", user.user.name);
    match request.validate(&who, state.clock.now()) {
        Ok(new) => {
            crate::alerts::ops::create_silence(&state, &new, &user.actor()).await?;
            Ok(Redirect::to("/silences?changed=created").into_response())
        }
        Err(problem) => {
            let page = render(
                &state,
                &user,
                &headers,
                context! {
                    problem,
                    form => context! {
                        matchers => form.matchers,
                        duration => form.duration,
                        comment => form.comment,
                        service => form.service,
                        cron => form.cron,
                        timezone => form.timezone,
                    },
                },
            )
            .await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
    }
}

pub async fn expire(
    State(state): State<AppState>,
    user: SignedIn,
    PagePath(id): PagePath,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let outcome = match crate::alerts::ops::expire_silence(&state, &id, &user.actor()).await {
        Ok(Some(_)) => "expired",
        Ok(None) => "unchanged",
        Err(StoreError::NotFound) => return Err(PageError::NotFound("silence")),
        Err(error) => return Err(error.into()),
    };
    tracing::info!(user = %user.user.name, silence = %id, "silence expired from the web UI");
    Ok(Redirect::to(&format!("/silences?changed={outcome}")).into_response())
}
