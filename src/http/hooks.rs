//! `POST /hooks/{integration}` and `POST /v2/enqueue`: checks in the order a sender can act on
//! them (which integration, credentials, content type, size, signature and body, rate), then
//! the event is routed and handed to group commit. 202 is sent only once the event is
//! committed. PagerDuty's Events API is answered in PagerDuty's shape (plus Firewatch's
//! `error` object), since its clients read `dedup_key` and `errors` from the answer.

use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;
use jiff::Timestamp;
use serde_json::json;

use super::error::ApiError;
use super::{AppState, PathText};
use crate::config::Config;
use crate::core::routing::{EventAttributes, destinations_for};
use crate::integrations::inbound::config::IntegrationConfig;
use crate::integrations::inbound::{self, Parsed, Rejection, pagerduty};
use crate::store::{EventStatus, NewEvent};

/// How an answer is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Dialect {
    Firewatch,
    /// PagerDuty's Events API v2, with the alert's key.
    PagerDuty(Option<String>),
    /// Alertmanager's API v2: 200 with no body; an error is a JSON string.
    Alertmanager,
    /// Opsgenie's Alert API: `result`, `took` (seconds since the request began), `requestId`.
    Opsgenie(std::time::Instant),
}

/// The API a request came in through, which decides how its body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Api {
    /// `POST /hooks/{integration}`: the integration's kind decides.
    Hook,
    /// `POST /am/{integration}/api/v2/alerts`, for an `alertmanager` integration.
    AlertmanagerV2,
}

pub async fn receive(
    State(state): State<AppState>,
    PathText(name): PathText,
    headers: HeaderMap,
    body: Body,
) -> Response {
    take(&state, name, headers, body, Api::Hook).await
}

/// An intake request through `api` for the integration `name`: checked, parsed, committed and
/// answered in the API's own dialect.
pub(super) async fn take(
    state: &AppState,
    name: String,
    headers: HeaderMap,
    body: Body,
    api: Api,
) -> Response {
    let config = state.config.current();
    let integration = config.integration(&name).filter(|integration| {
        api == Api::Hook || matches!(integration, IntegrationConfig::Alertmanager(_))
    });
    let mut dialect = match (api, integration) {
        (Api::AlertmanagerV2, _) => Dialect::Alertmanager,
        (_, Some(IntegrationConfig::Pagerduty(_))) => Dialect::PagerDuty(None),
        _ => Dialect::Firewatch,
    };
    let result = async {
        let integration = integration.ok_or_else(|| Rejection::UnknownIntegration(name.clone()))?;
        inbound::check_headers(integration, &headers)?;
        let limit = integration.max_body_bytes(config.server.max_body_bytes);
        let body = read_body(limit, &headers, body).await?;
        let now = state.clock.now();
        let parsed = match (api, integration) {
            (Api::AlertmanagerV2, IntegrationConfig::Alertmanager(alerts)) => {
                inbound::require_json(&headers)?;
                inbound::alertmanager_api::parse(&body, alerts.default_severity, now)?
            }
            _ => inbound::verify_and_parse(integration, &headers, &body, now)?,
        };
        if let Dialect::PagerDuty(key) = &mut dialect {
            *key = alert_key(&parsed);
        }
        event_for(state, &config, integration, &headers, body, parsed, now)
    }
    .await;
    let label = if integration.is_some() {
        name.as_str()
    } else {
        // Unknown names are one label, so probing random paths cannot grow the metrics.
        "_unknown"
    };
    answer(state, label, result, dialect).await
}

/// `POST /v2/enqueue`: PagerDuty's endpoint. The body's `routing_key` picks the `pagerduty`
/// integration.
pub async fn enqueue(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let config = state.config.current();
    let mut label = "_unknown".to_owned();
    let mut dialect = Dialect::PagerDuty(None);
    let result = async {
        inbound::require_json(&headers)?;
        // The integration is named inside the body: the largest limit of any that may be it.
        let limit = config
            .integrations
            .iter()
            .filter(|integration| matches!(integration, IntegrationConfig::Pagerduty(_)))
            .map(|integration| integration.max_body_bytes(config.server.max_body_bytes))
            .max()
            .unwrap_or(crate::integrations::inbound::config::DEFAULT_MAX_BODY_BYTES);
        let body = read_body(limit, &headers, body).await?;
        let enqueued = pagerduty::parse(&body)?;
        let (integration, _) = pagerduty_integration(&config, &enqueued.routing_key)?;
        label = integration.name().to_owned();
        dialect = Dialect::PagerDuty(Some(enqueued.dedup_key));
        let now = state.clock.now();
        event_for(
            &state,
            &config,
            integration,
            &headers,
            body,
            enqueued.parsed,
            now,
        )
    }
    .await;
    answer(&state, &label, result, dialect).await
}

