//! `/status-components`: the public status page's components as customers see them now, and
//! (responders) a status set by hand, which wins until cleared and says so on the page.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::auth::{Form, SignedIn};
use super::frame::Frame;
use super::render::PageError;
use crate::core::role::Role;
use crate::core::status::ComponentStatus;
use crate::state::AppState;
use crate::web::PagePath;

#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    #[serde(default)]
    changed: Option<String>,
}

async fn render(
    state: &AppState,
    user: &SignedIn,
    headers: &HeaderMap,
    extra: minijinja::Value,
) -> Result<Html<String>, PageError> {
    let config = state.config.current();
    let snapshot =
        crate::statuspage::snapshot::build(&state.store, &config, state.clock.now()).await?;
    let subscribers = state.store.subscriber_counts().await?;
    let statuses: Vec<(&str, &str)> = ComponentStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect();
    Frame {
        state,
        user,
        headers,
        section: "status_components",
    }
    .render(
        "status_components.html",
        context! {
            components => minijinja::Value::from(minijinja::value::Serde(&snapshot.components)),
            description => snapshot.description,
            subscribers => minijinja::Value::from(minijinja::value::Serde(&subscribers)),
            subscriptions => config.status_page.subscribers.enabled(),
            statuses,
            ..extra
        },
    )
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    axum::extract::Query(query): axum::extract::Query<Flash>,
) -> Result<Html<String>, PageError> {
    render(
        &state,
        &user,
        &headers,
        context! { changed => query.changed },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct SetForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
}

pub async fn set(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(id): PagePath,
    Form(form): Form<SetForm>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let config = state.config.current();
    if !config.status_page.components.iter().any(|c| c.id() == id) {
        return Err(PageError::NotFound("status page component"));
    }
    let override_ = if form.status == "clear" {
        None
    } else {
        let Some(status) = ComponentStatus::parse(&form.status) else {
            let page = render(
                &state,
                &user,
                &headers,
                context! { problem => "Choose a status, or clear it." },
            )
            .await?;
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        };
        Some(crate::store::statuspage::StatusOverride {
            component: id.clone(),
            status,
            note: Some(form.note.trim().to_owned()).filter(|n| !n.is_empty()),
            set_by: format!("user:{}", user.user.name),
            set_at: state.clock.now(),
        })
    };
    let audit =
        crate::statuspage::audit_entry(&state.store, &user.actor(), &id, override_.as_ref())
            .await?;
    state
        .store
        .set_status_override(&id, override_.as_ref(), &[audit], state.clock.now())
        .await?;
    state.status_changed.mark();
    tracing::info!(component = %id, by = %user.user.name, "status page component set by hand");
    Ok(Redirect::to("/status-components?changed=set").into_response())
}
