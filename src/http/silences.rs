//! `/api/v1/silences`: silences and maintenance windows. A silence is posted in Alertmanager's
//! API v2 shape (`matchers`, `startsAt`, `endsAt`, `createdBy`, `comment`), so scripts written
//! for `amtool` habits carry over; a maintenance window adds `kind`, `service` and a recurring
//! schedule. Creating or expiring one takes effect at once: a silence check runs right after.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::{AppState, PathText};
use crate::alerts::silences::{SilenceRequest, view};
use crate::core::scope::Scope;
use crate::store::StoreError;

// By hand, not `#[serde(untagged)]`: that answers a bad regex with "data did not match any
// variant", where this names the matcher's own problem.

#[derive(Debug, Deserialize)]
struct ListQuery {
    status: Option<String>,
    kind: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::AlertsRead).await?;
    let params: ListQuery = super::api::query(raw)?;
    if let Some(status) = params.status.as_deref() {
        if !["active", "pending", "expired", "all"].contains(&status) {
            return Err(ApiError::bad_parameter(
                "status must be one of active, pending, expired, all",
            ));
        }
    }
    if let Some(kind) = params.kind.as_deref() {
        if !["silence", "maintenance"].contains(&kind) {
            return Err(ApiError::bad_parameter(
                "kind must be silence or maintenance",
            ));
        }
    }
    let now = state.clock.now();
    let items: Vec<serde_json::Value> = state
        .store
        .list_silences()
        .await?
        .iter()
        .filter(|s| params.kind.as_deref().is_none_or(|k| s.kind.as_str() == k))
        .filter(|s| match params.status.as_deref() {
            None => s.status(now) != "expired",
            Some("all") => true,
            Some(status) => s.status(now) == status,
        })
        .map(|s| view(s, now))
        .collect();
    Ok(Json(json!({ "items": items })))
}

pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::AlertsRead).await?;
    let silence = match state.store.get_silence(&id).await {
        Err(StoreError::NotFound) => return Err(ApiError::not_found("silence")),
        other => other?,
    };
    Ok(Json(view(&silence, state.clock.now())))
}

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    super::RequestBody(body): super::RequestBody,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let token = state.authorize(&headers, Scope::AlertsWrite).await?;
    let request: SilenceRequest = serde_json::from_slice(&body).map_err(|error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not a valid silence: {error}"),
        )
    })?;
    let now = state.clock.now();
    let new = request
        .validate(&super::token_actor(&token), now)
        .map_err(ApiError::bad_parameter)?;
    let silence =
        crate::alerts::ops::create_silence(&state, &new, &super::api_actor(&token, &headers))
            .await?;
    Ok((StatusCode::CREATED, Json(view(&silence, now))))
}

/// `DELETE /api/v1/silences/{id}`, as Alertmanager's API expires a silence.
pub async fn expire(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    let token = state.authorize(&headers, Scope::AlertsWrite).await?;
    match crate::alerts::ops::expire_silence(&state, &id, &super::api_actor(&token, &headers)).await
    {
        Err(StoreError::NotFound) => Err(ApiError::not_found("silence")),
        Err(error) => Err(error.into()),
        Ok(None) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "silence_expired",
            "this silence was already expired",
        )),
        Ok(Some(silence)) => Ok(Json(view(&silence, state.clock.now()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_matcher_in_the_list_form_is_named() {
        let error = serde_json::from_str::<SilenceRequest>(
            r#"{"matchers": [{"name": "instance", "value": "(api", "isRegex": true}], "comment": "x"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("(api"), "{error}");
        assert!(!error.contains("did not match any variant"), "{error}");
    }
}
