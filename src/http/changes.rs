//! `/api/v1/changes` (PRODUCT.md §3.1): announce, read, approve and reject, with scope
//! `changes:write`. The approver is the token's user and never the announcer: 403
//! `self_approval`; a token that acts as no user cannot decide: 403 `approver_unknown`.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::{AppState, PathText, json_body as body};
use crate::changes::ops::{self, ChangeError, Decision, Identity, NewAnnouncement, Refusal};
use crate::core::scope::Scope;
use crate::store::StoreError;
use crate::store::changes::{Announcement, ChangeFilter, ChangeState, Risk};

impl From<ChangeError> for ApiError {
    fn from(error: ChangeError) -> Self {
        match error {
            ChangeError::Invalid(message) => ApiError::bad_parameter(message),
            ChangeError::Refused(refusal @ Refusal::SelfApproval) => {
                ApiError::new(StatusCode::FORBIDDEN, "self_approval", refusal.to_string())
            }
            ChangeError::Refused(refusal @ Refusal::NoUser) => ApiError::new(
                StatusCode::FORBIDDEN,
                "approver_unknown",
                refusal.to_string(),
            ),
            ChangeError::Refused(refusal @ Refusal::AnnouncersToken) => {
                ApiError::new(StatusCode::FORBIDDEN, "self_approval", refusal.to_string())
            }
            ChangeError::Refused(refusal @ Refusal::Role { .. }) => {
                ApiError::new(StatusCode::FORBIDDEN, "role_required", refusal.to_string())
            }
            ChangeError::Refused(refusal @ Refusal::NotPending(_)) => {
                ApiError::new(StatusCode::CONFLICT, "not_pending", refusal.to_string())
            }
            ChangeError::Store(StoreError::NotFound) => ApiError::not_found("change"),
            ChangeError::Store(error) => error.into(),
        }
    }
}

fn view(state: &AppState, change: &Announcement) -> serde_json::Value {
    let mut value = serde_json::to_value(change).unwrap_or_default();
    value["url"] = json!(crate::changes::notices::page_url(
        &state.config.current(),
        &change.id
    ));
    // The server's time, so `firewatch change wait` counts its timeout on the server's clock.
    value["now"] = json!(state.clock.now());
    value
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnounceRequest {
    summary: String,
    service: String,
    environment: String,
    risk: String,
    rollback: String,
    #[serde(default)]
    needs_approval: bool,
}

/// `POST /api/v1/changes`.
pub async fn announce(
    State(state): State<AppState>,
    headers: HeaderMap,
    super::RequestBody(bytes): super::RequestBody,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let token = state.authorize(&headers, Scope::ChangesWrite).await?;
    let request: AnnounceRequest = body(
        &bytes,
        "a change {\"summary\", \"service\", \"environment\", \"risk\", \"rollback\", \"needs_approval\"}",
    )?;
    let risk = Risk::parse(&request.risk).ok_or_else(|| {
        ApiError::bad_parameter(format!(
            "risk \"{}\" is not low, medium or high",
            request.risk
        ))
    })?;
    let change = ops::announce(
        &state,
        NewAnnouncement {
            summary: request.summary,
            service: request.service,
            environment: request.environment,
            risk,
            rollback: request.rollback,
            needs_approval: request.needs_approval,
        },
        &Identity::of_token(&token).via(super::api_actor(&token, &headers).channel),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view(&state, &change))))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    state: Option<String>,
    service: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/changes?state=&service=`, newest first.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::ChangesWrite).await?;
    let query: ListQuery = super::api::query(raw)?;
    let filter = ChangeFilter {
        state: query
            .state
            .as_deref()
            .map(|text| {
                ChangeState::parse(text).ok_or_else(|| {
                    ApiError::bad_parameter(format!(
                        "state \"{text}\" is not announced, pending_approval, approved, rejected or expired"
                    ))
                })
            })
            .transpose()?,
        services: query.service.into_iter().filter(|s| !s.is_empty()).collect(),
        limit: query.limit.unwrap_or(200).clamp(1, 1000),
        ..ChangeFilter::default()
    };
    let items: Vec<_> = state
        .store
        .list_announcements(&filter)
        .await?
        .iter()
        .map(|change| view(&state, change))
        .collect();
    Ok(Json(json!({ "items": items, "next_cursor": null })))
}

/// `GET /api/v1/changes/{id}`, with the server's `now`.
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::ChangesWrite).await?;
    let change = state
        .store
        .get_announcement(&id)
        .await
        .map_err(ChangeError::from)?;
    Ok(Json(view(&state, &change)))
}

/// `POST /api/v1/changes/{id}/approve`.
pub async fn approve(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    let token = state.authorize(&headers, Scope::ChangesWrite).await?;
    let change = ops::decide_change(
        &state,
        &id,
        Decision::Approve,
        &Identity::of_token(&token).via(super::api_actor(&token, &headers).channel),
    )
    .await?;
    Ok(Json(view(&state, &change)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectRequest {
    reason: Option<String>,
}

/// `POST /api/v1/changes/{id}/reject` `{"reason"}`.
pub async fn reject(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
    super::RequestBody(bytes): super::RequestBody,
) -> Result<Json<serde_json::Value>, ApiError> {
    let token = state.authorize(&headers, Scope::ChangesWrite).await?;
    let request: RejectRequest = if bytes.is_empty() {
        RejectRequest::default()
    } else {
        body(&bytes, "{\"reason\"}")?
    };
    let change = ops::decide_change(
        &state,
        &id,
        Decision::Reject {
            reason: request.reason,
        },
        &Identity::of_token(&token).via(super::api_actor(&token, &headers).channel),
    )
    .await?;
    Ok(Json(view(&state, &change)))
}
