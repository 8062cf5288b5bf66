//! The event feed (`/events`), one event (`/events/{id}`) and its raw body
//! (`/events/{id}/raw`). Every stored event is here, the ignored ones too, so "did GitHub
//! even send it?" has an answer.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::auth::SignedIn;
use super::frame::Frame;
use super::render::{PageError, encode};
use crate::integrations::outbound::EventMessage;
use crate::integrations::outbound::message::clip;
use crate::state::AppState;
use crate::store::{EventFilter, NotificationFilter, StoreError, StoredEvent};
use crate::web::PagePath;

const PAGE_SIZE: i64 = 50;

/// An event as a row of a table.
#[derive(Debug, Serialize)]
pub struct EventRow {
    pub id: String,
    pub received_at: jiff::Timestamp,
    pub integration: String,
    pub source: String,
    pub kind: String,
    pub status: &'static str,
    pub repository: Option<String>,
    pub summary: String,
    pub url: Option<String>,
}

impl EventRow {
    pub fn new(event: &StoredEvent, locale: crate::i18n::Locale) -> Self {
        // The same one-line summary chat messages start with, or for a generic event the
        // sender's own headline when it has one.
        let message = EventMessage::from_event(event);
        let headline = (event.normalized.is_none())
            .then(|| headline(&message.payload))
            .flatten();
        let message = crate::runner::wording::default_message(&message, locale);
        Self {
            id: event.id.clone(),
            received_at: event.received_at,
            integration: event.integration.clone(),
            source: event.source.clone(),
            kind: event.kind.clone(),
            status: event.status.as_str(),
            repository: event.repository.clone(),
            summary: clip(headline.unwrap_or(&message.summary), 140),
            url: message.title_url,
        }
    }
}

/// The first of the fields senders commonly put a headline in.
fn headline(payload: &serde_json::Value) -> Option<&str> {
    ["title", "summary", "message", "text", "description"]
        .iter()
        .find_map(|key| payload.get(key).and_then(|value| value.as_str()))
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct FeedQuery {
    #[serde(default, skip_serializing_if = "blank")]
    source: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    integration: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    repository: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    status: Option<String>,
    #[serde(default, skip_serializing)]
    before: Option<String>,
}

fn blank(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|v| v.trim().is_empty())
}

fn filled(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    axum::extract::Query(query): axum::extract::Query<FeedQuery>,
) -> Result<Response, PageError> {
    // The filter form sends every field; a link to the feed names only the filters in use.
    let sent_blank = [
        &query.source,
        &query.integration,
        &query.kind,
        &query.repository,
        &query.status,
    ]
    .into_iter()
    .any(|value| value.is_some() && blank(value));
    if sent_blank {
        let filters = serde_urlencoded::to_string(&query).unwrap_or_default();
        let target = if filters.is_empty() {
            "/events".to_owned()
        } else {
            format!("/events?{filters}")
        };
        return Ok(axum::response::Redirect::to(&target).into_response());
    }
    let before = match filled(&query.before) {
        None => None,
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            PageError::BadRequest("that page link is not one Firewatch made".into())
        })?),
    };
    let filter = EventFilter {
        integration: filled(&query.integration),
        source: filled(&query.source),
        kind: filled(&query.kind),
        status: filled(&query.status),
        repository: filled(&query.repository),
        before,
        limit: PAGE_SIZE,
    };
    let events = state.store.list_events(&filter).await?;
    let filters = serde_urlencoded::to_string(&query).unwrap_or_default();
    let older = (events.len() as i64 == PAGE_SIZE)
        .then(|| events.last().map(|event| event.seq))
        .flatten()
        .map(|seq| {
            if filters.is_empty() {
                format!("/events?before={seq}")
            } else {
                format!("/events?{filters}&before={seq}")
            }
        });
    let config = state.config.current();
    let mut sources: Vec<&'static str> = config
        .integrations
        .iter()
        .map(|integration| integration.kind())
        .chain(["firewatch"])
        .collect();
    sources.sort_unstable();
    sources.dedup();
    let integrations: Vec<String> = config
        .integrations
        .iter()
        .map(|i| i.name().to_owned())
        .collect();
    let locale = super::frame::viewer_locale(&state, &headers, Some(&user));
    let rows: Vec<EventRow> = events
        .iter()
        .map(|event| EventRow::new(event, locale))
        .collect();
    Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "events",
    }
    .render(
        "events.html",
        context! {
            events => minijinja::Value::from(minijinja::value::Serde(&rows)),
            query => minijinja::Value::from(minijinja::value::Serde(&query)),
            filtered => !filters.is_empty(),
            paged => before.is_some(),
            older,
            sources,
            integrations,
            newest => if filters.is_empty() { "/events".to_owned() } else { format!("/events?{filters}") },
        },
    )
    .map(IntoResponse::into_response)
}

