//! On-call over HTTP (PRODUCT.md §3.1): who is on call, schedules and their shifts, overrides,
//! pages, test pages, the iCal feeds (a token in the query, since calendar apps send no
//! headers), and Twilio's `<Gather>` callback, which pressing 4 on a call reaches.

use crate::store::audit::NewAudit;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::{AppState, PathText};
use crate::core::scope::Scope;
use crate::oncall::views::{self, ViewError};
use crate::store::oncall::{NewOverride, PageFilter};

impl From<ViewError> for ApiError {
    fn from(error: ViewError) -> Self {
        match error {
            ViewError::Unknown(what, id) => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no {what} \"{id}\""),
            ),
            ViewError::Invalid(message) => ApiError::bad_parameter(message),
            ViewError::Store(error) => error.into(),
        }
    }
}

fn time(name: &str, value: Option<&str>) -> Result<Option<Timestamp>, ApiError> {
    super::query_time(name, value)
}

#[derive(Debug, Deserialize)]
struct OnCallQuery {
    schedule: Option<String>,
    team: Option<String>,
    service: Option<String>,
    at: Option<String>,
}

/// `GET /api/v1/oncall?schedule=ID|team=ID|service=ID&at=TIME`.
pub async fn on_call(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::OncallRead).await?;
    let query: OnCallQuery = super::api::query(raw)?;
    let at = time("at", query.at.as_deref())?.unwrap_or_else(|| state.clock.now());
    let scope = match (&query.schedule, &query.team, &query.service) {
        (None, None, None) => views::Scope::All,
        (Some(id), None, None) => views::Scope::Schedule(id),
        (None, Some(id), None) => views::Scope::Team(id),
        (None, None, Some(id)) => views::Scope::Service(id),
        _ => {
            return Err(ApiError::bad_parameter(
                "give at most one of schedule, team and service",
            ));
        }
    };
    let config = state.config.current();
    let on_call = views::on_call(&state.store, &config, scope, at).await?;
    Ok(Json(json!({ "at": at, "on_call": on_call })))
}

/// `GET /api/v1/schedules`: every schedule, who is on call on it now, and its gaps in the
/// next 14 days.
pub async fn list_schedules(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::OncallRead).await?;
    let config = state.config.current();
    let now = state.clock.now();
    let gaps = views::coverage_gaps(Some(&state.store), &config, now).await?;
    let mut items = Vec::new();
    for schedule in &config.schedules {
        let on_call = views::on_call(
            &state.store,
            &config,
            views::Scope::Schedule(&schedule.id),
            now,
        )
        .await?;
        let what = format!("schedule:{}", schedule.id);
        items.push(json!({
            "id": schedule.id,
            "name": schedule.display_name(),
            "timezone": schedule.timezone,
            "layers": schedule.layers.len(),
            "on_call": on_call,
            "gaps": gaps.iter().filter(|gap| gap.what == what).collect::<Vec<_>>(),
        }));
    }
    let policy_gaps: Vec<_> = gaps
        .iter()
        .filter(|gap| gap.what.starts_with("policy:"))
        .collect();
    Ok(Json(
        json!({ "items": items, "next_cursor": null, "policy_gaps": policy_gaps }),
    ))
}

