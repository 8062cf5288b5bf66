//! `/incidents/{id}/postmortem` and `/postmortems`: a post-mortem read by everyone and edited
//! by responders, with a live preview and the blameless check beside the editor, review and
//! publish, and an export; the list with search. Changes go through `postmortems::ops`, as
//! the API's do. A save made from an older version is refused there, and the page then keeps
//! what the person typed next to the newer text, so neither is lost.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::auth::{Form, SignedIn};
use super::frame::Frame;
use super::markdown;
use super::render::PageError;
use crate::core::blameless;
use crate::core::role::Role;
use crate::incidents::ops::IncidentError;
use crate::postmortems::ops::{self, PostmortemError};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::incidents::Incident;
use crate::store::postmortems::{EditConflict, Postmortem, PostmortemState};
use crate::web::PagePath;

/// A post-mortem may be 1 MB (`ops::save` says so), and URL-encoding can triple its size.
const POSTMORTEM_FORM_BYTES: usize = 4 * 1024 * 1024;
const LIST_LIMIT: i64 = 200;

fn serialized<T: Serialize>(value: &T) -> Value {
    Value::from(minijinja::value::Serde(value))
}

fn who(user: &SignedIn) -> String {
    format!("user:{}", user.user.name)
}

/// A textarea sends CRLF line ends; the stored Markdown keeps LF, as the API writes it.
fn unix_lines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// The rendering, marked safe for templates: `markdown::to_html` escapes all but the
/// elements Markdown makes.
fn rendered(text: &str) -> Value {
    Value::from_safe_string(markdown::to_html(text))
}

/// `text` with a capital and a full stop, as a page shows the domain's clauses.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
    format!("{}{}.", first.unwrap_or_default(), chars.as_str())
}

fn findings(state: &AppState, text: &str) -> Vec<blameless::Finding> {
    blameless::check(text, &ops::people_names(&state.config.current()))
}

pub(super) fn page_error(error: PostmortemError) -> PageError {
    match error {
        PostmortemError::Incident(error) => super::incidents::page_error(error),
        PostmortemError::Store(StoreError::NotFound) => PageError::NotFound("post-mortem"),
        PostmortemError::Store(error) => error.into(),
        PostmortemError::Invalid(message) | PostmortemError::NotYet(message) => {
            PageError::BadRequest(message)
        }
        PostmortemError::Conflict(conflict) => PageError::BadRequest(format!(
            "{} saved version {} first",
            conflict.current.updated_by, conflict.current.version
        )),
    }
}

async fn incident(state: &AppState, key: &str) -> Result<Incident, PageError> {
    state
        .store
        .get_incident(key)
        .await
        .map_err(|error| super::incidents::page_error(IncidentError::from(error)))
}

/// The moves the buttons offer from `from` (each button's words are `postmortem-move-TO`).
/// The store takes any; a published post-mortem goes back to draft to be reworked, not
/// straight to review.
fn moves(from: PostmortemState) -> Vec<Value> {
    use PostmortemState::{Draft, InReview, Published};
    let targets: &[PostmortemState] = match from {
        Draft => &[InReview, Published],
        InReview => &[Published, Draft],
        Published => &[Draft],
    };
    targets
        .iter()
        .map(|to| context! { to => to.as_str() })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    #[serde(default)]
    changed: Option<String>,
}

/// What the editor holds when it is not the stored text: what the person sent, and the
/// version a next save starts from.
struct Editing {
    markdown: String,
    version: i64,
}

