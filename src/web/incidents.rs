//! `/incidents`: the list with its filters, the declare form, and one incident's page: its
//! state and the moves the lifecycle allows from it, roles, key times, status updates, notes,
//! the timeline, what changed before it and earlier incidents like it. Every change goes
//! through `incidents::ops`, as the API's and the CLI's do, and a refusal shows its sentence.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::admin::OneOrMany;
use super::auth::{Form, NoFields, SignedIn};
use super::frame::{Frame, viewer_time_zone};
use super::render::{PageError, local_input, local_time};
use crate::config::Config;
use crate::core::incident::{Priority, Severity, State as Lifecycle, UpdateStatus};
use crate::core::role::Role;
use crate::incidents::decide::{IncidentEdit, KeyTimesEdit};
use crate::incidents::ops::{self, Declaration, IncidentError};
use crate::incidents::view;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::incidents::{Incident, IncidentFilter, Role as IncidentRole};
use crate::web::PagePath;

const PAGE_SIZE: i64 = 200;
/// Open incidents the overview lists.
const OVERVIEW_LIMIT: i64 = 20;
const SEVERITIES: [&str; 4] = ["SEV1", "SEV2", "SEV3", "SEV4"];
const PRIORITIES: [&str; 4] = ["P1", "P2", "P3", "P4"];
const UPDATE_STATUSES: [&str; 4] = ["investigating", "identified", "monitoring", "resolved"];
/// The key times in the order they must keep: (field, label).
const KEY_TIMES: [(&str, &str); 5] = [
    ("impact_started", "Impact started"),
    ("detected", "Detected"),
    ("acknowledged", "Acknowledged"),
    ("mitigated", "Mitigated"),
    ("resolved", "Resolved"),
];

fn serialized<T: Serialize>(value: &T) -> Value {
    Value::from(minijinja::value::Serde(value))
}

fn present(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|text| !text.is_empty())
}

/// A link a page may show: an in-app path or a web address. Links come from senders (a
/// forge's URL), so anything else is shown as text.
pub(super) fn safe_link(link: Option<&str>) -> Option<String> {
    link.filter(|link| {
        link.starts_with("https://")
            || link.starts_with("http://")
            || (link.starts_with('/') && !link.starts_with("//"))
    })
    .map(str::to_owned)
}

