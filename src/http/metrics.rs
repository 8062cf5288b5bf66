//! `/api/v1/deployments` (PRODUCT.md §3.1): record a deployment from any pipeline (scope
//! `deployments:write`), list them and read one with the changes it shipped; and
//! `/api/v1/metrics/dora` and `/api/v1/metrics/ops` (scope `metrics:read`). A recorded deployment is an event like a
//! forge's deployment: stored and answered after the commit, routed as `kind =
//! "deployment"`, and projected into the deployments the metrics read.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;

use super::api::{next_cursor, page, query};
use super::error::ApiError;
use super::{AppState, PathText, json_body};
use crate::core::dora::DeployKind;
use crate::core::forge::{Deployment, ForgeEvent, Outcome};
use crate::core::problem::is_valid_name;
use crate::core::routing::{EventAttributes, destinations_for};
use crate::core::scope::Scope;
use crate::metrics::dora::Scope as DoraScope;
use crate::store::metrics::DeploymentFilter;
use crate::store::{EventStatus, NewEvent, StoreError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordRequest {
    service: String,
    environment: String,
    version: String,
    #[serde(default)]
    commits: Vec<String>,
    commit: Option<String>,
    status: String,
    started_at: Option<Timestamp>,
    finished_at: Option<Timestamp>,
    url: Option<String>,
    kind: Option<String>,
    /// Where the code lives, when the service's `repos` do not say.
    repository: Option<String>,
    description: Option<String>,
}

fn is_sha(text: &str) -> bool {
    (4..=64).contains(&text.len()) && text.chars().all(|c| c.is_ascii_hexdigit())
}

/// Checks the request; every problem is a sentence.
fn check(request: &RecordRequest, now: Timestamp) -> Result<(Outcome, DeployKind), ApiError> {
    let bad = |message: &str| ApiError::bad_parameter(message.to_owned());
    if !is_valid_name(&request.service) {
        return Err(bad(&format!(
            "service \"{}\" may hold only letters, digits, '-', '_' and '.'",
            request.service
        )));
    }
    if !is_valid_name(&request.environment) {
        return Err(bad(&format!(
            "environment \"{}\" may hold only letters, digits, '-', '_' and '.'",
            request.environment
        )));
    }
    if request.version.trim().is_empty() || request.version.len() > 200 {
        return Err(bad("version must be 1 to 200 characters"));
    }
    let status = match request.status.as_str() {
        "success" => Outcome::Success,
        "failure" => Outcome::Failure,
        other => {
            return Err(bad(&format!(
                "status \"{other}\" is not success or failure"
            )));
        }
    };
    let kind = match request.kind.as_deref() {
        None => DeployKind::Planned,
        Some(text) => DeployKind::parse(text).ok_or_else(|| {
            bad(&format!(
                "kind \"{text}\" is not planned, hotfix, rollback or revert"
            ))
        })?,
    };
    if request.commit.is_some() && !request.commits.is_empty() {
        return Err(bad("give either commit or commits, not both"));
    }
    if request.commits.len() > 10_000 {
        return Err(bad("commits may list at most 10000 commits"));
    }
    for sha in request.commit.iter().chain(&request.commits) {
        if !is_sha(sha) {
            return Err(bad(&format!("\"{sha}\" is not a commit sha")));
        }
    }
    if let (Some(started), Some(finished)) = (request.started_at, request.finished_at) {
        if started > finished {
            return Err(bad("started_at is after finished_at"));
        }
    }
    if request
        .finished_at
        .is_some_and(|at| at > now + jiff::SignedDuration::from_mins(5))
    {
        return Err(bad("finished_at is in the future"));
    }
    if let Some(url) = &request.url {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(bad("url must be an http or https address"));
        }
    }
    Ok((status, kind))
}

/// `POST /api/v1/deployments`: 201 once the deployment is stored. With an
/// `Idempotency-Key` header a retried request answers with the first one's id.
pub async fn record(
    State(state): State<AppState>,
    headers: HeaderMap,
    super::RequestBody(bytes): super::RequestBody,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    state.authorize(&headers, Scope::DeploymentsWrite).await?;
    let request: RecordRequest = json_body(
        &bytes,
        "a deployment {\"service\", \"environment\", \"version\", \"commit\" or \"commits\", \"status\", \"kind\"?}",
    )?;
    ApiError::check_times([
        ("started_at", request.started_at),
        ("finished_at", request.finished_at),
    ])?;
    let now = state.clock.now();
    let (status, kind) = check(&request, now)?;
    let config = state.config.current();
    let repository = request
        .repository
        .clone()
        .or_else(|| {
            config
                .service(&request.service)
                .and_then(|service| service.repos.first().cloned())
        })
        .unwrap_or_else(|| request.service.clone());
    let forge = ForgeEvent {
        kind: "deployment".into(),
        action: status.as_str().into(),
        repository: repository.clone(),
        title: Some(request.environment.clone()),
        url: request.url.clone(),
        outcome: Some(status),
        deployment: Some(Deployment {
            environment: request.environment.clone(),
            sha: request
                .commit
                .clone()
                .or_else(|| request.commits.last().cloned()),
            reference: Some(request.version.clone()),
            state: Some(status.as_str().into()),
            description: request.description.clone(),
            service: Some(request.service.clone()),
            version: Some(request.version.clone()),
            kind: Some(kind.as_str().into()),
            commits: request.commits.clone(),
            started_at: request.started_at,
            finished_at: Some(request.finished_at.unwrap_or(now)),
        }),
        ..ForgeEvent::default()
    };
    let destinations = destinations_for(
        &EventAttributes {
            source: "deployments",
            integration: "deployments",
            kind: "deployment",
            action: Some(status.as_str()),
            repo: Some(&repository),
            branch: None,
            author: None,
            labels: &[],
            outcome: Some(status.as_str()),
        },
        &config.routes,
    );
    let dedup_key = headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .filter(|key| !key.is_empty() && key.len() <= 200)
        .map(|key| format!("deployment:{key}"));
    let window = config.delivery.retry_window();
    let accepted = state
        .intake
        .submit(NewEvent {
            id: crate::store::new_id(now),
            integration: "deployments".into(),
            source: "deployments".into(),
            kind: "deployment".into(),
            status: EventStatus::Accepted,
            ignored_reason: None,
            dedup_key,
            received_at: now,
            headers: "{}".into(),
            body: bytes,
            normalized: serde_json::to_string(&forge).ok(),
            repository: Some(repository),
            jobs: Vec::new(),
            destinations,
            expires_at: now.saturating_add(window).unwrap_or(now),
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": accepted.id,
            "duplicate": accepted.duplicate,
            "service": request.service,
            "environment": request.environment,
            "version": request.version,
            "status": status.as_str(),
            "kind": kind.as_str(),
        })),
    ))
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    service: Option<String>,
    team: Option<String>,
    environment: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

