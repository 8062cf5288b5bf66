//! `/a/{token}`: a page's acknowledge and resolve link, without signing in. Opening it only
//! shows what would be acknowledged and a confirm button, so a chat app's link preview (which
//! fetches with GET) never acknowledges anything; the button's POST acts. A used or expired
//! link answers 410 with a sentence.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

use super::PagePath;
use super::render::{self, PageError};
use crate::oncall::ops::{LinkAction, LinkState, UNKNOWN_LINK};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct LinkQuery {
    action: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LinkForm {
    action: Option<String>,
}

fn page(status: StatusCode, context: minijinja::Value) -> Result<Response, PageError> {
    let html = render::render("page_link.html", context)?;
    Ok((status, html).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    PagePath(token): PagePath,
    Query(query): Query<LinkQuery>,
) -> Result<Response, PageError> {
    let action = query
        .action
        .as_deref()
        .and_then(LinkAction::parse)
        .unwrap_or(LinkAction::Acknowledge);
    let assets = super::assets::prefix();
    match crate::oncall::ops::read_link(&state, &token).await? {
        LinkState::Unknown => page(
            StatusCode::NOT_FOUND,
            context! { assets, heading => "Link not found", sentence => UNKNOWN_LINK, gone => true },
        ),
        LinkState::Gone(sentence) => page(
            StatusCode::GONE,
            context! { assets, heading => "Link no longer works", sentence, gone => true },
        ),
        LinkState::Usable { escalation, .. } => {
            let already = escalation.acknowledged_by.is_some() && action == LinkAction::Acknowledge;
            page(
                StatusCode::OK,
                context! {
                    assets,
                    heading => if action == LinkAction::Resolve { "Resolve this page?" } else if already { "Already acknowledged" } else { "Acknowledge this page?" },
                    escalation => minijinja::Value::from(minijinja::value::Serde(&escalation)),
                    confirm => !already,
                    action => action.as_str(),
                    token,
                },
            )
        }
    }
}

pub async fn act(
    State(state): State<AppState>,
    PagePath(token): PagePath,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    // The form comes from the confirm page, or from ntfy's Acknowledge button.
    let form: LinkForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let Some(action) = form.action.as_deref().and_then(LinkAction::parse) else {
        return Err(PageError::BadRequest(
            "Say what to do: action=acknowledge or action=resolve.".into(),
        ));
    };
    let assets = super::assets::prefix();
    match crate::oncall::ops::use_link(&state, &token, action).await? {
        Ok(escalation) => page(
            StatusCode::OK,
            context! {
                assets,
                heading => if action == LinkAction::Resolve { "Resolved" } else { "Acknowledged" },
                sentence => if action == LinkAction::Resolve {
                    "Resolved: the page is over and its alerts are resolved."
                } else {
                    "Acknowledged: the escalation has stopped and nobody else will be paged."
                },
                escalation => minijinja::Value::from(minijinja::value::Serde(&escalation)),
            },
        ),
        Err(sentence) if sentence == UNKNOWN_LINK => page(
            StatusCode::NOT_FOUND,
            context! { assets, heading => "Link not found", sentence, gone => true },
        ),
        Err(sentence) => page(
            StatusCode::GONE,
            context! { assets, heading => "Link no longer works", sentence, gone => true },
        ),
    }
}
