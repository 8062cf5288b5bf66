//! `/a/{token}`: a page's acknowledge and resolve link, without signing in. Opening it only
//! shows what would be acknowledged and a confirm button, so a chat app's link preview (which
//! fetches with GET) never acknowledges anything; the button's POST acts. A used or expired
//! link answers 410 with a sentence.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

use super::PagePath;
use super::render::{self, PageError};
use crate::i18n::Locale;
use crate::oncall::ops::{LinkAction, LinkRefusal, LinkState};
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

/// The language of a link's page: its person's, else the phone's browser's, else the
/// server's.
async fn locale_of(state: &AppState, headers: &HeaderMap, token: &str) -> Locale {
    crate::oncall::ops::link_locale(state, token)
        .await
        .or_else(|| super::frame::browser_locale(headers))
        .unwrap_or(state.config.current().server.locale)
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    PagePath(token): PagePath,
    Query(query): Query<LinkQuery>,
) -> Result<Response, PageError> {
    let action = query
        .action
        .as_deref()
        .and_then(LinkAction::parse)
        .unwrap_or(LinkAction::Acknowledge);
    let assets = super::assets::prefix();
    let locale = locale_of(&state, &headers, &token).await;
    let words = |key: &str| locale.text(key);
    match crate::oncall::ops::read_link(&state, &token).await? {
        LinkState::Unknown => page(
            StatusCode::NOT_FOUND,
            context! {
                assets, locale => locale.code(), gone => true,
                heading => words("page-link-not-found"),
                sentence => LinkRefusal::Unknown.sentence(locale),
            },
        ),
        LinkState::Gone(refusal) => page(
            StatusCode::GONE,
            context! {
                assets, locale => locale.code(), gone => true,
                heading => words("page-link-gone"),
                sentence => refusal.sentence(locale),
            },
        ),
        LinkState::Usable { escalation, .. } => {
            let already = escalation.acknowledged_by.is_some() && action == LinkAction::Acknowledge;
            let heading = if action == LinkAction::Resolve {
                "page-link-ask-resolve"
            } else if already {
                "page-link-already"
            } else {
                "page-link-ask-acknowledge"
            };
            page(
                StatusCode::OK,
                context! {
                    assets,
                    locale => locale.code(),
                    heading => words(heading),
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
    headers: HeaderMap,
    PagePath(token): PagePath,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let locale = locale_of(&state, &headers, &token).await;
    // The form comes from the confirm page, or from ntfy's Acknowledge button.
    let form: LinkForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let Some(action) = form.action.as_deref().and_then(LinkAction::parse) else {
        return Err(PageError::BadRequest(locale.text("page-link-say-what")));
    };
    let assets = super::assets::prefix();
    match crate::oncall::ops::use_link(&state, &token, action, crate::core::audit::Channel::Link)
        .await?
    {
        Ok(escalation) => page(
            StatusCode::OK,
            context! {
                assets,
                locale => locale.code(),
                heading => locale.text(if action == LinkAction::Resolve { "page-link-resolved" } else { "page-link-acknowledged" }),
                sentence => locale.text(if action == LinkAction::Resolve {
                    "page-link-done-resolve"
                } else {
                    "page-link-done-acknowledge"
                }),
                escalation => minijinja::Value::from(minijinja::value::Serde(&escalation)),
            },
        ),
        Err(refusal) => page(
            if refusal == LinkRefusal::Unknown {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::GONE
            },
            context! {
                assets, locale => locale.code(), gone => true,
                heading => locale.text(if refusal == LinkRefusal::Unknown { "page-link-not-found" } else { "page-link-gone" }),
                sentence => refusal.sentence(locale),
            },
        ),
    }
}
