//! The public status page, with no sign-in: `/status`, `/status/incidents/{id}`,
//! `/status.json`, `/status/feed.atom` and `/status/feed.rss`, all served from the cache; and,
//! with a token, a component's status set by hand (`PUT`/`DELETE
//! /api/v1/status/components/{id}`).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{AppState, PathText};

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        "The status page is being rebuilt; try again in a moment.",
    )
        .into_response()
}

async fn serve(
    state: &AppState,
    content_type: &'static str,
    pick: impl FnOnce(&crate::statuspage::cache::Built) -> Option<bytes::Bytes>,
) -> Response {
    match state.status_page.get(state).await {
        Ok(built) => match pick(&built) {
            Some(body) => (
                [
                    (header::CONTENT_TYPE, content_type),
                    // Short, so a CDN in front takes the load and a change shows within a minute.
                    (header::CACHE_CONTROL, "public, max-age=30"),
                ],
                body,
            )
                .into_response(),
            None => (
                StatusCode::NOT_FOUND,
                "No such incident on this status page.",
            )
                .into_response(),
        },
        Err(error) => {
            tracing::error!(%error, "could not build the status page");
            unavailable()
        }
    }
}

pub async fn page(State(state): State<AppState>) -> Response {
    serve(&state, "text/html; charset=utf-8", |b| Some(b.html.clone())).await
}

pub async fn incident(State(state): State<AppState>, PathText(id): PathText) -> Response {
    serve(&state, "text/html; charset=utf-8", |b| {
        b.incidents.get(&id).cloned()
    })
    .await
}

pub async fn summary(State(state): State<AppState>) -> Response {
    serve(&state, "application/json", |b| Some(b.json.clone())).await
}

pub async fn atom(State(state): State<AppState>) -> Response {
    serve(&state, "application/atom+xml; charset=utf-8", |b| {
        Some(b.atom.clone())
    })
    .await
}

pub async fn rss(State(state): State<AppState>) -> Response {
    serve(&state, "application/rss+xml; charset=utf-8", |b| {
        Some(b.rss.clone())
    })
    .await
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ManualRequest {
    status: String,
    note: Option<String>,
}

/// `PUT /api/v1/status/components/{id}` `{"status", "note"?}`: wins over incidents and
/// maintenance until cleared; the page says it was set by hand.
pub async fn set_component(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    PathText(id): PathText,
    bytes: axum::body::Bytes,
) -> Result<axum::Json<serde_json::Value>, super::error::ApiError> {
    use super::error::ApiError;
    let token = state
        .authorize(&headers, crate::core::scope::Scope::IncidentsWrite)
        .await?;
    known_component(&state, &id)?;
    let request: ManualRequest = serde_json::from_slice(&bytes).map_err(|error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not {{\"status\", \"note\"?}}: {error}"),
        )
    })?;
    let status = crate::core::status::ComponentStatus::parse(&request.status).ok_or_else(|| {
        ApiError::bad_parameter(format!(
            "status \"{}\" is none of operational, degraded_performance, partial_outage, major_outage, under_maintenance",
            request.status
        ))
    })?;
    let set = crate::statuspage::store::StatusOverride {
        component: id.clone(),
        status,
        note: request
            .note
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty()),
        set_by: format!("api:{}", token.name),
        set_at: state.clock.now(),
    };
    state.store.set_status_override(&id, Some(&set)).await?;
    state.status_page.invalidate();
    Ok(axum::Json(serde_json::json!(set)))
}

/// `DELETE /api/v1/status/components/{id}`: back to what incidents and maintenance say.
pub async fn clear_component(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    PathText(id): PathText,
) -> Result<StatusCode, super::error::ApiError> {
    state
        .authorize(&headers, crate::core::scope::Scope::IncidentsWrite)
        .await?;
    known_component(&state, &id)?;
    state.store.set_status_override(&id, None).await?;
    state.status_page.invalidate();
    Ok(StatusCode::NO_CONTENT)
}

fn known_component(state: &AppState, id: &str) -> Result<(), super::error::ApiError> {
    let config = state.config.current();
    if config.status_page.components.iter().any(|c| c.id() == id) {
        Ok(())
    } else {
        Err(super::error::ApiError::not_found("status page component"))
    }
}
