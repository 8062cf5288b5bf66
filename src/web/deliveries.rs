//! `/deliveries`: how each destination is doing (last success, failures, queue, dead letters)
//! and the dead letters themselves, with re-drive for responders.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::{SignedDuration, Timestamp};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::auth::{Form, NoFields, SignedIn};
use super::frame::Frame;
use super::render::PageError;
use crate::core::role::Role;
use crate::state::AppState;
use crate::store::{DestinationHealth, NotificationFilter, NotificationState};
use crate::web::PagePath;

/// "Recent" on this page: the last day.
pub const RECENT: SignedDuration = SignedDuration::from_hours(24);

/// A destination's state in one word, for the badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// The last attempt succeeded.
    Healthy,
    /// The last attempt was refused for what the message held (400, 413, 422) by a destination
    /// that has taken messages before: it answers, but that message is a dead letter.
    Refused,
    /// The last attempt failed.
    Failing,
    /// Never tried, or configured but unused.
    Idle,
}

pub fn health_of(row: &DestinationHealth) -> Health {
    match (row.last_success_at, row.last_failure_at) {
        (_, None) if row.last_success_at.is_some() => Health::Healthy,
        (Some(success), Some(failure)) if success > failure => Health::Healthy,
        (Some(_), Some(_)) if matches!(row.last_failure_status, Some(400 | 413 | 422)) => {
            Health::Refused
        }
        (_, Some(_)) => Health::Failing,
        _ if row.dead > 0 => Health::Failing,
        _ => Health::Idle,
    }
}

#[derive(Debug, Serialize)]
pub struct DestinationRow {
    #[serde(flatten)]
    pub health: DestinationHealth,
    pub kind: Option<&'static str>,
    pub state: Health,
    /// Still in the config; removed destinations keep their history here.
    pub configured: bool,
}

/// Every configured destination, then any others with history, by name.
pub async fn destination_rows(
    state: &AppState,
    now: Timestamp,
) -> Result<Vec<DestinationRow>, PageError> {
    let config = state.config.current();
    let mut stored = state.store.destination_health(now - RECENT).await?;
    let mut rows: Vec<DestinationRow> = config
        .destinations
        .iter()
        .map(|destination| {
            let name = destination.name();
            let health = stored
                .iter()
                .position(|row| row.destination == name)
                .map(|index| stored.swap_remove(index))
                .unwrap_or_else(|| DestinationHealth::new(name.to_owned()));
            DestinationRow {
                state: health_of(&health),
                kind: Some(destination.kind_name()),
                health,
                configured: true,
            }
        })
        .collect();
    rows.extend(stored.into_iter().map(|health| DestinationRow {
        state: health_of(&health),
        kind: None,
        health,
        configured: false,
    }));
    rows.sort_by(|a, b| a.health.destination.cmp(&b.health.destination));
    Ok(rows)
}

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    redriven: Option<u64>,
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    axum::extract::Query(notice): axum::extract::Query<Notice>,
) -> Result<Html<String>, PageError> {
    let now = state.clock.now();
    let destinations = destination_rows(&state, now).await?;
    let dead = state
        .store
        .list_notifications(&NotificationFilter {
            state: Some(NotificationState::Dead),
            limit: 100,
            ..Default::default()
        })
        .await?;
    let dead_total: i64 = destinations.iter().map(|row| row.health.dead).sum();
    Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "deliveries",
    }
    .render(
        "deliveries.html",
        context! {
            destinations => minijinja::Value::from(minijinja::value::Serde(&destinations)),
            dead => minijinja::Value::from(minijinja::value::Serde(&dead)),
            dead_total,
            redriven => notice.redriven,
        },
    )
}

async fn redrive(
    state: &AppState,
    user: &SignedIn,
    id: Option<i64>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let count = state.redrive(id).await?;
    tracing::info!(user = %user.user.name, notification = ?id, count, "dead letters re-driven");
    Ok(Redirect::to(&format!("/deliveries?redriven={count}")).into_response())
}

pub async fn redrive_one(
    State(state): State<AppState>,
    user: SignedIn,
    PagePath(id): PagePath,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, PageError> {
    let id = id
        .parse::<i64>()
        .map_err(|_| PageError::NotFound("notification"))?;
    redrive(&state, &user, Some(id)).await
}

pub async fn redrive_all(
    State(state): State<AppState>,
    user: SignedIn,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, PageError> {
    redrive(&state, &user, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_follows_the_latest_attempt() {
        let at = |s: i64| Some(Timestamp::from_second(s).unwrap());
        let mut row = DestinationHealth::new("chat".into());
        assert_eq!(health_of(&row), Health::Idle);
        row.last_success_at = at(10);
        assert_eq!(health_of(&row), Health::Healthy);
        row.last_failure_at = at(20);
        assert_eq!(health_of(&row), Health::Failing);
        row.last_success_at = at(30);
        assert_eq!(health_of(&row), Health::Healthy);
        // A message refused for its content by a destination that took messages before.
        row.last_failure_at = at(40);
        row.last_failure_status = Some(400);
        assert_eq!(health_of(&row), Health::Refused);
        row.last_failure_status = Some(404);
        assert_eq!(health_of(&row), Health::Failing, "a wrong URL or channel");
        // Refused from the first message on: nothing gets through.
        row.last_success_at = None;
        row.last_failure_status = Some(400);
        assert_eq!(health_of(&row), Health::Failing);
    }
}
