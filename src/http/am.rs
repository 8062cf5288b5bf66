//! Alertmanager's API v2 under `/am/{integration}`, for an `alertmanager` integration, so
//! Prometheus (`alerting.alertmanagers[].path_prefix`), `amtool`, karma and Grafana's
//! Alertmanager data source talk to Firewatch as they would to Alertmanager: the alert push,
//! the alert and group lists with their filters, silences, status and receivers, in
//! Alertmanager's JSON shapes. Errors are Alertmanager's too: a JSON string, which its
//! clients print as is.
//!
//! Alerts pushed here go through intake like any webhook's. Silences made here are
//! Firewatch's own silences, and the Silences page shows them; the lists show this
//! integration's alerts.
//!
//! Credentials: the integration's `token` as a bearer token or as basic auth's password (as
//! Prometheus and `amtool` send them), or a Firewatch API token with the scope the call needs.

use crate::core::audit::{Actor, Channel};
use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::hooks::{Api, take};
use super::{AppState, PathText};
use crate::alerts::silences::{MatchersInput, SilenceRequest};
use crate::core::alert::AlertState;
use crate::core::scope::Scope;
use crate::core::silence::{Matcher, Schedule};
use crate::integrations::inbound::config::{AlertIntegration, IntegrationConfig};
use crate::store::StoreError;
use crate::store::alerts::{Alert, AlertFilter, Silence};

/// The most alerts a list shows: Alertmanager has no paging, and neither do its clients.
const LIST_LIMIT: i64 = 10_000;

/// An error as Alertmanager's API writes it: the sentence as a JSON string. The stable code
/// goes in a header, since the body has no room for it.
pub(super) fn error(error: ApiError) -> Response {
    let mut response = error.respond_with(error.status, Value::String(error.message.clone()));
    response.headers_mut().insert(
        "firewatch-error",
        axum::http::HeaderValue::from_static(error.code),
    );
    response
}

/// The `alertmanager` integration `name`, or 404.
fn integration(state: &AppState, name: &str) -> Result<AlertIntegration, ApiError> {
    match state.config.current().integration(name) {
        Some(IntegrationConfig::Alertmanager(settings)) => Ok(settings.clone()),
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_integration",
            format!("no integration of kind alertmanager is named \"{name}\""),
        )),
    }
}

/// Who is calling the `alertmanager` integration `name` (404 when there is none): its token
/// (bearer or basic password) acts as the integration; else a Firewatch API token with `scope`.
async fn caller(
    state: &AppState,
    name: &str,
    headers: &HeaderMap,
    scope: Scope,
) -> Result<String, ApiError> {
    let settings = integration(state, name)?;
    if let Some(token) = &settings.token {
        if crate::integrations::inbound::check_bearer_or_basic(headers, token).is_ok() {
            return Ok(format!("alertmanager:{}", settings.name));
        }
    }
    let token = state.authorize(headers, scope).await?;
    Ok(super::token_actor(&token))
}

/// `POST /am/{integration}/api/v2/alerts`: Prometheus's alert push.
pub async fn post_alerts(
    State(state): State<AppState>,
    path: Result<PathText, ApiError>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match path {
        Ok(PathText(name)) => take(&state, name, headers, body, Api::AlertmanagerV2).await,
        Err(refusal) => error(refusal),
    }
}

/// Alertmanager's `filter` (repeated), `receiver` and boolean parameters.
#[derive(Debug, Default)]
struct ListQuery {
    filter: Vec<Matcher>,
    receiver: Option<regex::Regex>,
    flags: BTreeMap<String, bool>,
}

impl ListQuery {
    fn parse(raw: Option<&str>, flags: &[&str]) -> Result<ListQuery, ApiError> {
        let mut query = ListQuery::default();
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "filter" => {
                    let matchers = crate::core::silence::parse_matchers(&value)
                        .map_err(|error| ApiError::bad_parameter(format!("filter: {error}")))?;
                    query.filter.extend(matchers);
                }
                "receiver" => {
                    let pattern = format!("^(?:{value})$");
                    let regex = regex::RegexBuilder::new(&pattern)
                        .size_limit(1 << 20)
                        .build()
                        .map_err(|error| {
                            ApiError::bad_parameter(format!("receiver is not a regex: {error}"))
                        })?;
                    query.receiver = Some(regex);
                }
                flag if flags.contains(&flag) => {
                    let on = match value.as_ref() {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => {
                            return Err(ApiError::bad_parameter(format!(
                                "{flag} must be true or false"
                            )));
                        }
                    };
                    query.flags.insert(flag.to_owned(), on);
                }
                _ => {}
            }
        }
        Ok(query)
    }

    fn flag(&self, name: &str) -> bool {
        self.flags.get(name).copied().unwrap_or(true)
    }
}