/// `POST /v2/change/enqueue`: PagerDuty's Change Events. The body's `routing_key` picks the
/// `pagerduty` integration; the change is filed under its service (else the payload's
/// `source`), where an incident's "what changed" finds it.
pub async fn change_enqueue(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let config = state.config.current();
    let mut label = "_unknown".to_owned();
    let result = async {
        inbound::require_json(&headers)?;
        let body = read_body(
            crate::integrations::inbound::config::DEFAULT_MAX_BODY_BYTES,
            &headers,
            body,
        )
        .await?;
        let enqueued = pagerduty::parse_change(&body)?;
        let (integration, settings) = pagerduty_integration(&config, &enqueued.routing_key)?;
        label = integration.name().to_owned();
        let mut change = enqueued.change;
        change.repository = settings
            .service
            .clone()
            .or(enqueued.source)
            .unwrap_or_else(|| settings.name.clone());
        let parsed = Parsed::forge(pagerduty::CHANGE_KIND, None, (Some(change), None));
        let now = state.clock.now();
        event_for(&state, &config, integration, &headers, body, parsed, now)
    }
    .await;
    answer(&state, &label, result, Dialect::PagerDuty(None)).await
}

/// The `pagerduty` integration whose routing key the body carries.
fn pagerduty_integration<'c>(
    config: &'c Config,
    routing_key: &str,
) -> Result<
    (
        &'c IntegrationConfig,
        &'c crate::integrations::inbound::config::PagerdutyIntegration,
    ),
    Rejection,
> {
    config
        .integrations
        .iter()
        .find_map(|integration| match integration {
            // Every key is compared in constant time, so timing tells nothing of them.
            IntegrationConfig::Pagerduty(settings)
                if inbound::same_secret(routing_key, &settings.routing_key) =>
            {
                Some((integration, settings))
            }
            _ => None,
        })
        .ok_or_else(|| {
            Rejection::InvalidEvent(vec![
                "'routing_key' does not match any integration (use the routing_key of a `pagerduty` integration in Firewatch's config)".into(),
            ])
        })
}

/// What an Opsgenie Alert API request asks.
pub(super) enum OpsgenieRequest {
    Create,
    Act(String, Option<String>, inbound::opsgenie::Action),
}

/// An Opsgenie Alert API request: the `GenieKey` picks the `opsgenie` integration.
pub(super) async fn opsgenie(
    state: &AppState,
    headers: HeaderMap,
    body: Body,
    request: OpsgenieRequest,
) -> Response {
    let began = std::time::Instant::now();
    let config = state.config.current();
    let mut label = "_unknown".to_owned();
    let result = async {
        let key = inbound::opsgenie::genie_key(inbound::header(&headers, "authorization"))
            .ok_or(Rejection::InvalidToken)?;
        let integration = config
            .integrations
            .iter()
            .find(|integration| {
                matches!(integration, IntegrationConfig::Opsgenie(settings)
                    if inbound::same_secret(key, &settings.token))
            })
            .ok_or(Rejection::InvalidToken)?;
        label = integration.name().to_owned();
        let limit = integration.max_body_bytes(config.server.max_body_bytes);
        let now = state.clock.now();
        let parsed = match request {
            OpsgenieRequest::Create => {
                inbound::require_json(&headers)?;
                let body = read_body(limit, &headers, body).await?;
                let parsed = inbound::opsgenie::parse_create(&body, &crate::store::new_id(now))?;
                (parsed, body)
            }
            OpsgenieRequest::Act(alias, identifier_type, action) => {
                let body = read_body(limit, &headers, body).await?;
                let parsed = inbound::opsgenie::parse_action(
                    &alias,
                    identifier_type.as_deref(),
                    action,
                    &body,
                )?;
                (parsed, body)
            }
        };
        event_for(
            state,
            &config,
            integration,
            &headers,
            parsed.1,
            parsed.0,
            now,
        )
    }
    .await;
    answer(state, &label, result, Dialect::Opsgenie(began)).await
}

/// The key PagerDuty's answer carries: the alert's.
fn alert_key(parsed: &Parsed) -> Option<String> {
    parsed
        .alerts
        .as_ref()
        .and_then(|signals| signals.first())
        .map(|signal| signal.fingerprint.clone())
}

