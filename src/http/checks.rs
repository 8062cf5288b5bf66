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

/// `GET /api/v1/heartbeats`: every heartbeat (and watchdog) with where it stands.
pub async fn list_heartbeats(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::AlertsRead).await?;
    let config = state.config.current();
    let items = crate::checks::heartbeats::views(&state.store, &config, state.clock.now()).await?;
    Ok(Json(json!({ "items": items })))
}

/// `POST|GET /heartbeats/{name}`: a ping, answered once it is stored. GET is there for
/// `curl` in a crontab and for monitors that can only fetch a URL.
pub async fn ping(
    State(state): State<AppState>,
    PathText(name): PathText,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    heartbeat(&state, &name, raw.as_deref(), &headers, false).await
}

/// `POST /heartbeats/{name}/fail`: the job failed; the alert fires now.
pub async fn fail(
    State(state): State<AppState>,
    PathText(name): PathText,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    heartbeat(&state, &name, raw.as_deref(), &headers, true).await
}

async fn heartbeat(
    state: &AppState,
    name: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    failed: bool,
) -> Result<Json<serde_json::Value>, ApiError> {
    let config = state.config.current();
    let unknown = || {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "unknown_heartbeat",
            format!(
                "no heartbeat named \"{}\" is configured",
                crate::integrations::inbound::shown(name)
            ),
        )
    };
    let configured = config
        .heartbeats
        .iter()
        .find(|heartbeat| heartbeat.name == name)
        .ok_or_else(unknown)?;
    if let Some(token) = &configured.token {
        let presented = crate::integrations::inbound::header(headers, "authorization")
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::to_owned)
            .or_else(|| {
                url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
                    .find(|(key, _)| key == "token")
                    .map(|(_, value)| value.into_owned())
            });
        if !presented.is_some_and(|p| crate::integrations::inbound::same_secret(p.trim(), token)) {
            return Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "invalid_token",
                "missing or wrong token: send it as \"Authorization: Bearer <token>\" or ?token=<token>",
            ));
        }
    }
    let now = state.clock.now();
    let health = crate::checks::heartbeats::ping(&state.store, &config, name, failed, now, now)
        .await?
        .ok_or_else(unknown)?;
    state.jobs_added.notify_one();
    Ok(Json(json!({
        "name": name,
        "state": health.as_str(),
        "deadline": health.next_change(),
    })))
}
