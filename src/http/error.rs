//! The one HTTP error type: a status, a stable code and a sentence for the caller. Causes
//! are logged here, never shown.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::intake::IntakeError;
use crate::integrations::inbound::{Rejection, retry_after_seconds};
use crate::store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn bad_parameter(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_parameter", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send an API token as \"Authorization: Bearer <token>\" (create one with `firewatch token create`)",
        )
    }

    pub fn forbidden(scope: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this token lacks the \"{scope}\" scope"),
        )
    }

    /// Refuses (422 `time_out_of_range`) the first of `times` outside the range Firewatch
    /// records (`core::window::sensible_time`).
    pub fn check_times<'t>(
        times: impl IntoIterator<Item = (&'t str, Option<jiff::Timestamp>)>,
    ) -> Result<(), Self> {
        for (name, time) in times {
            if let Some(time) = time.filter(|t| !crate::core::window::sensible_time(*t)) {
                return Err(Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "time_out_of_range",
                    crate::core::window::insensible_time(name, time),
                ));
            }
        }
        Ok(())
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            "the store is unavailable; nothing was stored, retry later",
        )
    }
}

/// How long a sender refused for a full body budget is asked to wait.
const BUSY_RETRY_SECONDS: i64 = 5;

impl From<Rejection> for ApiError {
    fn from(rejection: Rejection) -> Self {
        let status = StatusCode::from_u16(rejection.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let mut error = ApiError::new(status, rejection.code(), rejection.message());
        match rejection {
            Rejection::RateLimited(wait) => error.retry_after = Some(retry_after_seconds(wait)),
            // Bodies in flight end within seconds.
            Rejection::Busy => error.retry_after = Some(BUSY_RETRY_SECONDS),
            _ => {}
        }
        error
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ApiError::not_found("resource"),
            error => {
                tracing::error!(%error, "store error");
                ApiError::unavailable()
            }
        }
    }
}

impl From<IntakeError> for ApiError {
    fn from(error: IntakeError) -> Self {
        match error {
            IntakeError::Store(error) => {
                tracing::error!(%error, "intake store error");
                ApiError::unavailable()
            }
            IntakeError::ShuttingDown => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting_down",
                "Firewatch is shutting down; nothing was stored, retry later",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({"error": {"code": self.code, "message": self.message}}));
        with_retry_after((self.status, body).into_response(), self.retry_after)
    }
}

impl ApiError {
    /// Answers with `body`, in a sender's own shape, and this error's status and `Retry-After`.
    pub fn respond_with(&self, status: StatusCode, body: serde_json::Value) -> Response {
        with_retry_after((status, Json(body)).into_response(), self.retry_after)
    }
}

/// `response` with `Retry-After: seconds`, when there are any.
pub fn with_retry_after(mut response: Response, seconds: Option<i64>) -> Response {
    if let Some(value) = seconds.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