/// How much of an oversized body is read and thrown away before the 413 is sent, and for how
/// long at most. Many senders write the whole body before they read an answer; a connection
/// closed with their body unread makes them see "connection reset" or "broken pipe" instead
/// of the 413 (nginx's lingering close does the same).
const DRAIN_BYTES: usize = 64 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(10);

/// The body, up to `limit` bytes.
async fn read_body(limit: usize, headers: &HeaderMap, mut body: Body) -> Result<Bytes, Rejection> {
    let declared = inbound::header(headers, "content-length").and_then(|v| v.parse::<usize>().ok());
    if let Some(length) = declared.filter(|length| *length > limit) {
        // A sender waiting for "100 Continue" has sent nothing yet, and the 413 tells it not
        // to; one that declared more than would be drained cannot be answered cleanly anyway.
        let expects_continue = inbound::header(headers, "expect")
            .is_some_and(|expect| expect.eq_ignore_ascii_case("100-continue"));
        if !expects_continue && length <= DRAIN_BYTES {
            drain(body, length).await;
        }
        return Err(Rejection::PayloadTooLarge(limit));
    }
    // Kept as the frames came and joined once at the end, so nothing is reserved for bytes a
    // sender only declared; what arrives is counted against the server's body budget as it
    // does (`serve`).
    let mut frames: Vec<Bytes> = Vec::new();
    let mut length = 0;
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(error) => {
                let Some(refusal) = super::serve::refusal_of(&error) else {
                    return Err(Rejection::InvalidPayload(format!(
                        "the body could not be read: {error}"
                    )));
                };
                if refusal == super::serve::BodyRefusal::Busy {
                    // Thrown away as it comes, costing no budget, so the sender reads the 503
                    // instead of a reset.
                    drop(frames);
                    drain(body, DRAIN_BYTES).await;
                }
                return Err(refusal.into());
            }
        };
        let Ok(data) = frame.into_data() else {
            continue; // Trailers.
        };
        if length + data.len() > limit {
            drop(frames);
            drain(body, DRAIN_BYTES).await;
            return Err(Rejection::PayloadTooLarge(limit));
        }
        length += data.len();
        frames.push(data);
    }
    Ok(match frames.len() {
        0 => Bytes::new(),
        1 => frames.swap_remove(0),
        _ => {
            let mut joined = bytes::BytesMut::with_capacity(length);
            for frame in frames {
                joined.extend_from_slice(&frame);
            }
            joined.freeze()
        }
    })
}

