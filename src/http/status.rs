//! The public status page, with no sign-in: `/status`, `/status/incidents/{id}`,
//! `/status.json`, `/status/feed.atom` and `/status/feed.rss`, all served from the cache.

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
    pick: impl FnOnce(&crate::statuspage::cache::Built) -> Option<String>,
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
