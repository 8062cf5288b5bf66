//! The HTTP surface: intake hooks, the JSON API, and the operations endpoints. Handlers
//! parse and authorize at the edge, then call the store or intake; no SQL lives here.

mod api;
mod checks;
mod error;
mod hooks;
mod ops;
pub mod reports;
pub mod silences;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::{delete, get, post};

pub use error::ApiError;

use crate::accounts::store::ApiToken;
use crate::clock::SharedClock;
use crate::config::ConfigHandle;
use crate::core::scope::{self, Scope};
use crate::intake::Intake;
use crate::integrations::inbound::TokenBucket;
use crate::store::{Store, StoreError};
use crate::telemetry::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub config: ConfigHandle,
    pub store: Store,
    pub intake: Intake,
    pub clock: SharedClock,
    pub metrics: Arc<Metrics>,
    pub rate_limits: Arc<Mutex<HashMap<String, TokenBucket>>>,
    /// Wakes the delivery worker when jobs become due outside its own schedule (re-drives).
    pub jobs_added: Arc<tokio::sync::Notify>,
    /// Sign-in attempts, for the web UI's rate limit.
    pub logins: Arc<Mutex<crate::web::LoginLimiter>>,
}

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

impl AppState {
    /// Puts dead letters back in their queues (`None`: all) with a new retry window, and wakes
    /// the delivery worker for them. Returns how many.
    pub async fn redrive(&self, id: Option<i64>) -> Result<u64, StoreError> {
        let now = self.clock.now();
        let expires = now
            .saturating_add(self.config.current().delivery.retry_window())
            .unwrap_or(now);
        let count = self.store.redrive(id, now, expires).await?;
        if count > 0 {
            self.jobs_added.notify_one();
        }
        Ok(count)
    }

    /// A person's acknowledge or resolve (`cause` says who), with its notice stored in the
    /// same transaction; wakes the delivery worker for it. `None` when the alert's state does
    /// not allow the change.
    pub async fn change_alert(
        &self,
        id: &str,
        change: crate::core::alert::Change,
        cause: &str,
    ) -> Result<Option<crate::alerts::store::AlertTransition>, StoreError> {
        let config = self.config.current();
        let transition =
            crate::alerts::jobs::change(&self.store, &config, id, change, cause, self.clock.now())
                .await?;
        if transition.is_some() {
            self.jobs_added.notify_one();
        }
        Ok(transition)
    }

    /// Stores a silence or maintenance window and has a silence check run at once.
    pub async fn create_silence(
        &self,
        silence: &crate::alerts::store::NewSilence,
    ) -> Result<crate::alerts::store::Silence, StoreError> {
        let now = self.clock.now();
        let created = self.store.create_silence(silence, now).await?;
        tracing::info!(silence = %created.id, kind = created.kind.as_str(), by = %created.created_by, "silence created");
        let reason = format!("created {}", created.id);
        crate::alerts::jobs::schedule_check(&self.store, &reason, now, now).await?;
        self.jobs_added.notify_one();
        Ok(created)
    }

    /// Expires a silence now (`None`: it already was) and has a silence check run at once.
    pub async fn expire_silence(
        &self,
        id: &str,
    ) -> Result<Option<crate::alerts::store::Silence>, StoreError> {
        let now = self.clock.now();
        let expired = self.store.expire_silence(id, now).await?;
        if expired.is_some() {
            tracing::info!(silence = %id, "silence expired");
            let reason = format!("expired {id}");
            crate::alerts::jobs::schedule_check(&self.store, &reason, now, now).await?;
            self.jobs_added.notify_one();
        }
        Ok(expired)
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

/// Browsers get a page, everything else the API's JSON error.
async fn not_found(headers: HeaderMap) -> axum::response::Response {
    use axum::response::IntoResponse;
    let wants_html = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html {
        crate::web::PageError::NotFound("page").into_response()
    } else {
        ApiError::not_found("no such route;").into_response()
    }
}

pub fn router(state: AppState) -> Router {
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
        .merge(crate::web::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method",
            )
        })
        .with_state(state)
}
