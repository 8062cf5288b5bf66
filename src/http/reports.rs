//! `/api/v1/reports/noise` (the noise report, JSON or CSV) and `/api/v1/tasks` (tasks for
//! unhandled alerts: list, close).

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::json;

use super::api::query;
use super::error::ApiError;
use super::{AppState, PathText};
use crate::core::noise::By;
use crate::core::scope::Scope;
use crate::store::StoreError;

/// The report's parameters as a query string gives them.
#[derive(Debug, Default, Deserialize)]
pub struct NoiseQuery {
    /// `rule` (default), `service` or `team`.
    pub by: Option<String>,
    /// The window: the last N days (default 7), or `from`/`to` (RFC 3339).
    pub days: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Resolved by the sender within this many minutes counts as auto-resolved (default 5).
    pub auto_resolve_minutes: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// A checked request for the report.
#[derive(Debug, Clone, Copy)]
pub struct NoiseRequest {
    pub by: By,
    pub from: Timestamp,
    pub to: Timestamp,
    pub auto_resolve_within: SignedDuration,
}

impl NoiseQuery {
    /// Checks the parameters; every problem is a sentence the API and the page show.
    pub fn request(&self, now: Timestamp) -> Result<NoiseRequest, String> {
        let by = match self.by.as_deref().filter(|b| !b.is_empty()) {
            None => By::Rule,
            Some(text) => By::parse(text).ok_or("by must be one of rule, service, team")?,
        };
        let time = |name: &str, text: &str| {
            text.parse::<Timestamp>()
                .map_err(|_| format!("{name} must be a time like 2026-11-02T00:00:00Z"))
        };
        let to = match self.to.as_deref().filter(|t| !t.is_empty()) {
            Some(text) => time("to", text)?,
            None => now,
        };
        let from = match (
            self.from.as_deref().filter(|f| !f.is_empty()),
            self.days.as_deref().filter(|d| !d.is_empty()),
        ) {
            (Some(_), Some(_)) => return Err("give either days or from, not both".into()),
            (Some(text), None) => time("from", text)?,
            (None, days) => {
                let days = match days {
                    None => 7,
                    Some(text) => text
                        .parse::<i64>()
                        .ok()
                        .filter(|d| (1..=366).contains(d))
                        .ok_or("days must be a whole number from 1 to 366")?,
                };
                to.saturating_sub(SignedDuration::from_hours(24 * days))
                    .map_err(|_| "the window starts before the calendar does")?
            }
        };
        if from >= to {
            return Err("from must be before to".into());
        }
        if to.duration_since(from) > SignedDuration::from_hours(24 * 366) {
            return Err("the window may be at most 366 days".into());
        }
        let minutes = match self
            .auto_resolve_minutes
            .as_deref()
            .filter(|m| !m.is_empty())
        {
            None => 5,
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|m| (1..=1440).contains(m))
                .ok_or("auto_resolve_minutes must be a whole number from 1 to 1440")?,
        };
        Ok(NoiseRequest {
            by,
            from,
            to,
            auto_resolve_within: SignedDuration::from_mins(minutes),
        })
    }
}

pub async fn noise(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    state.authorize(&headers, Scope::AlertsRead).await?;
    let params: NoiseQuery = query(raw)?;
    let csv = match params.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::bad_parameter("format must be json or csv")),
    };
    let request = params
        .request(state.clock.now())
        .map_err(ApiError::bad_parameter)?;
    let config = state.config.current();
    let rows = crate::alerts::jobs::noise_report(&state.store, &config, &request).await?;
    if csv {
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"firewatch-noise.csv\"",
                ),
            ],
            crate::core::noise::csv(request.by, &rows),
        )
            .into_response());
    }
    Ok(Json(json!({
        "by": request.by.as_str(),
        "from": request.from,
        "to": request.to,
        "auto_resolve_minutes": request.auto_resolve_within.as_mins(),
        "rows": rows,
    }))
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct TaskQuery {
    /// `open` (default) or `all`.
    state: Option<String>,
}

pub async fn list_tasks(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::AlertsRead).await?;
    let params: TaskQuery = query(raw)?;
    let open = match params.state.as_deref() {
        None | Some("open") => true,
        Some("all") => false,
        Some(_) => return Err(ApiError::bad_parameter("state must be open or all")),
    };
    let items = state.store.list_tasks(open, 500).await?;
    Ok(Json(json!({ "items": items })))
}

pub async fn close_task(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    let token = state.authorize(&headers, Scope::AlertsWrite).await?;
    let by = format!("token:{}", token.name);
    match state.store.close_task(&id, &by, state.clock.now()).await {
        Ok(Some(task)) => Ok(Json(serde_json::to_value(task).unwrap_or_default())),
        Ok(None) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "task_closed",
            "the task is already closed",
        )),
        Err(StoreError::NotFound) => Err(ApiError::not_found("task")),
        Err(error) => Err(error.into()),
    }
}
