//! `/api/v1/incidents` (PRODUCT.md §3.1): declare, list, read, change through the lifecycle,
//! acknowledge, resolve, add notes, and read the timeline. A move the lifecycle does not allow
//! answers 409 `invalid_transition` with a sentence; key times out of order, 409
//! `times_out_of_order`.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::{AppState, PathText, json_body as body, token_actor as who};
use crate::core::incident::{Priority, Severity};
use crate::core::scope::Scope;
use crate::incidents::decide::{IncidentEdit, KeyTimesEdit};
use crate::incidents::ops::{self, Declaration, IncidentError};
use crate::incidents::view;
use crate::store::StoreError;
use crate::store::incidents::{Incident, IncidentFilter, Role};

impl From<IncidentError> for ApiError {
    fn from(error: IncidentError) -> Self {
        match error {
            IncidentError::Invalid(message) => ApiError::bad_parameter(message),
            IncidentError::Refused(message)
                if message.ends_with(crate::core::incident::TIMES_IN_ORDER) =>
            {
                ApiError::new(StatusCode::CONFLICT, "times_out_of_order", message)
            }
            IncidentError::Refused(message) => {
                ApiError::new(StatusCode::CONFLICT, "invalid_transition", message)
            }
            IncidentError::UnknownChange(message) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_deployment",
                message,
            ),
            IncidentError::Store(StoreError::NotFound) => ApiError::not_found("incident"),
            IncidentError::Store(error) => error.into(),
        }
    }
}