#[derive(Debug, Deserialize)]
struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /api/v1/schedules/{id}/shifts?from=TIME&to=TIME` (default: the next 14 days).
pub async fn shifts(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::OncallRead).await?;
    let query: RangeQuery = super::api::query(raw)?;
    let from = time("from", query.from.as_deref())?.unwrap_or_else(|| state.clock.now());
    let to = time("to", query.to.as_deref())?.unwrap_or(from + views::GAP_HORIZON);
    if to <= from {
        return Err(ApiError::bad_parameter("to must be after from"));
    }
    if to.duration_since(from) > views::MAX_RANGE {
        return Err(ApiError::bad_parameter("a range may cover at most 92 days"));
    }
    let config = state.config.current();
    let shifts = views::shifts(&state.store, &config, &id, from, to).await?;
    Ok(Json(json!({ "items": shifts, "next_cursor": null })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideRequest {
    person: String,
    start: Timestamp,
    end: Timestamp,
    replaces: Option<String>,
}

/// `POST /api/v1/schedules/{id}/overrides`.
pub async fn create_override(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
    super::RequestBody(body): super::RequestBody,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let token = state.authorize(&headers, Scope::OncallWrite).await?;
    let request: OverrideRequest = serde_json::from_slice(&body).map_err(|error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!(
                "the body is not an override {{\"person\", \"start\", \"end\", \"replaces\"?}}: {error}"
            ),
        )
    })?;
    ApiError::check_times([("start", Some(request.start)), ("end", Some(request.end))])?;
    let config = state.config.current();
    let created_by = super::token_actor(&token);
    let new = views::check_override(
        &config,
        NewOverride {
            schedule: &id,
            person: &request.person,
            replaces: request.replaces.as_deref(),
            start: request.start,
            end: request.end,
            created_by: &created_by,
        },
    )?;
    let actor = super::api_actor(&token, &headers);
    let created = state
        .store
        .create_override(&new, state.clock.now(), &|row| {
            vec![NewAudit::new(&actor, "override.create", &row.id).after(row)]
        })
        .await?;
    tracing::info!(schedule = %id, person = %created.person, by = %created_by, "override created");
    Ok((StatusCode::CREATED, Json(json!(created))))
}

/// `GET /api/v1/schedules/{id}/overrides`: those not yet over.
pub async fn list_overrides(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::OncallRead).await?;
    let config = state.config.current();
    if config.schedule(&id).is_none() {
        return Err(ApiError::not_found("schedule"));
    }
    let now = state.clock.now();
    let far = now + views::MAX_RANGE + views::MAX_RANGE;
    let items = state.store.list_overrides(Some(&id), now, far).await?;
    Ok(Json(json!({ "items": items, "next_cursor": null })))
}

/// `DELETE /api/v1/overrides/{id}`.
pub async fn delete_override(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Result<StatusCode, ApiError> {
    let token = state.authorize(&headers, Scope::OncallWrite).await?;
    let actor = super::api_actor(&token, &headers);
    let removed = state
        .store
        .delete_override(&id, state.clock.now(), &|row| {
            vec![NewAudit::new(&actor, "override.delete", &row.id).before(row)]
        })
        .await?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("override"))
    }
}

#[derive(Debug, Deserialize)]
struct PagesQuery {
    alert: Option<String>,
    incident: Option<String>,
    person: Option<String>,
    /// Only shadow pages; alone, the latest ones of every escalation.
    shadow: Option<bool>,
}

/// `GET /api/v1/pages?alert=ID|incident=ID|person=ID[&shadow=true]`, or `?shadow=true`.
pub async fn list_pages(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.authorize(&headers, Scope::OncallRead).await?;
    let query: PagesQuery = super::api::query(raw)?;
    let shadow = query.shadow == Some(true);
    let filter = match (&query.alert, &query.incident, &query.person) {
        (Some(id), None, None) => PageFilter::Alert(id),
        (None, Some(id), None) => PageFilter::Incident(id),
        (None, None, Some(id)) => PageFilter::Person(id),
        (None, None, None) if shadow => PageFilter::Shadow,
        _ => {
            return Err(ApiError::bad_parameter(
                "give one of alert, incident and person, or shadow=true",
            ));
        }
    };
    let mut pages = state.store.list_pages(filter, 500).await?;
    if shadow {
        pages.retain(|page| page.shadow);
    }
    let mut acknowledged = std::collections::HashMap::new();
    let mut items = Vec::with_capacity(pages.len());
    for page in pages {
        let by = match &page.escalation_id {
            Some(id) => {
                if !acknowledged.contains_key(id) {
                    let escalation = state.store.get_escalation(id).await?;
                    acknowledged.insert(id.clone(), escalation.acknowledged_by);
                }
                acknowledged.get(id).cloned().flatten()
            }
            None => None,
        };
        items.push(json!({
            "id": page.id,
            "person": page.person,
            "contact": page.contact,
            "contact_kind": page.contact_kind,
            "step": page.step,
            "round": page.round,
            "target": page.target,
            "state": page.state,
            "due_at": page.due_at,
            "sent_at": page.sent_at,
            "error": page.error,
            "folded": page.folded,
            "escalation": page.escalation_id,
            "acknowledged_by": by,
        }));
    }
    Ok(Json(json!({ "items": items, "next_cursor": null })))
}

/// `POST /api/v1/people/{id}/test_page`: a test page through each of the person's contacts.
pub async fn test_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    state.authorize(&headers, Scope::OncallWrite).await?;
    match crate::oncall::ops::test_page(&state, &id).await {
        Ok(pages) => Ok((StatusCode::ACCEPTED, Json(json!({ "pages": pages })))),
        Err(crate::oncall::ops::PageError::UnknownPerson(_)) => Err(ApiError::not_found("person")),
        Err(error @ crate::oncall::ops::PageError::NoContact(_)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "no_contact",
            error.to_string(),
        )),
        Err(crate::oncall::ops::PageError::Store(error)) => Err(error.into()),
    }
}

#[derive(Debug, Deserialize)]
struct FeedQuery {
    token: Option<String>,
}

/// `GET /ical/schedules/{id}.ics?token=T`: the schedule's shifts from a week ago to eight
/// weeks ahead.
pub async fn schedule_feed(
    State(state): State<AppState>,
    PathText(file): PathText,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query: FeedQuery = super::api::query(raw)?;
    feed_token(&state, query.token.as_deref()).await?;
    let id = file
        .strip_suffix(".ics")
        .ok_or_else(|| ApiError::not_found("calendar"))?;
    let config = state.config.current();
    let now = state.clock.now();
    let shifts = feed_shifts(&state, &config, id, feed_range(now)).await?;
    let events: Vec<_> = shifts
        .iter()
        .map(|shift| crate::core::oncall::CalendarEvent {
            uid: format!(
                "{id}-{}-{}@firewatch",
                shift.person,
                shift.start.as_second()
            ),
            summary: format!(
                "On call: {}",
                config
                    .person(&shift.person)
                    .map_or(shift.person.as_str(), |p| p.display_name())
            ),
            start: shift.start,
            end: shift.end,
        })
        .collect();
    Ok(calendar(&format!("On call: {id}"), &events, now))
}

/// `GET /ical/people/{id}.ics?token=T`: the person's shifts on every schedule.
pub async fn person_feed(
    State(state): State<AppState>,
    PathText(file): PathText,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query: FeedQuery = super::api::query(raw)?;
    feed_token(&state, query.token.as_deref()).await?;
    let id = file
        .strip_suffix(".ics")
        .ok_or_else(|| ApiError::not_found("calendar"))?;
    let config = state.config.current();
    let person = config
        .person(id)
        .ok_or_else(|| ApiError::not_found("person"))?;
    let now = state.clock.now();
    let mut events = Vec::new();
    for schedule in &config.schedules {
        for shift in feed_shifts(&state, &config, &schedule.id, feed_range(now)).await? {
            if shift.person == person.id {
                events.push(crate::core::oncall::CalendarEvent {
                    uid: format!("{}-{id}-{}@firewatch", schedule.id, shift.start.as_second()),
                    summary: format!("On call: {}", schedule.display_name()),
                    start: shift.start,
                    end: shift.end,
                });
            }
        }
    }
    events.sort_by_key(|event| event.start);
    Ok(calendar(
        &format!("On call: {}", person.display_name()),
        &events,
        now,
    ))
}

fn feed_range(now: Timestamp) -> (Timestamp, Timestamp) {
    let week = jiff::SignedDuration::from_hours(7 * 24);
    (now - week, now + week * 8)
}

/// A schedule's shifts over a feed's range, each with its own start: the shift already
/// running when the range starts is read from before it, so its UID and DTSTART stay the
/// same from one fetch to the next (a calendar app re-adds an event whose UID changed).
/// A layer's shift is at most one turn; the look back covers any turn up to 92 days.
async fn feed_shifts(
    state: &AppState,
    config: &crate::config::Config,
    schedule: &str,
    (from, to): (Timestamp, Timestamp),
) -> Result<Vec<crate::core::oncall::Shift>, ApiError> {
    let look_back = jiff::SignedDuration::from_hours(92 * 24);
    let mut shifts = views::shifts(&state.store, config, schedule, from - look_back, to).await?;
    shifts.retain(|shift| shift.end > from);
    Ok(shifts)
}

async fn feed_token(state: &AppState, token: Option<&str>) -> Result<(), ApiError> {
    let token = token.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "add ?token=… with an API token that has oncall:read (calendar apps send no headers)",
        )
    })?;
    let token = state.authorize_token(token, Scope::OncallRead).await?;
    // A feed URL ends up in calendar apps, shared calendars and their logs: a token that can
    // do more than read on-call must never be put there.
    if token
        .scopes
        .iter()
        .any(|scope| scope != Scope::OncallRead.as_str())
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "feed_token_too_broad",
            "a calendar feed takes only a token whose one scope is oncall:read; create one for the feed",
        ));
    }
    Ok(())
}

fn calendar(name: &str, events: &[crate::core::oncall::CalendarEvent], now: Timestamp) -> Response {
    (
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        crate::core::oncall::calendar(name, events, now),
    )
        .into_response()
}

/// `POST /twilio/gather/{token}`: Twilio's request after the callee pressed a key. It is
/// signed with the Twilio account's auth token (`X-Twilio-Signature` over the URL Twilio
/// called, the server's `public_url`, and the form's fields); "4" acknowledges.
pub async fn twilio_gather(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(token): PathText,
    super::RequestBody(body): super::RequestBody,
) -> Result<Response, ApiError> {
    let params: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| ApiError::bad_parameter("the body is not a form"))?;
    let config = state.config.current();
    let url = format!("{}/twilio/gather/{token}", config.server.base_url());
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let signed = config
        .destinations
        .iter()
        .any(|destination| match destination {
            crate::integrations::outbound::config::DestinationConfig::Twilio(twilio) => {
                crate::integrations::outbound::twilio::signature_valid(
                    &twilio.auth_token,
                    &url,
                    &params,
                    signature,
                )
            }
            _ => false,
        });
    if !signed {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid_signature",
            "X-Twilio-Signature does not match any twilio destination's auth token for this URL",
        ));
    }
    let digits = params
        .iter()
        .find(|(name, _)| name == "Digits")
        .map(|(_, value)| value.as_str());
    // The person the page went to hears the answer in their language.
    let locale = crate::oncall::ops::link_locale(&state, &token)
        .await
        .unwrap_or(state.config.current().server.locale);
    let reply = |acknowledged: bool, detail: &str| {
        crate::integrations::outbound::twilio::gather_reply_twiml(acknowledged, detail, locale)
    };
    let twiml = if digits == Some("4") {
        match crate::oncall::ops::use_link(
            &state,
            &token,
            crate::oncall::ops::LinkAction::Acknowledge,
            crate::core::audit::Channel::Phone,
        )
        .await
        {
            Ok(Ok(_)) => reply(true, &locale.text("call-stopped")),
            Ok(Err(refusal)) => reply(false, &refusal.sentence(locale)),
            Err(error) => {
                tracing::warn!(%error, "acknowledging from a call failed");
                reply(false, &locale.text("call-not-recorded"))
            }
        }
    } else {
        reply(false, &locale.text("call-nothing"))
    };
    Ok(([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], twiml).into_response())
}
