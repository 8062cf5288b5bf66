//! `/compliance`: the no-self-merge rule's report for a period (merges, the share
//! independently reviewed per repository, each finding with why), and
//! `/compliance/reviews.csv`, the API's CSV for people signed in to the UI. Parameters are
//! checked by `forge::compliance::ReviewQuery`, as the API's are.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::context;

use super::auth::SignedIn;
use super::frame::Frame;
use super::render::PageError;
use crate::core::role::Role;
use crate::forge::compliance::{self, ReviewQuery};
use crate::state::AppState;

fn parse(raw: Option<String>) -> Result<ReviewQuery, String> {
    serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|error| format!("bad query string: {error}"))
}

/// A share as a whole percentage, or a dash with nothing to share.
fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "—".into(), |share| format!("{:.0}%", share * 100.0))
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let query = parse(raw).unwrap_or_default();
    let form = context! {
        repo => query.repo.clone().unwrap_or_default(),
        days => query.days.clone().filter(|days| !days.is_empty()).unwrap_or_else(|| "30".into()),
    };
    let frame = Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "compliance",
    };
    let request = match query.check(state.clock.now()) {
        Ok(request) => request,
        Err(problem) => {
            let page = frame.render("compliance.html", context! { form, problem })?;
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let locale = frame.locale();
    let report = compliance::load(&state.store, &request, locale).await?;
    let repositories: Vec<minijinja::Value> = report
        .repositories
        .iter()
        .map(|row| {
            context! {
                repository => row.repository.clone(),
                merges => row.merges,
                reviewed => row.independently_reviewed,
                share => percent(row.share),
                complete => row.share == Some(1.0),
            }
        })
        .collect();
    let csv_query = serde_urlencoded::to_string(super::render::given_pairs(&[
        ("repo", &query.repo),
        ("days", &query.days),
        ("from", &query.from),
        ("to", &query.to),
    ]))
    .unwrap_or_default();
    let page = frame.render(
        "compliance.html",
        context! {
            form,
            from => minijinja::Value::from(minijinja::value::Serde(request.from)),
            to => minijinja::Value::from(minijinja::value::Serde(request.to)),
            merges => report.merges,
            reviewed => report.independently_reviewed,
            share => percent(report.share),
            repositories,
            findings => minijinja::Value::from(minijinja::value::Serde(&report.findings)),
            csv_query,
        },
    )?;
    Ok(page.into_response())
}

pub async fn csv(
    State(state): State<AppState>,
    user: SignedIn,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let request = parse(raw)
        .and_then(|query| query.check(state.clock.now()))
        .map_err(PageError::BadRequest)?;
    let locale = state.config.current().server.locale;
    let report = compliance::load(&state.store, &request, locale).await?;
    Ok(super::render::csv_download(
        "firewatch-reviews.csv",
        compliance::csv(&report),
    ))
}
