//! `/alerts`: open alerts first, filterable by state, severity and service, with acknowledge
//! and resolve for responders; above them, the tasks for alerts nobody handled (left
//! unacknowledged, or firing again and again), which responders close once dealt with.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::auth::{Form, NoFields, SignedIn};
use super::frame::Frame;
use super::render::PageError;
use crate::core::alert::{AlertChange, AlertState, Severity};
use crate::core::role::Role;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::alerts::AlertFilter;
use crate::web::PagePath;

const PAGE_SIZE: i64 = 100;
/// Closed tasks shown under the open ones.
const RECENT_CLOSED_TASKS: usize = 5;
/// Tasks read to find the recently closed ones among the open.
const TASKS_READ: i64 = 200;

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
            latest_fire_first: true,
            limit: PAGE_SIZE,
            ..AlertFilter::default()
        })
        .await?;
    let open_tasks = state.store.list_tasks(true, TASKS_READ).await?;
    let closed_tasks: Vec<_> = state
        .store
        .list_tasks(false, TASKS_READ)
        .await?
        .into_iter()
        .filter(|task| task.closed_at.is_some())
        .take(RECENT_CLOSED_TASKS)
        .collect();
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
            open_tasks => minijinja::Value::from(minijinja::value::Serde(&open_tasks)),
            closed_tasks => minijinja::Value::from(minijinja::value::Serde(&closed_tasks)),
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
    change: AlertChange,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let outcome = match crate::alerts::ops::change_alert(state, id, change, &user.actor()).await {
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
    PagePath(id): PagePath,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, PageError> {
    act(&state, &user, &id, AlertChange::Acknowledged).await
}

pub async fn resolve(
    State(state): State<AppState>,
    user: SignedIn,
    PagePath(id): PagePath,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, PageError> {
    act(&state, &user, &id, AlertChange::Resolved).await
}

/// Closes a task: someone dealt with the alert it is about.
pub async fn close_task(
    State(state): State<AppState>,
    user: SignedIn,
    PagePath(id): PagePath,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let by = format!("user:{}", user.user.name);
    let outcome = match state.store.close_task(&id, &by, state.clock.now()).await {
        Ok(Some(_)) => "task_closed",
        Ok(None) => "task_unchanged",
        Err(StoreError::NotFound) => return Err(PageError::NotFound("task")),
        Err(error) => return Err(error.into()),
    };
    tracing::info!(user = %user.user.name, task = %id, "task closed from the web UI");
    Ok(Redirect::to(&format!("/alerts?changed={outcome}")).into_response())
}

/// `/alerts/{id}`: one alert, its changes, and its escalations with their log and pages: who
/// was paged, when, how, and whether it went out.
pub async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(id): PagePath,
) -> Result<Html<String>, PageError> {
    let alert = match state.store.get_alert(&id).await {
        Err(StoreError::NotFound) => return Err(PageError::NotFound("alert")),
        other => other?,
    };
    let changes = state.store.alert_changes(&id).await?;
    let incidents = crate::alerts::ops::incidents_of(&state, &id).await?;
    let mut escalations = Vec::new();
    for escalation in state.store.alert_escalations(&id).await? {
        let log = state.store.escalation_log(&escalation.id).await?;
        let pages = state
            .store
            .list_pages(
                crate::store::oncall::PageFilter::Escalation(&escalation.id),
                200,
            )
            .await?;
        escalations.push(context! {
            escalation => minijinja::Value::from(minijinja::value::Serde(&escalation)),
            log => minijinja::Value::from(minijinja::value::Serde(&log)),
            pages => minijinja::Value::from(minijinja::value::Serde(&pages)),
        });
    }
    Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "alerts",
    }
    .render(
        "alert.html",
        context! {
            alert => minijinja::Value::from(minijinja::value::Serde(&alert)),
            changes => minijinja::Value::from(minijinja::value::Serde(&changes)),
            incidents => minijinja::Value::from(minijinja::value::Serde(&incidents)),
            escalations,
        },
    )
}
