//! `/alerts`: open alerts first, filterable by state, severity and service, with acknowledge
//! and resolve for responders.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::auth::{Form, NoFields, SignedIn};
use super::render::{Frame, PageError};
use crate::core::alert::{AlertState, Change, Severity};
use crate::core::role::Role;
use crate::http::{AppState, PathText};
use crate::store::{AlertFilter, StoreError};

const PAGE_SIZE: i64 = 100;

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct AlertQuery {
    /// `open` (the default), `firing`, `acknowledged`, `resolved` or `all`.
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    changed: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    axum::extract::Query(query): axum::extract::Query<AlertQuery>,
) -> Result<Html<String>, PageError> {
    let shown = query
        .state
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "open".into());
    let (alert_state, open) = match shown.as_str() {
        "open" => (None, true),
        "all" => (None, false),
        other => (
            Some(
                AlertState::parse(other)
                    .ok_or_else(|| PageError::BadRequest(format!("no alert state \"{other}\"")))?,
            ),
            false,
        ),
    };
    let severity = query
        .severity
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(Severity::parse);
    let service = query.service.clone().filter(|s| !s.trim().is_empty());
    let alerts = state
        .store
        .list_alerts(&AlertFilter {
            state: alert_state,
            open,
            service: service.clone(),
            severity,
            before: None,
            limit: PAGE_SIZE,
        })
        .await?;
    Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "alerts",
    }
    .render(
        "alerts.html",
        context! {
            alerts => minijinja::Value::from(minijinja::value::Serde(&alerts)),
            shown,
            severity => severity.map(|s| s.as_str()),
            service,
            changed => query.changed,
            states => ["open", "firing", "acknowledged", "silenced", "resolved", "all"],
            severities => ["critical", "error", "warning", "info"],
        },
    )
}

async fn act(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    change: Change,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let cause = format!("user:{}", user.user.name);
    let outcome = match state.change_alert(id, change, &cause).await {
        Ok(Some(_)) => change.as_str(),
        Ok(None) => "unchanged",
        Err(StoreError::NotFound) => return Err(PageError::NotFound("alert")),
        Err(error) => return Err(error.into()),
    };
    Ok(Redirect::to(&format!("/alerts?changed={outcome}")).into_response())
}

pub async fn acknowledge(
    State(state): State<AppState>,
    user: SignedIn,
    PathText(id): PathText,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, PageError> {
    act(&state, &user, &id, Change::Acknowledged).await
}

pub async fn resolve(
    State(state): State<AppState>,
    user: SignedIn,
    PathText(id): PathText,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, PageError> {
    act(&state, &user, &id, Change::Resolved).await
}
