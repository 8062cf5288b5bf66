//! `GET /api/v1/audit` (scope `audit:read` or `admin`): the audit log, newest first, with
//! filters, for an auditor's tools.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use super::api::{next_cursor, page, query};
use super::error::ApiError;
use crate::core::scope::Scope;
use crate::store::audit::AuditFilter;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    /// Exact, or a prefix ending in `*` (`user:*`).
    actor: Option<String>,
    /// Exact, or a prefix ending in `*` (`silence.*`).
    action: Option<String>,
    target: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

/// `GET /api/v1/audit?actor=&action=&target=&from=&to=&cursor=&limit=`.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::AuditRead).await?;
    let params: AuditQuery = query(raw)?;
    let (before, limit) = page(params.cursor.as_deref(), params.limit.as_deref())?;
    let present = |text: Option<String>| text.filter(|text| !text.trim().is_empty());
    let filter = AuditFilter {
        actor: present(params.actor),
        action: present(params.action),
        target: present(params.target),
        from: super::query_time("from", params.from.as_deref())?,
        to: super::query_time("to", params.to.as_deref())?,
        before_seq: before,
        limit,
        ..AuditFilter::default()
    };
    let entries = state.store.list_audit(&filter).await?;
    let next = next_cursor(entries.len(), limit, entries.last().map(|entry| entry.seq));
    let items: Vec<_> = entries.iter().map(|entry| entry.to_json()).collect();
    Ok(Json(json!({ "items": items, "next_cursor": next })))
}
