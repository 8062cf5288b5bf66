//! `/api/v1/checks`: the built-in checks with their last result and availability, and a
//! check's rolled-up history.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use jiff::SignedDuration;
use serde::Deserialize;
use serde_json::json;

use super::api::query;
use super::error::ApiError;
use super::{AppState, PathText};
use crate::core::check::Resolution;
use crate::core::scope::Scope;

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::AlertsRead).await?;
    let config = state.config.current();
    let items = crate::checks::summary::summaries(&state.store, &config, state.clock.now()).await?;
    Ok(Json(json!({ "items": items })))
}

#[derive(Debug, Default, Deserialize)]
pub struct HistoryQuery {
    /// `minute`, `hour` (default) or `day`.
    resolution: Option<String>,
    /// How far back (default 7, at most 400).
    days: Option<String>,
}

pub async fn history(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(name): PathText,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::AlertsRead).await?;
    let params: HistoryQuery = query(raw)?;
    let config = state.config.current();
    if !config.checks.iter().any(|c| c.name == name) {
        return Err(ApiError::not_found("check"));
    }
    let resolution = match params.resolution.as_deref() {
        None => Resolution::Hour,
        Some(text) => Resolution::parse(text)
            .ok_or_else(|| ApiError::bad_parameter("resolution must be minute, hour or day"))?,
    };
    let days = match params.days.as_deref() {
        None => 7,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=400).contains(d))
            .ok_or_else(|| ApiError::bad_parameter("days must be a whole number from 1 to 400"))?,
    };
    let now = state.clock.now();
    let since = now
        .saturating_sub(SignedDuration::from_hours(24 * days))
        .unwrap_or(now);
    let buckets: Vec<serde_json::Value> = state
        .store
        .check_rollups(&name, resolution, since)
        .await?
        .into_iter()
        .map(|(at, rollup)| {
            json!({
                "at": at,
                "runs": rollup.runs,
                "failures": rollup.failures,
                "availability": rollup.availability(),
                "mean_latency_ms": rollup.mean_latency_ms(),
                "max_latency_ms": rollup.latency_max_ms,
            })
        })
        .collect();
    Ok(Json(json!({
        "name": name,
        "resolution": resolution.as_str(),
        "buckets": buckets,
    })))
}
