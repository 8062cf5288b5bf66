//! `POST /hooks/{integration}`: checks in the order a sender can act on them (which
//! integration, credentials, content type, size, signature and body, rate), then the event is
//! routed and handed to group commit. 202 is sent only once the event is committed.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::json;

use super::error::ApiError;
use super::{AppState, PathText};
use crate::core::routing::{EventAttributes, destinations_for};
use crate::integrations::inbound::{self, Rejection, TokenBucket};
use crate::store::{EventStatus, NewEvent};

pub async fn receive(
    State(state): State<AppState>,
    PathText(name): PathText,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let config = state.config.current();
    let result = async {
        let integration = config
            .integration(&name)
            .ok_or_else(|| Rejection::UnknownIntegration(name.clone()))?;
        inbound::check_headers(integration, &headers)?;
        let limit = config.server.max_body_bytes;
        let declared =
            inbound::header(&headers, "content-length").and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|length| length > limit) {
            return Err(Rejection::PayloadTooLarge(limit));
        }
        let body = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| Rejection::PayloadTooLarge(limit))?;
        let now = state.clock.now();
        let parsed = inbound::verify_and_parse(integration, &headers, &body, now)?;
        if let Some(rate_limit) = integration.rate_limit() {
            let burst = rate_limit.burst.unwrap_or(rate_limit.per_second.max(1.0));
            let mut buckets = state.rate_limits.lock().unwrap_or_else(|p| p.into_inner());
            buckets
                .entry(name.clone())
                .or_insert_with(|| TokenBucket::full(burst, now))
                .take(rate_limit.per_second, burst, now)
                .map_err(Rejection::RateLimited)?;
        }
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
                    integration: &name,
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
        Ok(NewEvent {
            id: crate::store::new_id(now),
            integration: name.clone(),
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
            alerts: parsed.alerts.map(|mut signals| {
                if let Some(service) = integration.default_service() {
                    for signal in signals.iter_mut().filter(|s| s.service.is_none()) {
                        signal.service = Some(service.to_owned());
                    }
                }
                serde_json::to_string(&signals).unwrap_or_else(|_| "[]".into())
            }),
            dedup_key: parsed.dedup_key,
            received_at: now,
            headers: inbound::headers_json(&headers),
            body,
            destinations,
            expires_at: now.saturating_add(window).unwrap_or(now),
        })
    }
    .await;
    let event = match result {
        Ok(event) => event,
        Err(rejection) => {
            // Unknown names are one label, so probing random paths cannot grow the metrics.
            let label = if config.integration(&name).is_some() {
                name.as_str()
            } else {
                "_unknown"
            };
            state.metrics.count_intake(label, rejection.code());
            return Err(rejection.into());
        }
    };
    match state.intake.submit(event).await {
        Ok(accepted) => {
            let result = if accepted.duplicate {
                "duplicate"
            } else {
                "accepted"
            };
            state.metrics.count_intake(&name, result);
            Ok((
                StatusCode::ACCEPTED,
                Json(json!({"id": accepted.id, "duplicate": accepted.duplicate})),
            ))
        }
        Err(error) => {
            state.metrics.count_intake(&name, "store_unavailable");
            Err(error.into())
        }
    }
}