fn postmortem_page(
    state: &AppState,
    user: &SignedIn,
    headers: &HeaderMap,
    incident: &Incident,
    postmortem: &Postmortem,
    editing: Option<Editing>,
    extra: Value,
) -> Result<Html<String>, PageError> {
    let can_edit = user.role.allows(Role::Responder);
    let (text, version) = match editing {
        Some(editing) => (editing.markdown, editing.version),
        None => (postmortem.markdown.clone(), postmortem.version),
    };
    let page_findings = if can_edit {
        findings(state, &text)
    } else {
        Vec::new()
    };
    Frame {
        state,
        user,
        headers,
        section: "postmortems",
    }
    .render(
        "postmortem.html",
        context! {
            incident => context! {
                number => incident.number,
                title => &incident.title,
                state => incident.state.as_str(),
            },
            postmortem => serialized(postmortem),
            // The editor's preview starts as the editor's text; the article is the saved text.
            html => rendered(if can_edit { &text } else { &postmortem.markdown }),
            text,
            // The version a save from this editor is made from (`version` is Firewatch's).
            edit_version => version,
            findings => serialized(&page_findings),
            moves => moves(postmortem.state),
            ..extra
        },
    )
}

/// `/incidents/{id}/postmortem`: drafted on first read once the incident has resolved.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(key): PagePath,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    let incident = incident(&state, &key).await?;
    let postmortem = match ops::get(&state, &incident.id).await {
        Ok(postmortem) => postmortem,
        Err(PostmortemError::NotYet(not_yet)) => {
            let page = Frame {
                state: &state,
                user: &user,
                headers: &headers,
                section: "postmortems",
            }
            .render(
                "postmortem.html",
                context! {
                    incident => context! { number => incident.number, title => &incident.title },
                    not_yet => sentence(&not_yet),
                },
            )?;
            return Ok((StatusCode::NOT_FOUND, page).into_response());
        }
        Err(error) => return Err(page_error(error)),
    };
    let page = postmortem_page(
        &state,
        &user,
        &headers,
        &incident,
        &postmortem,
        None,
        context! { changed => flash.changed },
    )?;
    Ok(page.into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    markdown: String,
    /// The version the editor was loaded with.
    #[serde(default)]
    version: String,
}

/// Saves the editor's text. The blameless check never stops a save; its findings are on the
/// page the save lands on.
pub async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(key): PagePath,
    Form(form): Form<SaveForm, POSTMORTEM_FORM_BYTES>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let incident = incident(&state, &key).await?;
    let markdown = unix_lines(&form.markdown);
    let Ok(base) = form.version.trim().parse::<i64>() else {
        return Err(PageError::BadRequest(
            "the form does not say which version it edits; reload the page and edit again".into(),
        ));
    };
    let (status, postmortem, editing, extra) = match ops::save(
        &state,
        &incident.id,
        &markdown,
        Some(base),
        &who(&user),
    )
    .await
    {
        Ok(saved) => {
            tracing::info!(user = %user.user.name, incident = %incident.id, version = saved.version, "post-mortem saved from the web UI");
            return Ok(Redirect::to(&format!(
                "/incidents/{}/postmortem?changed=saved",
                incident.number
            ))
            .into_response());
        }
        Err(PostmortemError::Conflict(conflict)) => {
            let EditConflict { current } = *conflict;
            let conflict = context! {
                by => &current.updated_by,
                version => current.version,
                at => current.updated_at.to_string(),
                base,
                markdown => &current.markdown,
            };
            // The next save is made from the newer version: by then the person has merged
            // their change into it.
            let editing = Editing {
                markdown,
                version: current.version,
            };
            (
                StatusCode::CONFLICT,
                current,
                editing,
                context! { conflict },
            )
        }
        Err(PostmortemError::Invalid(problem)) => {
            let current = ops::get(&state, &incident.id).await.map_err(page_error)?;
            let editing = Editing {
                markdown,
                version: base,
            };
            (
                StatusCode::BAD_REQUEST,
                current,
                editing,
                context! { problem },
            )
        }
        Err(error) => return Err(page_error(error)),
    };
    let page = postmortem_page(
        &state,
        &user,
        &headers,
        &incident,
        &postmortem,
        Some(editing),
        extra,
    )?;
    Ok((status, page).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct StateForm {
    #[serde(default)]
    to: String,
}

/// Ready for review, publish (a resolved incident moves on to learning), back to draft.
pub async fn move_to(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(key): PagePath,
    Form(form): Form<StateForm>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let incident = incident(&state, &key).await?;
    let Some(to) = PostmortemState::parse(&form.to) else {
        return Err(PageError::BadRequest(format!(
            "\"{}\" is not draft, in_review or published",
            form.to
        )));
    };
    let problem = match ops::set_state(&state, &incident.id, to, &user.actor()).await {
        Ok(_) => {
            tracing::info!(user = %user.user.name, incident = %incident.id, state = to.as_str(), "post-mortem moved from the web UI");
            return Ok(Redirect::to(&format!(
                "/incidents/{}/postmortem?changed={}",
                incident.number,
                to.as_str()
            ))
            .into_response());
        }
        Err(PostmortemError::Incident(
            IncidentError::Invalid(problem) | IncidentError::Refused(problem),
        )) => problem,
        Err(error) => return Err(page_error(error)),
    };
    let postmortem = ops::get(&state, &incident.id).await.map_err(page_error)?;
    let page = postmortem_page(
        &state,
        &user,
        &headers,
        &incident,
        &postmortem,
        None,
        context! { problem },
    )?;
    Ok((StatusCode::CONFLICT, page).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct PreviewForm {
    #[serde(default)]
    markdown: String,
}

/// The editor's live preview: `{"html", "findings"}` for the text sent, stored nowhere.
pub async fn preview(
    State(state): State<AppState>,
    user: SignedIn,
    Form(form): Form<PreviewForm, POSTMORTEM_FORM_BYTES>,
) -> Result<Json<serde_json::Value>, PageError> {
    user.require(Role::Responder)?;
    let markdown = unix_lines(&form.markdown);
    Ok(Json(json!({
        "html": markdown::to_html(&markdown),
        "findings": findings(&state, &markdown),
    })))
}

/// The Markdown as a file, as the API's `?format=markdown` answers it.
pub async fn export(
    State(state): State<AppState>,
    _user: SignedIn,
    PagePath(key): PagePath,
) -> Result<Response, PageError> {
    let incident = incident(&state, &key).await?;
    let postmortem = ops::get(&state, &incident.id).await.map_err(page_error)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"postmortem-{}.md\"", incident.number),
            ),
        ],
        postmortem.markdown,
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: Option<String>,
    /// Empty for any.
    #[serde(default)]
    state: Option<String>,
}

