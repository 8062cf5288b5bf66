//! The HTTP surface: intake hooks, the JSON API, and the operations endpoints. Handlers
//! parse and authorize at the edge, then call the store or intake; no SQL lives here.

mod api;
mod checks;
mod error;
mod hooks;
mod ops;
pub mod reports;
pub mod silences;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::{delete, get, post};

pub use error::ApiError;

use crate::accounts::store::ApiToken;
use crate::core::scope::{self, Scope};
pub use crate::state::AppState;
use crate::store::StoreError;

impl AppState {
    /// The token in `Authorization: Bearer …`, if it exists, is live and has `needed`.
    pub async fn authorize(
        &self,
        headers: &HeaderMap,
        needed: Scope,
    ) -> Result<ApiToken, ApiError> {
        let presented = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or_else(ApiError::unauthorized)?;
        let token = match self
            .store
            .find_token(&crate::accounts::tokens::hash(presented.trim()))
            .await
        {
            Ok(token) => token,
            Err(StoreError::NotFound) => return Err(ApiError::unauthorized()),
            Err(error) => return Err(error.into()),
        };
        let granted: Vec<Scope> = token.scopes.iter().filter_map(|s| s.parse().ok()).collect();
        if scope::allows(&granted, needed) {
            Ok(token)
        } else {
            Err(ApiError::forbidden(needed.as_str()))
        }
    }
}

/// A path segment as text. axum's own rejection answers in plain text; this one answers in
/// the API's error format.
pub struct PathText(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PathText {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(text)) => Ok(PathText(text)),
            Err(rejection) => Err(ApiError::bad_parameter(rejection.body_text())),
        }
    }
}

/// The intake hooks, the JSON API and the operations endpoints.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/hooks/{integration}", post(hooks::receive))
        .route("/v2/enqueue", post(hooks::enqueue))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/events", get(api::list_events))
        .route("/api/v1/events/{id}", get(api::get_event))
        .route("/api/v1/notifications", get(api::list_notifications))
        .route("/api/v1/notifications/redrive", post(api::redrive_all))
        .route("/api/v1/notifications/{id}", get(api::get_notification))
        .route("/api/v1/notifications/{id}/redrive", post(api::redrive_one))
        .route(
            "/api/v1/tokens",
            get(api::list_tokens).post(api::create_token),
        )
        .route("/api/v1/tokens/{id}", delete(api::revoke_token))
        .route("/api/v1/alerts", get(api::list_alerts))
        .route("/api/v1/alerts/{id}", get(api::get_alert))
        .route(
            "/api/v1/alerts/{id}/acknowledge",
            post(api::acknowledge_alert),
        )
        .route("/api/v1/alerts/{id}/resolve", post(api::resolve_alert))
        .route("/api/v1/checks", get(checks::list))
        .route("/api/v1/checks/{name}/history", get(checks::history))
        .route("/api/v1/reports/noise", get(reports::noise))
        .route("/api/v1/tasks", get(reports::list_tasks))
        .route("/api/v1/tasks/{id}/close", post(reports::close_task))
        .route(
            "/api/v1/silences",
            get(silences::list).post(silences::create),
        )
        .route(
            "/api/v1/silences/{id}",
            get(silences::get).delete(silences::expire),
        )
}