/// Pretty JSON when it is JSON, the text when it is text, a note when it is neither.
fn readable(body: &[u8]) -> (String, bool) {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => (
            serde_json::to_string_pretty(&value).unwrap_or_default(),
            true,
        ),
        Err(_) => match std::str::from_utf8(body) {
            Ok(text) => (text.to_owned(), false),
            Err(_) => (
                format!(
                    "({} bytes that are not text; download the raw body)",
                    body.len()
                ),
                false,
            ),
        },
    }
}

async fn find(state: &AppState, id: &str) -> Result<StoredEvent, PageError> {
    match state.store.get_event(id).await {
        // Events stored before bodies were redacted at intake are redacted as they are shown.
        Ok(mut event) => {
            let body = bytes::Bytes::from(std::mem::take(&mut event.body));
            event.body = crate::integrations::inbound::redact_body(&event.source, body).into();
            Ok(event)
        }
        Err(StoreError::NotFound) => Err(PageError::NotFound("event")),
        Err(error) => Err(error.into()),
    }
}

pub async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(id): PagePath,
) -> Result<Html<String>, PageError> {
    let event = find(&state, &id).await?;
    let notifications = state
        .store
        .list_notifications(&NotificationFilter {
            event_id: Some(event.id.clone()),
            limit: 100,
            ..Default::default()
        })
        .await?;
    // Past `[retention] finished_job_days`, an empty list says the sent ones were removed,
    // not that nothing was sent.
    let retention = state.config.current().retention.clone();
    let job_days = retention.finished_job_days;
    let notifications_pruned = job_days > 0
        && state.clock.now().duration_since(event.received_at)
            > jiff::SignedDuration::from_hours(24 * i64::from(job_days));
    let (payload, payload_is_json) = readable(&event.body);
    let request_headers: serde_json::Value =
        serde_json::from_str(&event.headers).unwrap_or_default();
    let normalized = event
        .normalized
        .as_ref()
        .and_then(|record| serde_json::to_string_pretty(record).ok());
    Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "events",
    }
    .render(
        "event.html",
        context! {
            event => minijinja::Value::from(minijinja::value::Serde(EventRow::new(
                &event,
                super::frame::viewer_locale(&state, &headers, Some(&user)),
            ))),
            ignored_reason => &event.ignored_reason,
            dedup_key => &event.dedup_key,
            notifications => minijinja::Value::from(minijinja::value::Serde(&notifications)),
            payload,
            payload_is_json,
            payload_bytes => event.body.len(),
            payload_pruned_at => event.payload_pruned_at.map(|at| at.to_string()),
            payload_days => retention.payload_days,
            notifications_pruned,
            job_days,
            request_headers => serde_json::to_string_pretty(&request_headers).unwrap_or_default(),
            normalized,
            repository_link => event.repository.as_deref().map(|r| format!("/events?repository={}", encode(r))),
        },
    )
}

/// The body exactly as received. Served as an attachment in plain text, so a browser never
/// runs or renders what a sender wrote.
pub async fn raw(
    State(state): State<AppState>,
    _user: SignedIn,
    PagePath(id): PagePath,
) -> Result<Response, PageError> {
    let event = find(&state, &id).await?;
    if event.payload_pruned_at.is_some() {
        let days = state.config.current().retention.payload_days;
        let sentence = format!(
            "This event's body was removed: [retention] payload_days = {days} keeps payloads no longer.\n"
        );
        return Ok((StatusCode::GONE, sentence).into_response());
    }
    let mut response = event.body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if let Ok(value) = format!("attachment; filename=\"event-{}.txt\"", event.id).parse() {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::readable;

    #[test]
    fn bodies_are_shown_readably() {
        assert_eq!(
            readable(br#"{"a":1}"#),
            ("{\n  \"a\": 1\n}".to_owned(), true)
        );
        assert_eq!(readable(b"plain"), ("plain".to_owned(), false));
        assert!(readable(&[0xff, 0xfe]).0.contains("2 bytes"));
    }
}