/// The configured services, as the filters and the declare form offer them.
fn services(config: &Config) -> Vec<Value> {
    config
        .services
        .iter()
        .map(|service| {
            context! {
                id => &service.id,
                name => service.name.as_deref().unwrap_or(&service.id),
            }
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// `open` (the default), `closed`, `all` or one state of the lifecycle.
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    service: Option<String>,
    /// Words of the title or summary, or an incident's number.
    #[serde(default)]
    q: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, PageError> {
    let shown = query
        .state
        .as_deref()
        .and_then(present)
        .unwrap_or_else(|| "open".into());
    let mut filter = IncidentFilter {
        limit: PAGE_SIZE,
        ..IncidentFilter::default()
    };
    match shown.as_str() {
        "open" => filter.open = Some(true),
        "closed" => filter.open = Some(false),
        "all" => {}
        other => {
            filter.state =
                Some(Lifecycle::parse(other).ok_or_else(|| {
                    PageError::BadRequest(format!("no incident state \"{other}\""))
                })?);
        }
    }
    filter.severity = match query.severity.as_deref().and_then(present) {
        Some(text) => Some(Severity::parse(&text).ok_or_else(|| {
            PageError::BadRequest(format!("severity \"{text}\" is not SEV1 to SEV4"))
        })?),
        None => None,
    };
    filter.service = query.service.as_deref().and_then(present);
    filter.text = query.q.as_deref().and_then(present);
    let incidents = state.store.list_incidents(&filter).await?;
    let config = state.config.current();
    let ids: Vec<String> = incidents.iter().map(|i| i.id.clone()).collect();
    let commanders = state.store.commanders(&ids).await?;
    let now = state.clock.now();
    let rows: Vec<Value> = incidents
        .iter()
        .map(|incident| {
            let start = incident.times.impact_started.unwrap_or(incident.created_at);
            let end = incident.times.resolved;
            let seconds = end.unwrap_or(now).duration_since(start).as_secs_f64();
            context! {
                commander => commanders.get(&incident.id).map(|person| {
                    config.person(person).map_or(person.clone(), |p| p.display_name().to_owned())
                }),
                duration => crate::core::noise::human_duration(seconds),
                ongoing => end.is_none() && incident.state.is_open(),
                ..serialized(incident)
            }
        })
        .collect();
    let mut service_options = services(&config);
    // A service since removed from the config can still be filtered on.
    if let Some(service) = filter
        .service
        .as_deref()
        .filter(|id| config.service(id).is_none())
    {
        service_options.push(context! { id => service, name => service });
    }
    let mut states = vec!["open", "closed", "all"];
    states.extend(Lifecycle::ALL.iter().map(|state| state.as_str()));
    Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "incidents",
    }
    .render(
        "incidents.html",
        context! {
            incidents => rows,
            q => filter.text,
            shown,
            states,
            severity => filter.severity.map(Severity::as_str),
            severities => SEVERITIES,
            service => filter.service,
            services => service_options,
        },
    )
}

/// The declare form's fields; empty ones count as absent.
#[derive(Debug, Default, Deserialize)]
pub struct DeclareForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    severity: String,
    /// Empty: the priority the severity implies.
    #[serde(default)]
    priority: String,
    #[serde(default)]
    services: OneOrMany,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    customer_impact: String,
}

async fn declare_page(
    state: &AppState,
    user: &SignedIn,
    headers: &HeaderMap,
    extra: Value,
) -> Result<Html<String>, PageError> {
    let config = state.config.current();
    Frame {
        state,
        user,
        headers,
        section: "incidents",
    }
    .render(
        "incident_new.html",
        context! {
            severities => SEVERITIES,
            priorities => PRIORITIES,
            services => services(&config),
            ..extra
        },
    )
}

pub async fn new(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
) -> Result<Html<String>, PageError> {
    user.require(Role::Responder)?;
    declare_page(&state, &user, &headers, context! {}).await
}

pub async fn declare(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    Form(form): Form<DeclareForm>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let services = form.services.into_vec();
    let declaration = match (
        Severity::parse(&form.severity),
        present(&form.priority).map(|text| Priority::parse(&text).ok_or(text)),
    ) {
        (None, _) => Err("Choose a severity: SEV1 (the worst) to SEV4.".to_owned()),
        (_, Some(Err(text))) => Err(format!("priority \"{text}\" is not P1 to P4")),
        (Some(severity), priority) => Ok(Declaration {
            title: form.title.clone(),
            severity,
            priority: priority.and_then(Result::ok),
            services: services.clone(),
            summary: present(&form.summary),
            customer_impact: present(&form.customer_impact),
        }),
    };
    let problem = match declaration {
        Ok(declaration) => match ops::declare(&state, declaration, &user.actor()).await {
            Ok(incident) => {
                tracing::info!(user = %user.user.name, incident = %incident.id, number = incident.number, "incident declared from the web UI");
                return Ok(Redirect::to(&format!(
                    "/incidents/{}?changed=declared",
                    incident.number
                ))
                .into_response());
            }
            Err(
                IncidentError::Invalid(problem)
                | IncidentError::Refused(problem)
                | IncidentError::UnknownChange(problem),
            ) => problem,
            Err(IncidentError::Store(error)) => return Err(error.into()),
        },
        Err(problem) => problem,
    };
    let page = declare_page(
        &state,
        &user,
        &headers,
        context! {
            problem,
            form => context! {
                title => form.title,
                severity => form.severity,
                priority => form.priority,
                services,
                summary => form.summary,
                customer_impact => form.customer_impact,
            },
        },
    )
    .await?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

pub(super) fn page_error(error: IncidentError) -> PageError {
    match error {
        IncidentError::Store(StoreError::NotFound) => PageError::NotFound("incident"),
        IncidentError::Store(error) => error.into(),
        // Reading refuses nothing; should it, the sentence is still the one to show.
        IncidentError::Invalid(message)
        | IncidentError::Refused(message)
        | IncidentError::UnknownChange(message) => PageError::BadRequest(message),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    #[serde(default)]
    changed: Option<String>,
}

/// `/incidents/{id}` (the id or the number).
pub async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(key): PagePath,
    Query(flash): Query<Flash>,
) -> Result<Html<String>, PageError> {
    incident_page(
        &state,
        &user,
        &headers,
        &key,
        context! { changed => flash.changed },
    )
    .await
}

pub(super) async fn incident_page(
    state: &AppState,
    user: &SignedIn,
    headers: &HeaderMap,
    key: &str,
    extra: Value,
) -> Result<Html<String>, PageError> {
    let view = view::detail(state, key).await.map_err(page_error)?;
    // The view's what changed, not a second read of it.
    let timeline = view::timeline_of(&state.store, &view).await?;
    let config = state.config.current();
    let zone = viewer_time_zone(headers);
    let incident = &view.incident;
    let name_of = |person: &str| {
        config
            .person(person)
            .map_or(person, |person| person.display_name())
            .to_owned()
    };
    let roles: Vec<Value> = IncidentRole::ALL
        .into_iter()
        .map(|role| {
            let holding = view.roles.get(role.as_str()).cloned().flatten();
            context! {
                role => role.as_str(),
                person => holding.as_ref().map(|holding| holding.person.clone()),
                name => holding.as_ref().map(|holding| name_of(&holding.person)),
                since => holding.map(|holding| holding.since.to_string()),
            }
        })
        .collect();
    let role_history: Vec<Value> = view
        .role_history
        .iter()
        .map(|holding| {
            context! {
                role => holding.role.as_str(),
                name => name_of(&holding.person),
                since => holding.since.to_string(),
                until => holding.until.map(|until| until.to_string()),
                assigned_by => &holding.assigned_by,
            }
        })
        .collect();
    let times = incident.times;
    let key_times: Vec<Value> = KEY_TIMES
        .into_iter()
        .zip([
            times.impact_started,
            times.detected,
            times.acknowledged,
            times.mitigated,
            times.resolved,
        ])
        .map(|((field, label), at)| {
            context! {
                field,
                label,
                at => at.map(|at| at.to_string()),
                local => at.map(|at| local_input(at, &zone)).unwrap_or_default(),
            }
        })
        .collect();
    let timeline: Vec<Value> = timeline
        .iter()
        .map(|entry| {
            context! {
                at => entry.at.to_string(),
                kind => &entry.kind,
                text => &entry.text,
                actor => &entry.actor,
                link => safe_link(entry.link.as_deref()),
                external => entry.link.as_deref().is_some_and(|link| !link.starts_with('/')),
                starred => entry.starred,
            }
        })
        .collect();
    // Its own chat channels: Slack's open through Slack's redirect; a Mattermost one is named.
    let mut by_app: Vec<&String> = incident.chat_channels.iter().collect();
    by_app.sort();
    let chat_channels: Vec<Value> = by_app
        .into_iter()
        .filter_map(|named| named.split_once('#'))
        .map(|(app, channel)| {
            use crate::integrations::outbound::config::ChatAppConfig;
            match config.chat_app(app) {
                Some(ChatAppConfig::Slack(_)) => context! {
                    label => format!("Slack ({app})"),
                    link => format!("https://slack.com/app_redirect?channel={channel}"),
                },
                _ => context! { label => format!("Mattermost ({app}): channel {channel}") },
            }
        })
        .collect();
    let what_changed: Vec<Value> = view
        .what_changed
        .iter()
        .map(|change| {
            context! {
                id => &change.id,
                at => change.at.to_string(),
                kind => change.kind,
                title => &change.title,
                link => safe_link(change.url.as_deref()),
                repository => &change.repository,
                actor => &change.actor,
                before => &change.before,
                suspected => change.suspected,
                likely => change.likely,
                ruled_out => change.ruled_out,
            }
        })
        .collect();
    // The cause may have been named through the API: one that is not among what changed is
    // still shown.
    let cause_listed = view.what_changed.iter().any(|change| change.suspected);
    let people: Vec<Value> = config
        .people
        .iter()
        .map(|person| context! { id => &person.id, name => person.display_name() })
        .collect();
    // The Resolve button stands for the move to resolved.
    let moves: Vec<&str> = incident
        .state
        .next()
        .iter()
        .filter(|state| **state != Lifecycle::Resolved)
        .map(|state| state.as_str())
        .collect();
    let last_status = view
        .updates
        .last()
        .map_or("investigating", |update| update.status.as_str());
    let follow_up = super::action_items::incident_section(state, user, incident).await?;
    Frame {
        state,
        user,
        headers,
        section: "incidents",
    }
    .render(
        "incident.html",
        context! {
            incident => serialized(incident),
            services => incident.services.iter().map(|id| context! {
                id,
                name => config.service(id).and_then(|service| service.name.as_deref()).unwrap_or(id),
            }).collect::<Vec<_>>(),
            is_open => incident.state.is_open(),
            can_acknowledge => incident.state.is_open() && times.acknowledged.is_none(),
            moves,
            roles,
            role_history,
            people,
            key_times,
            updates => serialized(&view.updates),
            update_statuses => UPDATE_STATUSES,
            last_status,
            commander => view.roles.get("commander").cloned().flatten().map(|holding| name_of(&holding.person)),
            alerts => serialized(&view.alerts),
            suggested_alerts => serialized(&suggested_alerts(state, incident, &view.alerts).await?),
            timeline,
            what_changed,
            chat_channels,
            cause_unlisted => incident.causing_deployment.as_ref().filter(|_| !cause_listed),
            earlier => serialized(&view.earlier),
            ..context! { ..follow_up, ..extra }
        },
    )
}

/// Where an action lands: back on the incident's page with a flash saying what it did, or on
/// the page again with the sentence saying why not. `again` is what the page needs to show
/// the form as it was sent.
async fn acted(
    state: &AppState,
    user: &SignedIn,
    headers: &HeaderMap,
    key: &str,
    result: Result<Incident, IncidentError>,
    changed: &str,
    again: Value,
) -> Result<Response, PageError> {
    let (status, problem) = match result {
        Ok(incident) => {
            tracing::info!(user = %user.user.name, incident = %incident.id, action = changed, "incident changed from the web UI");
            return Ok(
                Redirect::to(&format!("/incidents/{}?changed={changed}", incident.number))
                    .into_response(),
            );
        }
        Err(IncidentError::Invalid(problem)) => (StatusCode::BAD_REQUEST, problem),
        Err(IncidentError::Refused(problem)) => (StatusCode::CONFLICT, problem),
        Err(error) => return Err(page_error(error)),
    };
    let page = incident_page(state, user, headers, key, context! { problem, ..again }).await?;
    Ok((status, page).into_response())
}

pub async fn acknowledge(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(key): PagePath,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let result = crate::alerts::ops::acknowledge_incident(&state, &key, &user.actor()).await;
    acted(
        &state,
        &user,
        &headers,
        &key,
        result,
        "acknowledged",
        context! {},
    )
    .await
}

pub async fn resolve(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(key): PagePath,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let result = ops::resolve(&state, &key, &user.actor()).await;
    acted(
        &state,
        &user,
        &headers,
        &key,
        result,
        "resolved",
        context! {},
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    to: String,
}

/// A move through the lifecycle, one of the buttons `State::next` gives.
pub async fn move_to(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(key): PagePath,
    Form(form): Form<MoveForm>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let result = match Lifecycle::parse(&form.to) {
        Some(to) => {
            ops::change(
                &state,
                &key,
                IncidentEdit {
                    state: Some(to),
                    ..IncidentEdit::default()
                },
                &user.actor(),
            )
            .await
        }
        None => Err(IncidentError::Invalid(format!(
            "\"{}\" is not a state of the lifecycle",
            form.to
        ))),
    };
    acted(&state, &user, &headers, &key, result, "moved", context! {}).await
}

#[derive(Debug, Default, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    person: String,
}

pub async fn assign_role(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(key): PagePath,
    Form(form): Form<RoleForm>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let result = match IncidentRole::parse(form.role.trim()) {
        Some(role) => ops::assign_role(&state, &key, role, form.person.trim(), &user.actor()).await,
        None => Err(IncidentError::Invalid(format!(
            "role \"{}\" is none of commander, communications, scribe",
            form.role
        ))),
    };
    acted(&state, &user, &headers, &key, result, "role", context! {}).await
}

/// The key times form: each time as a `datetime-local` value in the viewer's zone, beside the
/// value it was shown with (`<field>_was`). Only the times a person changed are edited, so
/// the minutes the input drops, and a time someone else set meanwhile, are left alone.
pub async fn edit_times(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(key): PagePath,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let zone = viewer_time_zone(&headers);
    let mut edit = KeyTimesEdit::default();
    let mut unreadable = None;
    for ((field, label), slot) in KEY_TIMES.into_iter().zip([
        &mut edit.impact_started,
        &mut edit.detected,
        &mut edit.acknowledged,
        &mut edit.mitigated,
        &mut edit.resolved,
    ]) {
        let value = form.get(field).map_or("", |value| value.trim());
        let was = form
            .get(&format!("{field}_was"))
            .map_or("", |value| value.trim());
        if value == was {
            continue;
        }
        *slot = if value.is_empty() {
            Some(None)
        } else {
            match local_time(value, &zone) {
                Some(at) => Some(Some(at)),
                None => {
                    if unreadable.is_none() {
                        unreadable = Some(format!("{label}: \"{value}\" is not a date and time"));
                    }
                    None
                }
            }
        };
    }
    let result = match unreadable {
        Some(problem) => Err(IncidentError::Invalid(problem)),
        None => {
            ops::change(
                &state,
                &key,
                IncidentEdit {
                    times: Some(edit),
                    ..IncidentEdit::default()
                },
                &user.actor(),
            )
            .await
        }
    };
    let entered: BTreeMap<&str, String> = KEY_TIMES
        .iter()
        .map(|(field, _)| (*field, form.get(*field).cloned().unwrap_or_default()))
        .collect();
    acted(
        &state,
        &user,
        &headers,
        &key,
        result,
        "times",
        context! { times_form => entered },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    message: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    public: Option<String>,
}

pub async fn post_update(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(key): PagePath,
    Form(form): Form<UpdateForm>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let public = form.public.is_some();
    let result = match UpdateStatus::parse(&form.status) {
        Some(status) => {
            ops::update(&state, &key, status, &form.message, public, &user.actor()).await
        }
        None => Err(IncidentError::Invalid(format!(
            "status \"{}\" is none of investigating, identified, monitoring, resolved",
            form.status
        ))),
    };
    acted(
        &state,
        &user,
        &headers,
        &key,
        result,
        if public { "update_public" } else { "update" },
        context! {
            update_form => context! { status => form.status, message => form.message, public },
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    text: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    starred: Option<String>,
}

pub async fn add_note(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(key): PagePath,
    Form(form): Form<NoteForm>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let starred = form.starred.is_some();
    let result = ops::note(&state, &key, &form.text, starred, &user.actor()).await;
    acted(
        &state,
        &user,
        &headers,
        &key,
        result,
        "note",
        context! { note_form => context! { text => form.text, starred } },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct CauseForm {
    /// The id of an entry of what changed.
    #[serde(default)]
    change: String,
}

/// "Mark as suspected cause" (or "Confirm as cause"): names the change as the incident's
/// `causing_deployment`.
pub async fn mark_cause(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(key): PagePath,
    Form(form): Form<CauseForm>,
) -> Result<Response, PageError> {
    about_cause(&state, &headers, &user, &key, &form.change, false).await
}

#[derive(Debug, Default, Deserialize)]
pub struct AttachForm {
    #[serde(default)]
    alert: String,
}

/// "Attach": a firing alert on the incident's services joins it.
pub async fn attach_alert(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(key): PagePath,
    Form(form): Form<AttachForm>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let result =
        crate::alerts::ops::attach_to_incident(&state, &key, &[form.alert], &user.actor()).await;
    acted(
        &state,
        &user,
        &headers,
        &key,
        result,
        "attached",
        context! {},
    )
    .await
}

/// Alerts still firing on the incident's services that have not joined it: what a responder
/// who declared it by hand is offered to attach.
async fn suggested_alerts(
    state: &AppState,
    incident: &Incident,
    joined: &[crate::store::incidents::JoinedAlert],
) -> Result<Vec<crate::store::alerts::Alert>, StoreError> {
    let mut suggested = Vec::new();
    if !incident.state.is_open() {
        return Ok(suggested);
    }
    for service in &incident.services {
        let firing = state
            .store
            .list_alerts(&crate::store::alerts::AlertFilter {
                open: true,
                service: Some(service.clone()),
                limit: 20,
                ..Default::default()
            })
            .await?;
        suggested.extend(
            firing
                .into_iter()
                .filter(|alert| !joined.iter().any(|j| j.alert_id == alert.id)),
        );
    }
    Ok(suggested)
}

/// The overview's panel: the open incidents, newest first.
pub async fn open_incidents(state: &AppState) -> Result<Vec<Incident>, StoreError> {
    state
        .store
        .list_incidents(&IncidentFilter {
            open: Some(true),
            limit: OVERVIEW_LIMIT,
            ..IncidentFilter::default()
        })
        .await
}

/// "Not the cause": a person rules a suggested change out, and the suggestion moves on.
pub async fn rule_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(key): PagePath,
    Form(form): Form<CauseForm>,
) -> Result<Response, PageError> {
    about_cause(&state, &headers, &user, &key, &form.change, true).await
}

async fn about_cause(
    state: &AppState,
    headers: &HeaderMap,
    user: &SignedIn,
    key: &str,
    change: &str,
    rule_out: bool,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let result = match present(change) {
        Some(change) => {
            let change = if rule_out {
                IncidentEdit {
                    ruled_out: Some(change),
                    ..IncidentEdit::default()
                }
            } else {
                IncidentEdit {
                    causing_deployment: Some(change),
                    ..IncidentEdit::default()
                }
            };
            ops::change(state, key, change, &user.actor()).await
        }
        None => Err(IncidentError::Invalid("say which change is meant".into())),
    };
    acted(state, user, headers, key, result, "cause", context! {}).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_in_app_links_are_links() {
        assert_eq!(
            safe_link(Some("https://github.com/acme/api/pull/7")).as_deref(),
            Some("https://github.com/acme/api/pull/7")
        );
        assert_eq!(
            safe_link(Some("/alerts/01J")).as_deref(),
            Some("/alerts/01J")
        );
        assert_eq!(safe_link(Some("javascript:alert(1)")), None);
        assert_eq!(safe_link(Some("//evil.example/x")), None);
        assert_eq!(safe_link(None), None);
    }
}
