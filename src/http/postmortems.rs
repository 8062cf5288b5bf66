//! Post-mortems and action items under `/api/v1` (PRODUCT.md §3.1), with the incidents
//! scopes: read, save (refused with 409 `edit_conflict` when someone saved a newer version
//! first), review, publish, list and search, export as Markdown, the blameless check, and
//! action items.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::{AppState, PathText, json_body as body, token_actor as who};
use crate::core::incident::Priority;
use crate::core::scope::Scope;
use crate::incidents::ops::IncidentError;
use crate::postmortems::ops::{self, NewItem, PostmortemError};
use crate::store::StoreError;
use crate::store::postmortems::{ItemFilter, ItemKind, ItemStatus, Postmortem, PostmortemState};

impl From<PostmortemError> for ApiError {
    fn from(error: PostmortemError) -> Self {
        match error {
            PostmortemError::Invalid(message) => ApiError::bad_parameter(message),
            PostmortemError::NotYet(message) => {
                ApiError::new(StatusCode::NOT_FOUND, "not_drafted", message)
            }
            PostmortemError::Conflict(conflict) => ApiError::new(
                StatusCode::CONFLICT,
                "edit_conflict",
                format!(
                    "{} saved version {} at {} after the one this edit started from; reload it, \
                     and apply your change to it",
                    conflict.current.updated_by,
                    conflict.current.version,
                    conflict.current.updated_at
                ),
            ),
            PostmortemError::Incident(error) => error.into(),
            PostmortemError::Store(StoreError::NotFound) => ApiError::not_found("action item"),
            PostmortemError::Store(error) => error.into(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

/// `GET /api/v1/incidents/{id}/postmortem` (`?format=markdown` for the Markdown itself).
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(key): PathText,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    state.authorize(&headers, Scope::IncidentsRead).await?;
    let query: FormatQuery = super::api::query(raw)?;
    let postmortem = ops::get(&state, &key).await?;
    Ok(match query.format.as_deref() {
        Some("markdown") => (
            [
                (
                    header::CONTENT_TYPE,
                    "text/markdown; charset=utf-8".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"postmortem-{}.md\"",
                        postmortem.incident_id
                    ),
                ),
            ],
            postmortem.markdown,
        )
            .into_response(),
        None | Some("json") => Json(postmortem).into_response(),
        Some(other) => {
            return Err(ApiError::bad_parameter(format!(
                "format \"{other}\" is not json or markdown"
            )));
        }
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SaveRequest {
    markdown: String,
    /// The version the edit started from; without it (and without If-Match) the save wins.
    version: Option<i64>,
}

/// `PUT /api/v1/incidents/{id}/postmortem` `{"markdown", "version"?}` (or `If-Match: "N"`).
pub async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(key): PathText,
    super::RequestBody(bytes): super::RequestBody,
) -> Result<Json<Postmortem>, ApiError> {
    let token = state.authorize(&headers, Scope::IncidentsWrite).await?;
    let request: SaveRequest = body(&bytes, "a post-mortem {\"markdown\", \"version\"?}")?;
    let if_match = headers
        .get(header::IF_MATCH)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.trim().trim_start_matches("W/").trim_matches('"'))
        .map(|value| {
            value.parse::<i64>().map_err(|_| {
                ApiError::bad_parameter(format!("If-Match \"{value}\" is not a version"))
            })
        })
        .transpose()?;
    let saved = ops::save(
        &state,
        &key,
        &request.markdown,
        request.version.or(if_match),
        &who(&token),
    )
    .await?;
    Ok(Json(saved))
}

async fn set_state(
    state: AppState,
    headers: HeaderMap,
    key: String,
    to: PostmortemState,
) -> Result<Json<Postmortem>, ApiError> {
    let token = state.authorize(&headers, Scope::IncidentsWrite).await?;
    Ok(Json(
        ops::set_state(&state, &key, to, &super::api_actor(&token, &headers)).await?,
    ))
}

/// `POST /api/v1/incidents/{id}/postmortem/review`: ready for review.
pub async fn review(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(key): PathText,
) -> Result<Json<Postmortem>, ApiError> {
    set_state(state, headers, key, PostmortemState::InReview).await
}

/// `POST /api/v1/incidents/{id}/postmortem/publish`: a resolved incident moves to learning.
pub async fn publish(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(key): PathText,
) -> Result<Json<Postmortem>, ApiError> {
    set_state(state, headers, key, PostmortemState::Published).await
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    q: Option<String>,
    state: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/postmortems?q=TEXT&state=draft|in_review|published`, newest first.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::IncidentsRead).await?;
    let query: ListQuery = super::api::query(raw)?;
    let filter_state = query
        .state
        .as_deref()
        .map(|text| {
            PostmortemState::parse(text).ok_or_else(|| {
                ApiError::bad_parameter(format!(
                    "state \"{text}\" is not draft, in_review or published"
                ))
            })
        })
        .transpose()?;
    let items = state
        .store
        .list_postmortems(
            filter_state,
            query.q.as_deref(),
            query.limit.unwrap_or(100).clamp(1, 500),
        )
        .await?;
    Ok(Json(json!({ "items": items, "next_cursor": null })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckRequest {
    markdown: String,
}

/// `POST /api/v1/postmortems/check` `{"markdown"}` → `{"findings": [{"line", "phrase", "why", "suggestion"}]}`.
pub async fn check(
    State(state): State<AppState>,
    headers: HeaderMap,
    super::RequestBody(bytes): super::RequestBody,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::IncidentsRead).await?;
    let request: CheckRequest = body(&bytes, "{\"markdown\"}")?;
    let names = ops::people_names(&state.config.current());
    let findings = crate::core::blameless::check(&request.markdown, &names);
    Ok(Json(json!({ "findings": findings })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewItemRequest {
    title: String,
    owner: String,
    due: String,
    #[serde(default = "default_priority")]
    priority: String,
    kind: String,
}

fn default_priority() -> String {
    "P3".into()
}

/// `POST /api/v1/incidents/{id}/action_items` `{"title", "owner", "due", "priority", "kind": "mitigate|prevent"}`.
pub async fn add_item(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(key): PathText,
    super::RequestBody(bytes): super::RequestBody,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let token = state.authorize(&headers, Scope::IncidentsWrite).await?;
    let request: NewItemRequest = body(
        &bytes,
        "an action item {\"title\", \"owner\", \"due\", \"priority\", \"kind\"}",
    )?;
    let new = NewItem {
        title: request.title,
        owner: request.owner,
        due: request.due,
        priority: Priority::parse(&request.priority).ok_or_else(|| {
            ApiError::bad_parameter(format!("priority \"{}\" is not P1 to P4", request.priority))
        })?,
        kind: ItemKind::parse(&request.kind).ok_or_else(|| {
            ApiError::bad_parameter(format!(
                "kind \"{}\" is not mitigate or prevent",
                request.kind
            ))
        })?,
    };
    let item = ops::add_item(&state, &key, new, &who(&token)).await?;
    Ok((StatusCode::CREATED, Json(json!(item))))
}

#[derive(Debug, Deserialize)]
struct ItemsQuery {
    state: Option<String>,
    owner: Option<String>,
    incident: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/action_items?state=outstanding|overdue|all&owner=&incident=` (default
/// outstanding), oldest first.
pub async fn list_items(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::IncidentsRead).await?;
    let query: ItemsQuery = super::api::query(raw)?;
    let mut filter = ItemFilter {
        owner: query.owner.filter(|o| !o.is_empty()),
        limit: query.limit.unwrap_or(500).clamp(1, 1000),
        ..ItemFilter::default()
    };
    if let Some(incident) = query.incident.filter(|i| !i.is_empty()) {
        filter.incident = Some(
            state
                .store
                .get_incident(&incident)
                .await
                .map_err(IncidentError::from)?
                .id,
        );
    }
    match query.state.as_deref() {
        None | Some("outstanding") => filter.outstanding = true,
        Some("overdue") => filter.overdue_at = Some(state.clock.now()),
        Some("all") => {}
        Some(other) => {
            return Err(ApiError::bad_parameter(format!(
                "state \"{other}\" is not outstanding, overdue or all"
            )));
        }
    }
    let items = state.store.list_action_items(&filter).await?;
    Ok(Json(json!({ "items": items, "next_cursor": null })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemChange {
    status: String,
}

/// `PATCH /api/v1/action_items/{id}` `{"status": "outstanding|completed|not_doing"}`.
pub async fn change_item(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
    super::RequestBody(bytes): super::RequestBody,
) -> Result<Json<serde_json::Value>, ApiError> {
    let token = state.authorize(&headers, Scope::IncidentsWrite).await?;
    let request: ItemChange = body(&bytes, "{\"status\"}")?;
    let status = ItemStatus::parse(&request.status).ok_or_else(|| {
        ApiError::bad_parameter(format!(
            "status \"{}\" is not outstanding, completed or not_doing",
            request.status
        ))
    })?;
    let item =
        ops::set_item_status(&state, &id, status, &super::api_actor(&token, &headers)).await?;
    Ok(Json(json!(item)))
}
