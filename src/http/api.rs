//! `/api/v1`: events, notifications (delivery jobs) and API tokens. Every route needs a bearer
//! token with the right scope; lists are newest first with an opaque cursor.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::error::ApiError;
use super::{AppState, PathText};
use crate::core::scope::{self, Scope};
use crate::store::{EventFilter, NotificationFilter, NotificationState, StoreError};

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 500;

pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

pub(super) fn query<T: DeserializeOwned>(raw: Option<String>) -> Result<T, ApiError> {
    serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|error| ApiError::bad_parameter(format!("bad query string: {error}")))
}

pub(super) fn page(
    cursor: Option<&str>,
    limit: Option<&str>,
) -> Result<(Option<i64>, i64), ApiError> {
    let before = cursor
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| ApiError::bad_parameter("cursor is not one this API gave out"))
        })
        .transpose()?;
    let limit = match limit {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::bad_parameter(format!(
                    "limit must be a whole number from 1 to {MAX_LIMIT}"
                ))
            })?,
    };
    Ok((before, limit))
}

pub(super) fn next_cursor(count: usize, limit: i64, last: Option<i64>) -> Option<String> {
    (count as i64 == limit)
        .then_some(last)
        .flatten()
        .map(|seq| seq.to_string())
}

#[derive(Debug, Default, Deserialize)]
pub struct EventQuery {
    integration: Option<String>,
    source: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    repository: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

pub async fn list_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::EventsRead).await?;
    let params: EventQuery = query(raw)?;
    let (before, limit) = page(params.cursor.as_deref(), params.limit.as_deref())?;
    let filter = EventFilter {
        integration: params.integration,
        source: params.source,
        kind: params.kind,
        status: params.status,
        repository: params.repository,
        before,
        limit,
    };
    let events = state.store.list_events(&filter).await?;
    let cursor = next_cursor(events.len(), limit, events.last().map(|e| e.seq));
    Ok(Json(json!({"items": events, "next_cursor": cursor})))
}

pub async fn get_event(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::EventsRead).await?;
    let event = match state.store.get_event(&id).await {
        Err(StoreError::NotFound) => return Err(ApiError::not_found("event")),
        other => other?,
    };
    let mut value = serde_json::to_value(&event).unwrap_or_default();
    let request_headers: serde_json::Value =
        serde_json::from_str(&event.headers).unwrap_or_default();
    // Events stored before bodies were redacted at intake are redacted as they are shown.
    let body =
        crate::integrations::inbound::redact_body(&event.source, Bytes::from(event.body.clone()));
    let payload: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.insert("headers".into(), request_headers);
        object.insert("payload".into(), payload);
    }
    Ok(Json(value))
}

#[derive(Debug, Default, Deserialize)]
pub struct NotificationQuery {
    state: Option<String>,
    destination: Option<String>,
    event_id: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

pub async fn list_notifications(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::NotificationsRead).await?;
    let params: NotificationQuery = query(raw)?;
    let (before, limit) = page(params.cursor.as_deref(), params.limit.as_deref())?;
    let notification_state = params
        .state
        .as_deref()
        .map(|s| {
            NotificationState::parse(s).ok_or_else(|| {
                ApiError::bad_parameter("state must be one of pending, retrying, delivered, dead")
            })
        })
        .transpose()?;
    let filter = NotificationFilter {
        state: notification_state,
        destination: params.destination,
        event_id: params.event_id,
        before,
        limit,
    };
    let items = state.store.list_notifications(&filter).await?;
    let cursor = next_cursor(items.len(), limit, items.last().map(|n| n.id));
    Ok(Json(json!({"items": items, "next_cursor": cursor})))
}

fn notification_id(text: &str) -> Result<i64, ApiError> {
    text.parse()
        .map_err(|_| ApiError::not_found("notification"))
}

pub async fn get_notification(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::NotificationsRead).await?;
    match state.store.get_notification(notification_id(&id)?).await {
        Ok(notification) => Ok(Json(serde_json::to_value(notification).unwrap_or_default())),
        Err(StoreError::NotFound) => Err(ApiError::not_found("notification")),
        Err(error) => Err(error.into()),
    }
}

pub async fn redrive_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::NotificationsWrite).await?;
    let id = notification_id(&id)?;
    if state.redrive(Some(id)).await? == 0 {
        return match state.store.get_notification(id).await {
            Ok(_) => Err(ApiError::new(
                StatusCode::CONFLICT,
                "not_dead",
                "only dead letters can be re-driven; this notification is still being delivered or was delivered",
            )),
            Err(StoreError::NotFound) => Err(ApiError::not_found("notification")),
            Err(error) => Err(error.into()),
        };
    }
    let notification = state.store.get_notification(id).await?;
    Ok(Json(serde_json::to_value(notification).unwrap_or_default()))
}

pub async fn redrive_all(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::NotificationsWrite).await?;
    let count = state.redrive(None).await?;
    Ok(Json(json!({"redriven": count})))
}