const ALERT_FLAGS: &[&str] = &["active", "silenced", "inhibited", "unprocessed"];

/// This integration's open alerts that pass the query's filters.
async fn listed(state: &AppState, name: &str, query: &ListQuery) -> Result<Vec<Alert>, ApiError> {
    let alerts = state
        .store
        .list_alerts(&AlertFilter {
            open: true,
            integration: Some(name.to_owned()),
            limit: LIST_LIMIT,
            ..AlertFilter::default()
        })
        .await?;
    let receiver_ok = query
        .receiver
        .as_ref()
        .is_none_or(|receiver| receiver.is_match(name));
    Ok(alerts
        .into_iter()
        .filter(|_| receiver_ok)
        .filter(|alert| match (alert.state, inhibitor(alert)) {
            (AlertState::Silenced, Some(_)) => query.flag("inhibited"),
            (AlertState::Silenced, None) => query.flag("silenced"),
            _ => query.flag("active"),
        })
        .filter(|alert| query.filter.iter().all(|m| m.matches(&alert.labels)))
        .collect())
}

/// The fingerprint of the alert inhibiting this one, if it is inhibited.
fn inhibitor(alert: &Alert) -> Option<&str> {
    alert
        .silenced_by
        .as_deref()
        .and_then(crate::alerts::inhibition::source)
}

/// `gettableAlert`.
fn gettable(alert: &Alert, receiver: &str) -> Value {
    let starts_at = alert.starts_at.unwrap_or(alert.fired_at);
    // An alert with no end of its own (sent as a webhook) shows Alertmanager's default.
    let ends_at = alert.ends_at.unwrap_or_else(|| {
        alert
            .last_seen_at
            .saturating_add(crate::integrations::inbound::alertmanager_api::RESOLVE_TIMEOUT)
            .unwrap_or(alert.last_seen_at)
    });
    let suppressed = alert.state == AlertState::Silenced;
    let inhibited_by: Vec<&str> = inhibitor(alert).into_iter().collect();
    let silenced_by: Vec<&String> = alert
        .silenced_by
        .iter()
        .filter(|_| inhibited_by.is_empty())
        .collect();
    json!({
        "labels": alert.labels,
        "annotations": alert.annotations,
        "startsAt": starts_at,
        "endsAt": ends_at,
        "updatedAt": alert.last_seen_at,
        "generatorURL": alert.url.clone().unwrap_or_default(),
        "fingerprint": alert.fingerprint,
        "receivers": [{"name": receiver}],
        "status": {
            "state": if suppressed { "suppressed" } else { "active" },
            "silencedBy": silenced_by,
            "inhibitedBy": inhibited_by,
        },
    })
}

/// `GET /am/{integration}/api/v2/alerts`.
pub async fn get_alerts(
    State(state): State<AppState>,
    path: Result<PathText, ApiError>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let result = async {
        let PathText(name) = path?;
        caller(&state, &name, &headers, Scope::AlertsRead).await?;
        let query = ListQuery::parse(raw.as_deref(), ALERT_FLAGS)?;
        let alerts = listed(&state, &name, &query).await?;
        let items: Vec<Value> = alerts.iter().map(|alert| gettable(alert, &name)).collect();
        Ok::<_, ApiError>(axum::Json(Value::Array(items)))
    }
    .await;
    result.map_or_else(error, IntoResponse::into_response)
}

/// `GET /am/{integration}/api/v2/alerts/groups`: alerts grouped by their rule
/// (`alertname`), one receiver, the integration.
pub async fn alert_groups(
    State(state): State<AppState>,
    path: Result<PathText, ApiError>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let result = async {
        let PathText(name) = path?;
        caller(&state, &name, &headers, Scope::AlertsRead).await?;
        let query = ListQuery::parse(raw.as_deref(), ALERT_FLAGS)?;
        let alerts = listed(&state, &name, &query).await?;
        let mut groups: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for alert in &alerts {
            groups
                .entry(alert.rule.as_str())
                .or_default()
                .push(gettable(alert, &name));
        }
        let groups: Vec<Value> = groups
            .into_iter()
            .map(|(rule, alerts)| {
                json!({
                    "labels": {"alertname": rule},
                    "receiver": {"name": name},
                    "alerts": alerts,
                })
            })
            .collect();
        Ok::<_, ApiError>(axum::Json(Value::Array(groups)))
    }
    .await;
    result.map_or_else(error, IntoResponse::into_response)
}