/// `/postmortems?q=TEXT&state=draft|in_review|published`, the last changed first.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, PageError> {
    let shown = query
        .state
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty());
    let filter = match shown {
        Some(text) => Some(PostmortemState::parse(text).ok_or_else(|| {
            PageError::BadRequest(format!(
                "state \"{text}\" is not draft, in_review or published"
            ))
        })?),
        None => None,
    };
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let postmortems: Vec<Value> = state
        .store
        .list_postmortems(filter, q, LIST_LIMIT)
        .await?
        .into_iter()
        .map(|listed| {
            context! {
                number => listed.incident_number,
                title => listed.incident_title,
                state => listed.postmortem.state.as_str(),
                updated_at => listed.postmortem.updated_at.to_string(),
                updated_by => listed.postmortem.updated_by,
            }
        })
        .collect();
    Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "postmortems",
    }
    .render(
        "postmortems.html",
        context! {
            limited => postmortems.len() as i64 == LIST_LIMIT,
            postmortems,
            q,
            shown,
            states => ["draft", "in_review", "published"],
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(from: PostmortemState) -> Vec<String> {
        moves(from)
            .iter()
            .map(|value| value.get_attr("to").unwrap().to_string())
            .collect()
    }

    #[test]
    fn each_state_offers_the_moves_out_of_it() {
        assert_eq!(targets(PostmortemState::Draft), ["in_review", "published"]);
        assert_eq!(targets(PostmortemState::InReview), ["published", "draft"]);
        assert_eq!(targets(PostmortemState::Published), ["draft"]);
        assert_eq!(unix_lines("a\r\nb\n"), "a\nb\n");
        assert_eq!(
            sentence("incident #1 is active: its post-mortem is drafted when it resolves"),
            "Incident #1 is active: its post-mortem is drafted when it resolves."
        );
    }
}
