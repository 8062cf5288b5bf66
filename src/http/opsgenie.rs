//! Opsgenie's Alert API: `POST /v2/alerts` (create), and `POST /v2/alerts/{alias}/acknowledge`
//! and `/close` with `identifierType=alias`, for an `opsgenie` integration named by the
//! `GenieKey` it is called with. Answered as Opsgenie answers (202, `result`, `took`,
//! `requestId`), and only after the request is committed.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::hooks::{OpsgenieRequest, opsgenie};
use super::{AppState, PathText};
use crate::integrations::inbound::opsgenie::Action;

pub async fn create(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    opsgenie(&state, headers, body, OpsgenieRequest::Create).await
}

pub async fn acknowledge(
    State(state): State<AppState>,
    PathText(alias): PathText,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request = OpsgenieRequest::Act(alias, identifier_type(query), Action::Acknowledge);
    opsgenie(&state, headers, body, request).await
}

pub async fn close(
    State(state): State<AppState>,
    PathText(alias): PathText,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request = OpsgenieRequest::Act(alias, identifier_type(query), Action::Close);
    opsgenie(&state, headers, body, request).await
}

/// `identifierType` from the query string, if given.
fn identifier_type(query: Option<String>) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == "identifierType")
        .map(|(_, value)| value.into_owned())
}