/// `gettableSilence`: the window in force, else the next, else the last one.
fn gettable_silence(silence: &Silence, now: Timestamp) -> Value {
    let window = silence
        .schedule
        .window_at(now)
        .or_else(|| silence.schedule.next_window_after(now));
    let (starts_at, mut ends_at) = match (window, &silence.schedule) {
        (Some(window), _) => window,
        (None, Schedule::Once { starts_at, ends_at }) => (*starts_at, *ends_at),
        (None, Schedule::Recurring { .. }) => (silence.created_at, silence.created_at),
    };
    if let Some(expired) = silence.expired_at.filter(|at| *at < ends_at) {
        ends_at = expired;
    }
    json!({
        "id": silence.id,
        "status": {"state": silence.status(now)},
        "updatedAt": silence.expired_at.unwrap_or(silence.created_at),
        "matchers": silence.matchers,
        "startsAt": starts_at,
        "endsAt": ends_at,
        "createdBy": silence.created_by,
        "comment": silence.comment,
    })
}

/// `GET /am/{integration}/api/v2/silences`: every silence and maintenance window whose
/// matchers, read as labels, pass the `filter` (as Alertmanager filters).
pub async fn list_silences(
    State(state): State<AppState>,
    path: Result<PathText, ApiError>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let result = async {
        let PathText(name) = path?;
        caller(&state, &name, &headers, Scope::AlertsRead).await?;
        let query = ListQuery::parse(raw.as_deref(), &[])?;
        let now = state.clock.now();
        let items: Vec<Value> = state
            .store
            .list_silences()
            .await?
            .iter()
            .filter(|silence| {
                let labels: BTreeMap<String, String> = silence
                    .matchers
                    .iter()
                    .map(|m| (m.name.clone(), m.value.clone()))
                    .collect();
                query.filter.iter().all(|m| m.matches(&labels))
            })
            .map(|silence| gettable_silence(silence, now))
            .collect();
        Ok::<_, ApiError>(axum::Json(Value::Array(items)))
    }
    .await;
    result.map_or_else(error, IntoResponse::into_response)
}

/// `postableSilence`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostableSilence {
    #[serde(default)]
    id: Option<String>,
    matchers: Vec<Matcher>,
    starts_at: Timestamp,
    ends_at: Timestamp,
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    comment: String,
}

/// `POST /am/{integration}/api/v2/silences`: a new silence, or (with `id`) a silence that
/// replaces one, which is expired; answers `{"silenceID"}`.
pub async fn post_silence(
    State(state): State<AppState>,
    path: Result<PathText, ApiError>,
    headers: HeaderMap,
    body: Result<super::RequestBody, ApiError>,
) -> Response {
    let result = async {
        let PathText(name) = path?;
        let who = caller(&state, &name, &headers, Scope::AlertsWrite).await?;
        let actor = Actor::new(who.clone(), Channel::Api);
        let super::RequestBody(body) = body?;
        let posted: PostableSilence = serde_json::from_slice(&body).map_err(|error| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                format!("the body is not a postable silence: {error}"),
            )
        })?;
        let now = state.clock.now();
        // Alertmanager starts a silence whose start has passed now.
        let request = SilenceRequest {
            matchers: Some(MatchersInput::List(posted.matchers)),
            starts_at: Some(posted.starts_at.max(now)),
            ends_at: Some(posted.ends_at),
            created_by: posted.created_by,
            comment: posted.comment,
            ..SilenceRequest::default()
        };
        let new = request
            .validate(&who, now)
            .map_err(ApiError::bad_parameter)?;
        if let Some(id) = posted.id.filter(|id| !id.is_empty()) {
            match crate::alerts::ops::expire_silence(&state, &id, &actor).await {
                Err(StoreError::NotFound) => {
                    return Err(ApiError::new(
                        StatusCode::NOT_FOUND,
                        "not_found",
                        format!("silence {id} not found"),
                    ));
                }
                other => {
                    other?;
                }
            }
        }
        let silence = crate::alerts::ops::create_silence(&state, &new, &actor).await?;
        Ok::<_, ApiError>(axum::Json(json!({ "silenceID": silence.id })))
    }
    .await;
    result.map_or_else(error, IntoResponse::into_response)
}