pub async fn list_tokens(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::Admin).await?;
    let tokens = state.store.list_tokens().await?;
    Ok(Json(json!({"items": tokens})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
    scopes: Vec<String>,
    /// The web UI user the token acts as (who approves changes with it).
    user: Option<String>,
}

pub async fn create_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    super::RequestBody(body): super::RequestBody,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let acting = state.authorize(&headers, Scope::Admin).await?;
    let request: NewToken = serde_json::from_slice(&body).map_err(|error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not a valid token request: {error}"),
        )
    })?;
    if request.name.trim().is_empty() {
        return Err(ApiError::bad_parameter("name must not be empty"));
    }
    let scopes = scope::parse_list(&request.scopes.join(","))
        .map_err(|error| ApiError::bad_parameter(error.to_string()))?;
    let created = crate::accounts::tokens::create(
        &state.store,
        request.name.trim(),
        &scopes,
        request
            .user
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty()),
        &crate::store::accounts::TokenCreator::token(&acting),
        super::api_actor(&acting, &headers).channel,
        state.clock.now(),
    )
    .await
    .map_err(|error| match error {
        crate::accounts::tokens::TokenError::UnknownUser(_) => {
            ApiError::bad_parameter(error.to_string())
        }
        error => {
            tracing::error!(%error, "could not create a token");
            ApiError::unavailable()
        }
    })?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"id": created.id, "name": created.name, "scopes": created.scopes, "user": created.user, "token": created.token}),
        ),
    ))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Result<StatusCode, ApiError> {
    let acting = state.authorize(&headers, Scope::Admin).await?;
    let actor = super::api_actor(&acting, &headers);
    match crate::accounts::tokens::revoke(&state.store, &id, &actor, state.clock.now()).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(StoreError::NotFound) => Err(ApiError::not_found("token")),
        Err(error) => Err(error.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AlertQuery {
    state: Option<String>,
    service: Option<String>,
    severity: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

pub async fn list_alerts(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    use crate::core::alert::{AlertState, Severity};
    state.authorize(&headers, Scope::AlertsRead).await?;
    let params: AlertQuery = query(raw)?;
    let (before, limit) = page(params.cursor.as_deref(), params.limit.as_deref())?;
    let (alert_state, open) = match params.state.as_deref() {
        None => (None, false),
        Some("open") => (None, true),
        Some(text) => (
            Some(AlertState::parse(text).ok_or_else(|| {
                ApiError::bad_parameter(
                    "state must be one of firing, acknowledged, silenced, resolved, open",
                )
            })?),
            false,
        ),
    };
    let severity = params
        .severity
        .as_deref()
        .map(|text| {
            Severity::parse(text).ok_or_else(|| {
                ApiError::bad_parameter("severity must be one of critical, error, warning, info")
            })
        })
        .transpose()?;
    let filter = crate::store::alerts::AlertFilter {
        state: alert_state,
        open,
        service: params.service,
        severity,
        before,
        latest_fire_first: false,
        limit,
        ..crate::store::alerts::AlertFilter::default()
    };
    let items = state.store.list_alerts(&filter).await?;
    let cursor = next_cursor(items.len(), limit, items.last().map(|a| a.seq));
    Ok(Json(json!({"items": items, "next_cursor": cursor})))
}

pub async fn get_alert(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::AlertsRead).await?;
    let alert = match state.store.get_alert(&id).await {
        Err(StoreError::NotFound) => return Err(ApiError::not_found("alert")),
        other => other?,
    };
    let changes = state.store.alert_changes(&id).await?;
    let base = state.config.current().server.base_url();
    let incidents: Vec<serde_json::Value> = crate::alerts::ops::incidents_of(&state, &id)
        .await?
        .iter()
        .map(|incident| {
            json!({"id": incident.id, "number": incident.number, "title": incident.title,
                   "state": incident.state.as_str(),
                   "url": format!("{base}/incidents/{}", incident.number)})
        })
        .collect();
    let mut escalations = Vec::new();
    for escalation in state.store.alert_escalations(&id).await? {
        let log = state.store.escalation_log(&escalation.id).await?;
        let mut entry = serde_json::to_value(&escalation).unwrap_or_default();
        entry["log"] = serde_json::to_value(log).unwrap_or_default();
        escalations.push(entry);
    }
    let mut value = serde_json::to_value(&alert).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "changes".into(),
            serde_json::to_value(changes).unwrap_or_default(),
        );
        object.insert("escalations".into(), serde_json::Value::Array(escalations));
        object.insert("incidents".into(), serde_json::Value::Array(incidents));
    }
    Ok(Json(value))
}

async fn change_alert(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    change: crate::core::alert::AlertChange,
) -> Result<Json<serde_json::Value>, ApiError> {
    let token = state.authorize(headers, Scope::AlertsWrite).await?;
    // A token that acts for a person is that person's hand, as on the page.
    let cause = match &token.user {
        Some(_) => super::token_actor(&token),
        None => format!("token:{}", token.name),
    };
    let actor = crate::core::audit::Actor::new(cause, super::api_actor(&token, headers).channel);
    match crate::alerts::ops::change_alert(state, id, change, &actor).await {
        Ok(Some(transition)) => Ok(Json(
            serde_json::to_value(transition.alert).unwrap_or_default(),
        )),
        Ok(None) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "alert_state",
            format!(
                "the alert cannot be {} from its current state",
                change.as_str()
            ),
        )),
        Err(StoreError::NotFound) => Err(ApiError::not_found("alert")),
        Err(error) => Err(error.into()),
    }
}

pub async fn acknowledge_alert(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    change_alert(
        &state,
        &headers,
        &id,
        crate::core::alert::AlertChange::Acknowledged,
    )
    .await
}

pub async fn resolve_alert(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    change_alert(
        &state,
        &headers,
        &id,
        crate::core::alert::AlertChange::Resolved,
    )
    .await
}
