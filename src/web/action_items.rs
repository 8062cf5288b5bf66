//! Action items: the incident page's section (its items, a form to add one, buttons to mark
//! each) and `/action_items`, everyone's, the signed-in person's, or those overdue. Changes
//! go through `postmortems::ops`, as the API's do; marking the last item of an incident in
//! learning done closes the incident there.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::Timestamp;
use minijinja::{Value, context};
use serde::Deserialize;

use super::auth::{Form, SignedIn};
use super::frame::Frame;
use super::incidents::{incident_page, safe_link};
use super::render::PageError;
use crate::config::Config;
use crate::core::incident::{Priority, State as Lifecycle};
use crate::core::role::Role;
use crate::incidents::ops::IncidentError;
use crate::postmortems::ops::{self, NewItem, PostmortemError};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::incidents::Incident;
use crate::store::postmortems::{ActionItem, ItemFilter, ItemKind, ItemStatus};
use crate::web::PagePath;

const PRIORITIES: [&str; 4] = ["P1", "P2", "P3", "P4"];
/// Items a list shows; an incident has far fewer.
const LIST_LIMIT: i64 = 500;

fn who(user: &SignedIn) -> String {
    format!("user:{}", user.user.name)
}

/// An item as the pages show it: the owner by name, overdue worked out, the tracker's link
/// only when it is a web address.
fn item_view(config: &Config, item: &ActionItem, now: Timestamp) -> Value {
    context! {
        id => &item.id,
        title => &item.title,
        owner => &item.owner,
        owner_name => config.person(&item.owner).map_or(item.owner.as_str(), |person| person.display_name()),
        due => &item.due,
        overdue => item.status == ItemStatus::Outstanding && item.overdue_at <= now,
        priority => item.priority.as_str(),
        kind => item.kind.as_str(),
        status => item.status.as_str(),
        done_at => item.done_at.map(|at| at.to_string()),
        issue_url => safe_link(item.issue_url.as_deref()).filter(|link| !link.starts_with('/')),
        issue_error => &item.issue_error,
    }
}

/// What the incident page shows of its action items and its post-mortem.
pub async fn incident_section(
    state: &AppState,
    user: &SignedIn,
    incident: &Incident,
) -> Result<Value, StoreError> {
    let config = state.config.current();
    let now = state.clock.now();
    let items: Vec<Value> = state
        .store
        .list_action_items(&ItemFilter {
            incident: Some(incident.id.clone()),
            limit: LIST_LIMIT,
            ..ItemFilter::default()
        })
        .await?
        .iter()
        .map(|item| item_view(&config, item, now))
        .collect();
    let postmortem = match state.store.get_postmortem(&incident.id).await {
        Ok(postmortem) => Some(postmortem.state.as_str()),
        Err(StoreError::NotFound) => None,
        Err(error) => return Err(error),
    };
    Ok(context! {
        action_items => items,
        postmortem_state => postmortem,
        // Read once the incident has resolved, the post-mortem is drafted on the spot; one
        // declined or merged needs none.
        postmortem_ready => postmortem.is_some()
            || matches!(incident.state, Lifecycle::Resolved | Lifecycle::Learning | Lifecycle::Closed),
        item_priorities => PRIORITIES,
        item_kinds => ["mitigate", "prevent"],
        my_person => user.person(&config).map(|person| person.id.clone()),
    })
}

