//! `GET /api/v1/compliance/reviews` (scope `audit:read`): the no-self-merge rule's report for
//! a period, in JSON or as CSV for an auditor.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::api::query;
use super::error::ApiError;
use crate::core::scope::Scope;
use crate::forge::compliance::{self, ReviewQuery};

/// `GET /api/v1/compliance/reviews?repo=&from=&to=&days=&format=csv`.
pub async fn reviews(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    state.authorize(&headers, Scope::AuditRead).await?;
    let params: ReviewQuery = query(raw)?;
    let request = params
        .check(state.clock.now())
        .map_err(ApiError::bad_parameter)?;
    let locale = state.config.current().server.locale;
    let report = compliance::load(&state.store, &request, locale).await?;
    if request.csv {
        return Ok(super::metrics::csv_answer(
            "reviews",
            compliance::csv(&report),
        ));
    }
    Ok(Json(report).into_response())
}
