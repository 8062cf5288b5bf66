//! `/pipelines`: the pipelines board, one card per repository (or the one asked for), each
//! commit of its default branch a row with its runs and their stages, refreshed in place as
//! events arrive (`data-live`, `app.js`).

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::context;

use super::auth::SignedIn;
use super::frame::Frame;
use super::render::PageError;
use crate::forge::pipelines::{self, PipelinesQuery};
use crate::state::AppState;

/// How often an open board asks for itself again, in seconds.
const REFRESH_SECONDS: u32 = 10;

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let query: PipelinesQuery =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let given = |value: &Option<String>| value.clone().filter(|text| !text.trim().is_empty());
    let (repo, branch) = (given(&query.repo), given(&query.branch));
    let frame = Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "pipelines",
    };
    let form = context! { repo => repo.clone().unwrap_or_default(), branch => branch.clone().unwrap_or_default() };
    let commits = match query.commits() {
        Ok(commits) => commits,
        Err(problem) => {
            let page = frame.render("pipelines.html", context! { form, problem })?;
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let per_board = if repo.is_some() {
        commits
    } else {
        commits.min(8)
    };
    let boards =
        pipelines::boards(&state.store, repo.as_deref(), branch.as_deref(), per_board).await?;
    let page = frame.render(
        "pipelines.html",
        context! {
            form,
            boards => minijinja::Value::from(minijinja::value::Serde(&boards)),
            refresh => REFRESH_SECONDS,
        },
    )?;
    Ok(page.into_response())
}