/// Where an action lands: back on the incident's action items with a flash, or the page
/// again with the sentence saying why not.
async fn acted(
    state: &AppState,
    user: &SignedIn,
    headers: &HeaderMap,
    incident: &Incident,
    result: Result<ActionItem, PostmortemError>,
    changed: &str,
    again: Value,
) -> Result<Response, PageError> {
    let (status, problem) = match result {
        Ok(item) => {
            tracing::info!(user = %user.user.name, incident = %incident.id, item = %item.id, action = changed, "action item changed from the web UI");
            return Ok(Redirect::to(&format!(
                "/incidents/{}?changed={changed}#action-items",
                incident.number
            ))
            .into_response());
        }
        Err(PostmortemError::Invalid(problem)) => (StatusCode::BAD_REQUEST, problem),
        Err(PostmortemError::Incident(
            IncidentError::Invalid(problem) | IncidentError::Refused(problem),
        )) => (StatusCode::CONFLICT, problem),
        Err(PostmortemError::Store(StoreError::NotFound)) => {
            return Err(PageError::NotFound("action item"));
        }
        Err(error) => return Err(super::postmortems::page_error(error)),
    };
    let page = incident_page(
        state,
        user,
        headers,
        &incident.id,
        context! { problem, ..again },
    )
    .await?;
    Ok((status, page).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    owner: String,
    /// `YYYY-MM-DD`, as a date input sends it.
    #[serde(default)]
    due: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    kind: String,
}

pub async fn add(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(key): PagePath,
    Form(form): Form<ItemForm>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let incident = state
        .store
        .get_incident(&key)
        .await
        .map_err(|error| super::incidents::page_error(error.into()))?;
    let result = match (
        Priority::parse(form.priority.trim()),
        ItemKind::parse(form.kind.trim()),
    ) {
        (None, _) => Err(PostmortemError::Invalid(format!(
            "priority \"{}\" is not P1 to P4",
            form.priority
        ))),
        (_, None) => Err(PostmortemError::Invalid(
            "choose whether the item mitigates or prevents a recurrence".into(),
        )),
        (Some(priority), Some(kind)) => {
            let new = NewItem {
                title: form.title.clone(),
                owner: form.owner.trim().to_owned(),
                due: form.due.trim().to_owned(),
                priority,
                kind,
            };
            ops::add_item(&state, &incident.id, new, &who(&user)).await
        }
    };
    acted(
        &state,
        &user,
        &headers,
        &incident,
        result,
        "item_added",
        context! {
            item_form => context! {
                title => form.title,
                owner => form.owner,
                due => form.due,
                priority => form.priority,
                kind => form.kind,
            },
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

/// Completed, not doing, or outstanding again.
pub async fn set_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(id): PagePath,
    Form(form): Form<StatusForm>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let item = match state.store.get_action_item(&id).await {
        Ok(item) => item,
        Err(StoreError::NotFound) => return Err(PageError::NotFound("action item")),
        Err(error) => return Err(error.into()),
    };
    let incident = state.store.get_incident(&item.incident_id).await?;
    let Some(status) = ItemStatus::parse(form.status.trim()) else {
        return Err(PageError::BadRequest(format!(
            "status \"{}\" is not outstanding, completed or not_doing",
            form.status
        )));
    };
    let result = ops::set_item_status(&state, &item.id, status, &user.actor()).await;
    acted(
        &state,
        &user,
        &headers,
        &incident,
        result,
        &format!("item_{}", status.as_str()),
        context! {},
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// `all` (the default), `outstanding`, `mine` or `overdue`.
    #[serde(default)]
    show: Option<String>,
}

/// The tabs, in order; each one's words are `items-tab-SHOW`.
const TABS: [&str; 4] = ["all", "outstanding", "mine", "overdue"];

/// `/action_items`, oldest first, each with its incident.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, PageError> {
    let config = state.config.current();
    let now = state.clock.now();
    let shown = query
        .show
        .as_deref()
        .map(str::trim)
        .filter(|show| !show.is_empty())
        .unwrap_or("all");
    let mut filter = ItemFilter {
        limit: LIST_LIMIT,
        ..ItemFilter::default()
    };
    let me = user.person(&config);
    match shown {
        "all" => {}
        "outstanding" => filter.outstanding = true,
        "overdue" => filter.overdue_at = Some(now),
        "mine" => filter.owner = me.map(|person| person.id.clone()),
        other => {
            return Err(PageError::BadRequest(format!(
                "\"{other}\" is not all, outstanding, mine or overdue"
            )));
        }
    }
    // Without a person, "mine" is nobody's items rather than everyone's.
    let items = if shown == "mine" && me.is_none() {
        Vec::new()
    } else {
        state.store.list_action_items(&filter).await?
    };
    let mut incidents: BTreeMap<String, Value> = BTreeMap::new();
    let mut rows = Vec::with_capacity(items.len());
    for item in &items {
        if !incidents.contains_key(&item.incident_id) {
            let incident = state.store.get_incident(&item.incident_id).await?;
            incidents.insert(
                item.incident_id.clone(),
                context! {
                    number => incident.number,
                    title => incident.title,
                    state => incident.state.as_str(),
                },
            );
        }
        rows.push(context! {
            incident => incidents.get(&item.incident_id).cloned(),
            ..item_view(&config, item, now)
        });
    }
    Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "action_items",
    }
    .render(
        "action_items.html",
        context! {
            tabs => TABS.iter().map(|&show| context! { show }).collect::<Vec<_>>(),
            shown,
            limited => rows.len() as i64 == LIST_LIMIT,
            items => rows,
            no_person => me.is_none(),
        },
    )
}
