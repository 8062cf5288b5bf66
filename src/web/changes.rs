//! `/changes`: the feed of change announcements with those waiting for approval first, a form
//! to announce one, and each change's page, where a responder other than its announcer
//! approves or rejects it. The announcer is shown no approve button, and is refused (403)
//! if they post the form anyway.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::auth::{Form, SignedIn};
use super::frame::Frame;
use super::render::PageError;
use crate::changes::ops::{ChangeError, Decision, Identity, NewAnnouncement, Refusal};
use crate::core::role::Role;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::changes::{Announcement, ChangeFilter, ChangeState, Risk};
use crate::web::PagePath;

fn serde<T: serde::Serialize>(value: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(value))
}

impl From<ChangeError> for PageError {
    fn from(error: ChangeError) -> Self {
        match error {
            ChangeError::Store(StoreError::NotFound) => PageError::NotFound("change"),
            ChangeError::Store(_) => PageError::Unavailable,
            other => PageError::BadRequest(other.to_string()),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    #[serde(default)]
    changed: Option<String>,
}

async fn feed(
    state: &AppState,
    user: &SignedIn,
    headers: &HeaderMap,
    extra: minijinja::Value,
) -> Result<Html<String>, PageError> {
    let pending = state
        .store
        .list_announcements(&ChangeFilter {
            state: Some(ChangeState::PendingApproval),
            limit: 100,
            ..ChangeFilter::default()
        })
        .await?;
    let recent: Vec<Announcement> = state
        .store
        .list_announcements(&ChangeFilter {
            limit: 100,
            ..ChangeFilter::default()
        })
        .await?
        .into_iter()
        .filter(|change| change.state != ChangeState::PendingApproval)
        .collect();
    let config = state.config.current();
    let services: Vec<String> = config.services.iter().map(|s| s.id.clone()).collect();
    Frame {
        state,
        user,
        headers,
        section: "changes",
    }
    .render(
        "changes.html",
        context! {
            pending => serde(&pending),
            recent => serde(&recent),
            services,
            me => &user.user.name,
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
    feed(
        &state,
        &user,
        &headers,
        context! { changed => query.changed },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct AnnounceForm {
    #[serde(default)]
    summary: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    environment: String,
    #[serde(default)]
    risk: String,
    #[serde(default)]
    rollback: String,
    #[serde(default)]
    needs_approval: Option<String>,
}

pub async fn announce(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    Form(form): Form<AnnounceForm>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let problem = match Risk::parse(&form.risk) {
        None => "Choose the risk: low, medium or high.".to_owned(),
        Some(risk) => {
            let new = NewAnnouncement {
                summary: form.summary.clone(),
                service: form.service.clone(),
                environment: form.environment.clone(),
                risk,
                rollback: form.rollback.clone(),
                needs_approval: form.needs_approval.is_some(),
            };
            match crate::changes::ops::announce(
                &state,
                new,
                &Identity::of_user(&user.user.name, user.role),
            )
            .await
            {
                Ok(change) => {
                    return Ok(
                        Redirect::to(&format!("/changes/{}?changed=announced", change.id))
                            .into_response(),
                    );
                }
                Err(ChangeError::Invalid(problem)) => problem,
                Err(error) => return Err(error.into()),
            }
        }
    };
    let page = feed(
        &state,
        &user,
        &headers,
        context! {
            problem,
            form => context! {
                summary => form.summary,
                service => form.service,
                environment => form.environment,
                risk => form.risk,
                rollback => form.rollback,
                needs_approval => form.needs_approval.is_some(),
            },
        },
    )
    .await?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

async fn detail(
    state: &AppState,
    user: &SignedIn,
    headers: &HeaderMap,
    id: &str,
    extra: minijinja::Value,
) -> Result<Html<String>, PageError> {
    let change = state
        .store
        .get_announcement(id)
        .await
        .map_err(ChangeError::from)?;
    let mine = change.announcer_user.as_deref() == Some(user.user.name.as_str());
    let can_decide =
        change.state == ChangeState::PendingApproval && !mine && user.role.allows(Role::Responder);
    Frame {
        state,
        user,
        headers,
        section: "changes",
    }
    .render(
        "change.html",
        context! { change => serde(&change), mine, can_decide, ..extra },
    )
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(id): PagePath,
    axum::extract::Query(query): axum::extract::Query<Flash>,
) -> Result<Html<String>, PageError> {
    detail(
        &state,
        &user,
        &headers,
        &id,
        context! { changed => query.changed },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    reason: String,
}

async fn decide(
    state: AppState,
    headers: HeaderMap,
    user: SignedIn,
    id: String,
    decision: Decision,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let done = if matches!(decision, Decision::Approve) {
        "approved"
    } else {
        "rejected"
    };
    let (status, problem) = match crate::changes::ops::decide_change(
        &state,
        &id,
        decision,
        &Identity::of_user(&user.user.name, user.role),
    )
    .await
    {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/changes/{id}?changed={done}")).into_response());
        }
        Err(ChangeError::Refused(
            refusal @ (Refusal::SelfApproval
            | Refusal::NoUser
            | Refusal::AnnouncersToken
            | Refusal::Role { .. }),
        )) => (StatusCode::FORBIDDEN, refusal.to_string()),
        Err(ChangeError::Refused(refusal)) => (StatusCode::CONFLICT, refusal.to_string()),
        Err(error) => return Err(error.into()),
    };
    let page = detail(&state, &user, &headers, &id, context! { problem }).await?;
    Ok((status, page).into_response())
}

pub async fn approve(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(id): PagePath,
    Form(_): Form<DecisionForm>,
) -> Result<Response, PageError> {
    decide(state, headers, user, id, Decision::Approve).await
}

pub async fn reject(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(id): PagePath,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let reason = Some(form.reason.trim().to_owned()).filter(|r| !r.is_empty());
    decide(state, headers, user, id, Decision::Reject { reason }).await
}