/// `GET /am/{integration}/api/v2/silence/{id}`.
pub async fn get_silence(
    State(state): State<AppState>,
    path: Result<PathText<(String, String)>, ApiError>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let PathText((name, id)) = path?;
        caller(&state, &name, &headers, Scope::AlertsRead).await?;
        let silence = match state.store.get_silence(&id).await {
            Err(StoreError::NotFound) => return Err(silence_not_found(&id)),
            other => other?,
        };
        Ok(axum::Json(gettable_silence(&silence, state.clock.now())))
    }
    .await;
    result.map_or_else(error, IntoResponse::into_response)
}

fn silence_not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!(
            "silence {} not found",
            crate::integrations::inbound::shown(id)
        ),
    )
}

/// `DELETE /am/{integration}/api/v2/silence/{id}`: expires it (200 when it already was).
pub async fn delete_silence(
    State(state): State<AppState>,
    path: Result<PathText<(String, String)>, ApiError>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let PathText((name, id)) = path?;
        let who = caller(&state, &name, &headers, Scope::AlertsWrite).await?;
        match crate::alerts::ops::expire_silence(&state, &id, &Actor::new(who, Channel::Api)).await
        {
            Err(StoreError::NotFound) => Err(silence_not_found(&id)),
            Err(other) => Err(other.into()),
            Ok(_) => Ok(StatusCode::OK),
        }
    }
    .await;
    result.map_or_else(error, IntoResponse::into_response)
}

/// `GET /am/{integration}/api/v2/status`: Alertmanager's `alertmanagerStatus`, with
/// Firewatch's version; there is no cluster (replicas share the database instead).
pub async fn status(
    State(state): State<AppState>,
    path: Result<PathText, ApiError>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let PathText(name) = path?;
        caller(&state, &name, &headers, Scope::AlertsRead).await?;
        Ok::<_, ApiError>(axum::Json(json!({
            "cluster": {"name": "firewatch", "status": "disabled", "peers": []},
            "versionInfo": {
                "version": env!("CARGO_PKG_VERSION"),
                "revision": env!("FIREWATCH_COMMIT"),
                "branch": "",
                "buildUser": "",
                "buildDate": "",
                "goVersion": "",
            },
            "config": {
                "original": format!(
                    "# Firewatch: routes, inhibit_rules and time_intervals are in firewatch.toml.\nroute:\n  receiver: {name}\nreceivers:\n- name: {name}\n"
                ),
            },
            "uptime": state.started_at,
        })))
    }
    .await;
    result.map_or_else(error, IntoResponse::into_response)
}

/// `GET /am/{integration}/api/v2/receivers`: the one receiver, the integration.
pub async fn receivers(
    State(state): State<AppState>,
    path: Result<PathText, ApiError>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let PathText(name) = path?;
        caller(&state, &name, &headers, Scope::AlertsRead).await?;
        Ok::<_, ApiError>(axum::Json(json!([{ "name": name }])))
    }
    .await;
    result.map_or_else(error, IntoResponse::into_response)
}

/// `GET /am/{integration}/-/healthy`: as Alertmanager answers it, with no credentials.
pub async fn healthy(State(state): State<AppState>, path: Result<PathText, ApiError>) -> Response {
    match path.and_then(|PathText(name)| integration(&state, &name)) {
        Ok(_) => (StatusCode::OK, "OK").into_response(),
        Err(refusal) => error(refusal),
    }
}

/// `GET /am/{integration}/-/ready`: ready when the store is.
pub async fn ready(State(state): State<AppState>, path: Result<PathText, ApiError>) -> Response {
    if let Err(refusal) = path.and_then(|PathText(name)| integration(&state, &name)) {
        return error(refusal);
    }
    match state.store.migrations_current().await {
        Ok(true) => (StatusCode::OK, "OK").into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_filters_and_flags_are_read_as_alertmanager_sends_them() {
        let query = ListQuery::parse(
            Some("active=true&silenced=false&filter=alertname%3D%22X%22&filter=env%3D~%22prod%7Cdr%22&receiver=fire.*"),
            ALERT_FLAGS,
        )
        .unwrap();
        assert_eq!(query.filter.len(), 2);
        assert!(query.flag("active"));
        assert!(!query.flag("silenced"));
        assert!(query.flag("inhibited"));
        assert!(query.receiver.unwrap().is_match("firewatch"));
        let bad = ListQuery::parse(Some("silenced=maybe"), ALERT_FLAGS).unwrap_err();
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        let bad = ListQuery::parse(Some("filter=%7Balertname"), ALERT_FLAGS).unwrap_err();
        assert!(bad.message.starts_with("filter: "), "{}", bad.message);
    }
}
