//! `/api/v1/reports/noise` (the noise report, JSON or CSV) and `/api/v1/tasks` (tasks for
//! unhandled alerts: list, close).

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::api::query;
use super::error::ApiError;
use super::{AppState, PathText};
use crate::alerts::noise::NoiseQuery;
use crate::core::scope::Scope;
use crate::store::StoreError;

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
    let rows = crate::alerts::noise::noise_report(&state.store, &config, &request).await?;
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