fn time(name: &str, text: Option<&str>) -> Result<Option<Timestamp>, ApiError> {
    super::query_time(name, text.filter(|t| !t.is_empty()))
}

/// `GET /api/v1/deployments`, newest recorded first.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::MetricsRead).await?;
    let params: ListQuery = query(raw)?;
    let (before, limit) = page(params.cursor.as_deref(), params.limit.as_deref())?;
    let config = state.config.current();
    let scope = DoraScope {
        service: params.service.clone(),
        team: params.team.clone(),
        environment: None,
    };
    let filter = DeploymentFilter {
        services: crate::metrics::dora::services(&config, &scope),
        environment: params.environment.filter(|e| !e.is_empty()),
        from: time("from", params.from.as_deref())?,
        to: time("to", params.to.as_deref())?,
        before,
        limit,
    };
    let rows = state.store.list_deployments(&filter).await?;
    let cursor = next_cursor(rows.len(), limit, rows.last().map(|(seq, _)| *seq));
    let items: Vec<_> = rows.into_iter().map(|(_, deployment)| deployment).collect();
    Ok(Json(json!({"items": items, "next_cursor": cursor})))
}

/// `GET /api/v1/environments`: what is deployed where, and what waits to ship.
pub async fn environments(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::DeliveryRead).await?;
    let config = state.config.current();
    let services = crate::metrics::environments::environments(&state.store, &config).await?;
    Ok(Json(json!({ "services": services })))
}

/// `GET /api/v1/pipelines?repo=&branch=&commits=`: the pipelines board, one repository's
/// (on its default branch unless `branch`) or every repository's, newest commit first.
pub async fn pipelines(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::DeliveryRead).await?;
    let params: crate::forge::pipelines::PipelinesQuery = query(raw)?;
    let commits = params.commits().map_err(ApiError::bad_parameter)?;
    let given = |value: &Option<String>| value.clone().filter(|text| !text.trim().is_empty());
    let boards = crate::forge::pipelines::boards(
        &state.store,
        given(&params.repo).as_deref(),
        given(&params.branch).as_deref(),
        commits,
    )
    .await?;
    let mut items: Vec<_> = boards.into_iter().flat_map(|board| board.items).collect();
    items.sort_by_key(|item| std::cmp::Reverse(item.at));
    items.truncate(usize::try_from(commits).unwrap_or(usize::MAX));
    Ok(Json(json!({ "items": items })))
}

/// `GET /api/v1/deployments/{id}`: the deployment and the changes it shipped.
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::MetricsRead).await?;
    match state.store.get_deployment(&id).await {
        Ok((deployment, changes)) => {
            let mut value = serde_json::to_value(deployment).unwrap_or_default();
            value["shipped"] = json!(changes);
            Ok(Json(value))
        }
        Err(StoreError::NotFound) => Err(ApiError::not_found("deployment")),
        Err(error) => Err(error.into()),
    }
}

/// A report's parameters, checked as the page checks them.
fn report_request(
    state: &AppState,
    raw: Option<String>,
) -> Result<crate::metrics::dora::ReportRequest, ApiError> {
    let params: crate::metrics::dora::ReportQuery = query(raw)?;
    params
        .check(&state.config.current(), state.clock.now())
        .map_err(ApiError::bad_parameter)
}

pub(super) fn csv_answer(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"firewatch-{name}.csv\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /api/v1/metrics/dora`: the five keys over the window (default the last 30 days).
pub async fn dora(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    state.authorize(&headers, Scope::MetricsRead).await?;
    let request = report_request(&state, raw)?;
    let config = state.config.current();
    let view = crate::metrics::dora::dora(
        &state.store,
        &config,
        &request.scope,
        request.from,
        request.to,
        request.bands.as_deref(),
    )
    .await?;
    if request.csv {
        return Ok(csv_answer("dora", crate::metrics::dora::csv(&view)));
    }
    Ok(Json(view).into_response())
}

/// `GET /api/v1/metrics/ops`: incidents, MTTA and MTTR, pages against budgets, post-mortems
/// and action items over the window (default the last 30 days).
pub async fn ops(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    state.authorize(&headers, Scope::MetricsRead).await?;
    let request = report_request(&state, raw)?;
    let config = state.config.current();
    let view = crate::metrics::operations::ops(
        &state.store,
        &config,
        &request.scope,
        request.from,
        request.to,
    )
    .await?;
    if request.csv {
        return Ok(csv_answer("ops", crate::metrics::operations::csv(&view)));
    }
    Ok(Json(view).into_response())
}
