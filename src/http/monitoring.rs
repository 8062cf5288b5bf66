//! Running Firewatch itself: liveness, readiness and Prometheus metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;

pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// Ready when the store answers and every migration this binary knows is applied.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.migrations_current().await {
        Ok(true) => {
            Json(json!({"status": "ready", "store": state.store.backend_name()})).into_response()
        }
        Ok(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "not_ready", "reason": "migrations pending"})),
        )
            .into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check: store unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "not_ready", "reason": "store unreachable"})),
            )
                .into_response()
        }
    }
}

/// `/metrics`: OpenMetrics for a scraper that asks for it in `Accept` (Prometheus does), else
/// the classic text format every other reader takes.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    // Queue gauges are read from the store at scrape time, so every replica reports the truth.
    if let Ok(counts) = state.store.queue_counts().await {
        state.metrics.delivery_queue_depth.set(counts.pending);
        state.metrics.delivery_dead_letters.set(counts.dead);
    }
    if let Ok(bytes) = state.store.database_bytes().await {
        state
            .metrics
            .database_bytes
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }
    let config = state.config.current();
    if let Err(error) = crate::metrics::scrape::refresh(
        &state.metrics.shared,
        &state.store,
        &config,
        state.clock.now(),
    )
    .await
    {
        // The process's own metrics still answer; the shared ones keep their last values.
        tracing::warn!(%error, "the DORA and operations gauges could not be computed");
    }
    let open_metrics = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.contains("application/openmetrics-text"));
    if open_metrics {
        (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            state.metrics.render(),
        )
            .into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            state.metrics.render_classic(),
        )
            .into_response()
    }
}