/// Reads and discards up to `most` bytes of what is left of the body, within `DRAIN_TIME`.
async fn drain(mut body: Body, most: usize) {
    let discard = async {
        let mut read = 0;
        while read < most {
            match body.frame().await {
                Some(Ok(frame)) => read += frame.data_ref().map_or(0, Bytes::len),
                _ => break,
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, discard).await;
}

/// Applies the integration's rate limit, routes the event and makes the row to commit.
fn event_for(
    state: &AppState,
    config: &Config,
    integration: &IntegrationConfig,
    headers: &HeaderMap,
    body: Bytes,
    mut parsed: Parsed,
    now: Timestamp,
) -> Result<NewEvent, Rejection> {
    if let Some(forge) = parsed.forge.as_mut() {
        // The config knows whose repository it is; the projection that counts deployments
        // does not read the config.
        if let Some(deployment) = forge.deployment.as_mut() {
            if deployment.service.is_none() {
                deployment.service = config
                    .repository_service(&forge.repository)
                    .map(|service| service.id.clone());
            }
        }
    }
    let name = integration.name();
    state
        .take_rate(name, integration.rate_limit(), now)
        .map_err(Rejection::RateLimited)?;
    let source = integration.kind();
    // An event kept only for the record goes nowhere; alert reports are routed per alert
    // when they change an alert's state.
    let destinations = if parsed.ignored.is_some() || parsed.alerts.is_some() {
        Vec::new()
    } else {
        let forge = parsed.forge.as_ref();
        destinations_for(
            &EventAttributes {
                source,
                integration: name,
                kind: &parsed.kind,
                action: forge.map(|f| f.action.as_str()),
                repo: forge.map(|f| f.repository.as_str()),
                branch: forge.and_then(|f| f.branch.as_deref()),
                author: forge.and_then(|f| f.actor.as_deref()),
                labels: forge.map(|f| f.labels.as_slice()).unwrap_or_default(),
                outcome: forge.and_then(|f| f.outcome).map(|o| o.as_str()),
            },
            &config.routes,
        )
    };
    let window = config.delivery.retry_window();
    // A watchdog's always-firing alert is a ping of its heartbeat, not an alert: the ping is
    // stored with the event, so it is as durable as the answer says.
    let mut watchdog_ping = None;
    if let (IntegrationConfig::Alertmanager(settings), Some(signals)) =
        (integration, parsed.alerts.as_mut())
    {
        if let Some(watchdog) = &settings.watchdog {
            let before = signals.len();
            signals.retain(|signal| {
                !(signal.rule == watchdog.alertname
                    && signal.status == crate::core::alert::SignalStatus::Firing)
            });
            if signals.len() < before {
                let heartbeat = crate::checks::heartbeats::watchdog_name(name);
                watchdog_ping = Some(crate::store::EventJob {
                    kind: crate::store::JobKind::Heartbeat,
                    queue: format!("heartbeat:{heartbeat}"),
                    payload: json!({"name": heartbeat, "ping_at": now.as_millisecond()})
                        .to_string(),
                });
            }
        }
    }
    let mut jobs = parsed
        .alerts
        .map(|mut signals| {
            config.assign_alert_services(&mut signals, name);
            crate::store::alert_jobs(&signals)
        })
        .unwrap_or_default();
    jobs.extend(watchdog_ping);
    if let (IntegrationConfig::Terraform(terraform), Some(forge)) = (integration, &parsed.forge) {
        // A run waiting for confirmation becomes a change needing two-person approval.
        if terraform.approve_applies && forge.action == "needs_attention" {
            jobs.push(crate::store::EventJob {
                kind: crate::store::JobKind::TerraformRun,
                queue: format!("terraform:{}", terraform.name),
                payload: "{}".into(),
            });
        }
    }
    if parsed.ignored.is_none() {
        if let Some(forge) = parsed.forge.as_ref() {
            jobs.extend(pr_command_job(config, source, forge));
            jobs.extend(ticket_comment_job(config, forge));
        }
    }
    Ok(NewEvent {
        id: crate::store::new_id(now),
        integration: name.to_owned(),
        source: source.to_owned(),
        kind: parsed.kind,
        status: if parsed.ignored.is_some() {
            EventStatus::Ignored
        } else {
            EventStatus::Accepted
        },
        ignored_reason: parsed.ignored,
        normalized: parsed
            .forge
            .as_ref()
            .and_then(|forge| serde_json::to_string(forge).ok()),
        repository: parsed.forge.as_ref().map(|forge| forge.repository.clone()),
        jobs,
        dedup_key: parsed.dedup_key,
        received_at: now,
        headers: inbound::headers_json(headers),
        // Checked already; no credential is stored.
        body: inbound::redact_body(source, body),
        destinations,
        expires_at: now.saturating_add(window).unwrap_or(now),
    })
}

/// A comment on a pull/merge request of a repository with `[[pr_commands]]` that carries a
/// command is acted on after the commit, by a job stored with it (one queue per request, so
/// two commands on one request run in order).
fn pr_command_job(
    config: &Config,
    source: &str,
    forge: &crate::core::forge::ForgeEvent,
) -> Option<crate::store::EventJob> {
    let comment = forge.comment.as_ref()?;
    let number = forge.number?;
    let wanted = forge.kind == "comment"
        && forge.action == "created"
        && comment.on_change
        && matches!(source, "github" | "gitlab")
        && config.pr_commands_for(&forge.repository).is_some()
        && crate::core::pr_command::parse(&comment.body).is_some();
    wanted.then(|| crate::store::EventJob {
        kind: crate::store::JobKind::PrCommand,
        queue: format!("pr:{source}:{}#{number}", forge.repository),
        payload: "{}".into(),
    })
}

/// A merged pull/merge request that names issues of `[jira] projects` (in its title or
/// branch) gets a job that comments on them, stored with it.
fn ticket_comment_job(
    config: &Config,
    forge: &crate::core::forge::ForgeEvent,
) -> Option<crate::store::EventJob> {
    let jira = config.jira.as_ref()?;
    let wanted = forge.kind == "pull_request"
        && forge.action == "merged"
        && jira.comments_on(crate::config::ci::JiraMoment::Merged)
        && !jira
            .keys(
                forge
                    .title
                    .iter()
                    .chain(forge.branch.iter())
                    .map(String::as_str),
            )
            .is_empty();
    wanted.then(|| crate::store::EventJob {
        kind: crate::store::JobKind::TicketComment,
        queue: "tickets".into(),
        payload: "{}".into(),
    })
}

/// Commits the event (or explains the refusal) and answers in the sender's dialect.
async fn answer(
    state: &AppState,
    label: &str,
    result: Result<NewEvent, Rejection>,
    dialect: Dialect,
) -> Response {
    let event = match result {
        Ok(event) => event,
        Err(rejection) => {
            state.metrics.count_intake(label, rejection.code());
            return refusal(rejection, &dialect);
        }
    };
    match state.intake.submit(event).await {
        Ok(accepted) => {
            let result = if accepted.duplicate {
                "duplicate"
            } else {
                "accepted"
            };
            state.metrics.count_intake(label, result);
            if dialect == Dialect::Alertmanager {
                return StatusCode::OK.into_response();
            }
            let body = match dialect {
                Dialect::Firewatch => json!({"id": accepted.id, "duplicate": accepted.duplicate}),
                Dialect::PagerDuty(key) => json!({
                    "status": "success",
                    "message": "Event processed",
                    "dedup_key": key,
                    "id": accepted.id,
                    "duplicate": accepted.duplicate,
                }),
                Dialect::Alertmanager => serde_json::Value::Null,
                Dialect::Opsgenie(began) => json!({
                    "result": "Request will be processed",
                    "took": began.elapsed().as_secs_f64(),
                    "requestId": accepted.id,
                }),
            };
            (StatusCode::ACCEPTED, Json(body)).into_response()
        }
        Err(error) => {
            state.metrics.count_intake(label, "store_unavailable");
            let error = ApiError::from(error);
            match dialect {
                Dialect::Firewatch => error.into_response(),
                Dialect::PagerDuty(_) => pagerduty_error(error, "error", Vec::new()),
                Dialect::Alertmanager => super::am::error(error),
                Dialect::Opsgenie(began) => opsgenie_error(error, began, None),
            }
        }
    }
}

/// Opsgenie's error answer (`message`, `took`, `requestId`, and `errors` for a request it could
/// not process, answered 422 as Opsgenie does), with Firewatch's `error` object.
fn opsgenie_error(
    error: ApiError,
    began: std::time::Instant,
    problems: Option<Vec<String>>,
) -> Response {
    let status = if problems.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        error.status
    };
    let mut body = json!({
        "message": if problems.is_some() {
            "Request body is not processable. Please check the errors.".to_owned()
        } else {
            error.message.clone()
        },
        "took": began.elapsed().as_secs_f64(),
        "requestId": uuid::Uuid::now_v7().to_string(),
        "error": {"code": error.code, "message": error.message},
    });
    if let Some(problems) = problems {
        body["errors"] = json!({ "message": problems.join(" ") });
    }
    error.respond_with(status, body)
}

fn refusal(rejection: Rejection, dialect: &Dialect) -> Response {
    // The rest of the body may still be on its way: this connection is done.
    let close = matches!(
        rejection,
        Rejection::PayloadTooLarge(_) | Rejection::Busy | Rejection::BodyTimeout
    );
    let mut response = refusal_in_dialect(rejection, dialect);
    if close {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    response
}

fn refusal_in_dialect(rejection: Rejection, dialect: &Dialect) -> Response {
    match dialect {
        Dialect::Firewatch => return ApiError::from(rejection).into_response(),
        Dialect::Alertmanager => return super::am::error(ApiError::from(rejection)),
        Dialect::Opsgenie(began) => {
            let problems = match &rejection {
                Rejection::InvalidEvent(problems) => Some(problems.clone()),
                Rejection::InvalidPayload(problem) => Some(vec![problem.clone()]),
                _ => None,
            };
            let mut error = ApiError::from(rejection);
            if error.code == "invalid_token" {
                error.message =
                    "missing or wrong key: send the integration's token as \"Authorization: GenieKey <token>\"".into();
            }
            return opsgenie_error(error, *began, problems);
        }
        Dialect::PagerDuty(_) => {}
    }
    let errors = match &rejection {
        Rejection::InvalidEvent(errors) => errors.clone(),
        other => vec![other.message()],
    };
    let status = if rejection.status() == 400 {
        "invalid event"
    } else {
        "error"
    };
    pagerduty_error(ApiError::from(rejection), status, errors)
}

/// PagerDuty's error answer (`status`, `message`, `errors`) with Firewatch's `error` object.
fn pagerduty_error(error: ApiError, status: &str, errors: Vec<String>) -> Response {
    let message = if status == "invalid event" {
        "Event object is invalid".to_owned()
    } else {
        error.message.clone()
    };
    let errors = if errors.is_empty() {
        vec![error.message.clone()]
    } else {
        errors
    };
    error.respond_with(
        error.status,
        json!({
            "status": status,
        "message": message,
        "errors": errors,
        "error": {"code": error.code, "message": error.message},
        }),
    )
}