fn view(state: &AppState, incident: &Incident) -> serde_json::Value {
    let mut value = serde_json::to_value(incident).unwrap_or_default();
    value["url"] = json!(format!(
        "{}/incidents/{}",
        state.config.current().server.base_url(),
        incident.number
    ));
    value
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeclareRequest {
    title: String,
    severity: String,
    priority: Option<String>,
    #[serde(default)]
    services: Vec<String>,
    summary: Option<String>,
    customer_impact: Option<String>,
}

fn severity(text: &str) -> Result<Severity, ApiError> {
    Severity::parse(text)
        .ok_or_else(|| ApiError::bad_parameter(format!("severity \"{text}\" is not SEV1 to SEV4")))
}

fn priority(text: &str) -> Result<Priority, ApiError> {
    Priority::parse(text)
        .ok_or_else(|| ApiError::bad_parameter(format!("priority \"{text}\" is not P1 to P4")))
}

/// `POST /api/v1/incidents`.
pub async fn declare(
    State(state): State<AppState>,
    headers: HeaderMap,
    super::RequestBody(bytes): super::RequestBody,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let token = state.authorize(&headers, Scope::IncidentsWrite).await?;
    let request: DeclareRequest = body(&bytes, "an incident {\"title\", \"severity\", …}")?;
    let declaration = Declaration {
        title: request.title,
        severity: severity(&request.severity)?,
        priority: request.priority.as_deref().map(priority).transpose()?,
        services: request.services,
        summary: request.summary,
        customer_impact: request.customer_impact,
    };
    let incident = ops::declare(&state, declaration, &super::api_actor(&token, &headers)).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &incident))))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    state: Option<String>,
    severity: Option<String>,
    service: Option<String>,
    q: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/incidents?state=open|closed|all|<a state>&severity=&service=&q=` (default open).
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::IncidentsRead).await?;
    let query: ListQuery = super::api::query(raw)?;
    let mut filter = IncidentFilter {
        limit: query.limit.unwrap_or(500).clamp(1, 1000),
        severity: query.severity.as_deref().map(severity).transpose()?,
        service: query.service.filter(|s| !s.is_empty()),
        text: query.q.filter(|q| !q.trim().is_empty()),
        ..IncidentFilter::default()
    };
    match query.state.as_deref() {
        None | Some("open") => filter.open = Some(true),
        Some("closed") => filter.open = Some(false),
        Some("all") => {}
        Some(other) => match crate::core::incident::State::parse(other) {
            Some(one) => filter.state = Some(one),
            None => {
                return Err(ApiError::bad_parameter(format!(
                    "state \"{other}\" is not open, closed, all or one of the lifecycle's states"
                )));
            }
        },
    }
    let incidents = state.store.list_incidents(&filter).await?;
    let ids: Vec<String> = incidents.iter().map(|i| i.id.clone()).collect();
    let commanders = state.store.commanders(&ids).await?;
    let items: Vec<_> = incidents
        .iter()
        .map(|incident| {
            let mut value = view(&state, incident);
            value["commander"] = json!(commanders.get(&incident.id));
            value
        })
        .collect();
    Ok(Json(json!({ "items": items, "next_cursor": null })))
}

/// `GET /api/v1/incidents/{id}` (the id or the number): the incident with its `roles` (who
/// holds each now), `role_history`, `updates`, `alerts`, `what_changed` and `earlier`
/// incidents on the same services or alert rules.
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(key): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::IncidentsRead).await?;
    let detail = view::detail(&state, &key).await?;
    let mut value = view(&state, &detail.incident);
    value["roles"] = json!(detail.roles);
    value["role_history"] = json!(detail.role_history);
    value["updates"] = json!(detail.updates);
    value["alerts"] = json!(detail.alerts);
    value["what_changed"] = json!(detail.what_changed);
    value["earlier"] = json!(
        detail
            .earlier
            .iter()
            .map(|earlier| {
                let mut one = view(&state, &earlier.incident);
                one["postmortem"] = json!(earlier.postmortem);
                one["open_action_items"] = json!(earlier.open_action_items);
                one
            })
            .collect::<Vec<_>>()
    );
    Ok(Json(value))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleRequest {
    person: String,
}

/// `PUT /api/v1/incidents/{id}/roles/{commander|communications|scribe}` `{"person"}`.
pub async fn assign_role(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText((key, role)): PathText<(String, String)>,
    super::RequestBody(bytes): super::RequestBody,
) -> Result<Json<serde_json::Value>, ApiError> {
    let token = state.authorize(&headers, Scope::IncidentsWrite).await?;
    let role = Role::parse(&role).ok_or_else(|| {
        ApiError::bad_parameter(format!(
            "role \"{role}\" is none of commander, communications, scribe"
        ))
    })?;
    let request: RoleRequest = body(&bytes, "a role holder {\"person\"}")?;
    ops::assign_role(
        &state,
        &key,
        role,
        request.person.trim(),
        &super::api_actor(&token, &headers),
    )
    .await?;
    get(State(state), headers, PathText(key)).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchRequest {
    title: Option<String>,
    severity: Option<String>,
    priority: Option<String>,
    state: Option<String>,
    times: Option<TimesRequest>,
    causing_deployment: Option<String>,
    /// A change from what changed that is not the cause.
    ruled_out: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimesRequest {
    #[serde(default, with = "present")]
    impact_started: Option<Option<Timestamp>>,
    #[serde(default, with = "present")]
    detected: Option<Option<Timestamp>>,
    #[serde(default, with = "present")]
    acknowledged: Option<Option<Timestamp>>,
    #[serde(default, with = "present")]
    mitigated: Option<Option<Timestamp>>,
    #[serde(default, with = "present")]
    resolved: Option<Option<Timestamp>>,
}

/// A field that may be absent (no change), `null` (cleared) or a value.
mod present {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// `PATCH /api/v1/incidents/{id}`: severity, priority, state, title, times,
/// `causing_deployment`, all together or none.
pub async fn patch(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(key): PathText,
    super::RequestBody(bytes): super::RequestBody,
) -> Result<Json<serde_json::Value>, ApiError> {
    let token = state.authorize(&headers, Scope::IncidentsWrite).await?;
    let request: PatchRequest = body(&bytes, "an incident change")?;
    if let Some(times) = &request.times {
        ApiError::check_times([
            ("times.impact_started", times.impact_started.flatten()),
            ("times.detected", times.detected.flatten()),
            ("times.acknowledged", times.acknowledged.flatten()),
            ("times.mitigated", times.mitigated.flatten()),
            ("times.resolved", times.resolved.flatten()),
        ])?;
    }
    let change = IncidentEdit {
        title: request.title,
        severity: request.severity.as_deref().map(severity).transpose()?,
        priority: request.priority.as_deref().map(priority).transpose()?,
        state: request
            .state
            .as_deref()
            .map(|text| {
                crate::core::incident::State::parse(text).ok_or_else(|| {
                    ApiError::bad_parameter(format!(
                        "state \"{text}\" is none of triage, active, mitigated, resolved, learning, closed, declined, merged"
                    ))
                })
            })
            .transpose()?,
        times: request.times.map(|times| KeyTimesEdit {
            impact_started: times.impact_started,
            detected: times.detected,
            acknowledged: times.acknowledged,
            mitigated: times.mitigated,
            resolved: times.resolved,
        }),
        causing_deployment: request.causing_deployment,
        cause_title: None,
        ruled_out: request.ruled_out,
    };
    let incident = ops::change(&state, &key, change, &super::api_actor(&token, &headers)).await?;
    Ok(Json(view(&state, &incident)))
}

/// `POST /api/v1/incidents/{id}/acknowledge`.
pub async fn acknowledge(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(key): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    let token = state.authorize(&headers, Scope::IncidentsWrite).await?;
    let incident = crate::alerts::ops::acknowledge_incident(
        &state,
        &key,
        &crate::core::audit::Actor::new(who(&token), super::api_actor(&token, &headers).channel),
    )
    .await?;
    Ok(Json(view(&state, &incident)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachRequest {
    alerts: Vec<String>,
}

/// `POST /api/v1/incidents/{id}/alerts` `{"alerts": [id, …]}`: the alerts join the incident;
/// answers the incident with its alerts.
pub async fn attach_alerts(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(key): PathText,
    super::RequestBody(bytes): super::RequestBody,
) -> Result<Json<serde_json::Value>, ApiError> {
    let token = state.authorize(&headers, Scope::IncidentsWrite).await?;
    let request: AttachRequest = body(&bytes, "alerts to attach {\"alerts\": [id, …]}")?;
    let incident = crate::alerts::ops::attach_to_incident(
        &state,
        &key,
        &request.alerts,
        &crate::core::audit::Actor::new(who(&token), super::api_actor(&token, &headers).channel),
    )
    .await?;
    let mut value = view(&state, &incident);
    value["alerts"] = json!(state.store.incident_alerts(&incident.id).await?);
    Ok(Json(value))
}

/// `POST /api/v1/incidents/{id}/resolve`.
pub async fn resolve(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(key): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    let token = state.authorize(&headers, Scope::IncidentsWrite).await?;
    let incident = ops::resolve(&state, &key, &super::api_actor(&token, &headers)).await?;
    Ok(Json(view(&state, &incident)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteRequest {
    text: String,
    #[serde(default)]
    starred: bool,
}

/// `POST /api/v1/incidents/{id}/notes` `{"text", "starred"?}`.
pub async fn note(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(key): PathText,
    super::RequestBody(bytes): super::RequestBody,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let token = state.authorize(&headers, Scope::IncidentsWrite).await?;
    let request: NoteRequest = body(&bytes, "a note {\"text\", \"starred\"?}")?;
    let incident = ops::note(
        &state,
        &key,
        &request.text,
        request.starred,
        &super::api_actor(&token, &headers),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view(&state, &incident))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateRequest {
    status: String,
    message: String,
    #[serde(default)]
    public: bool,
}

/// `POST /api/v1/incidents/{id}/updates` `{"status": "investigating|identified|monitoring|resolved", "message", "public"}`.
pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(key): PathText,
    super::RequestBody(bytes): super::RequestBody,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let token = state.authorize(&headers, Scope::IncidentsWrite).await?;
    let request: UpdateRequest = body(&bytes, "an update {\"status\", \"message\", \"public\"}")?;
    let status = crate::core::incident::UpdateStatus::parse(&request.status).ok_or_else(|| {
        ApiError::bad_parameter(format!(
            "status \"{}\" is none of investigating, identified, monitoring, resolved",
            request.status
        ))
    })?;
    let incident = ops::update(
        &state,
        &key,
        status,
        &request.message,
        request.public,
        &super::api_actor(&token, &headers),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view(&state, &incident))))
}

/// `GET /api/v1/incidents/{id}/timeline`, oldest first.
pub async fn timeline(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(key): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::IncidentsRead).await?;
    let incident = state
        .store
        .get_incident(&key)
        .await
        .map_err(IncidentError::from)?;
    let items = view::timeline(&state, &incident.id).await?;
    Ok(Json(json!({ "items": items, "next_cursor": null })))
}
