//! One read of everything the public page shows, with nothing private in it: incident names
//! (an automatic incident's title, taken from an alert, is replaced), public updates without
//! who wrote them, components, maintenance windows and history.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::config::Config;
use crate::config::statuspage::StatusPageConfig;
use crate::core::incident::{Severity, State};
use crate::core::status::{self, ComponentStatus, Day, Span};
use crate::store::incidents::Incident;
use crate::store::{Store, StoreError};

/// How far back the page looks.
pub const HISTORY_DAYS: i64 = 90;

#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub built_at: Timestamp,
    pub page: Page,
    pub indicator: &'static str,
    pub description: &'static str,
    pub components: Vec<Component>,
    /// The components as the page draws them: each group (by its first member's place),
    /// and each component of no group on its own.
    pub groups: Vec<Group>,
    /// Which ways to subscribe the page offers; `None` for none.
    pub subscribe: Option<SubscribeOptions>,
    /// Newest first; open ones and those of the last 90 days.
    pub incidents: Vec<PublicIncident>,
    pub maintenances: Vec<Maintenance>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub title: String,
    pub url: String,
    pub logo_url: Option<String>,
    pub links: Vec<(String, String)>,
    pub timezone: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Component {
    pub id: String,
    pub name: String,
    pub group: Option<String>,
    pub description: Option<String>,
    pub status: ComponentStatus,
    /// Set by hand: the page says so (never by whom).
    pub manual: Option<ManualStatus>,
    pub history: Vec<Day>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// `None` for a component of no group.
    pub name: Option<String>,
    /// The worst of its members'.
    pub status: ComponentStatus,
    /// Places in `components`.
    pub members: Vec<usize>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct SubscribeOptions {
    pub email: bool,
    pub webhook: bool,
}

/// Components in order, grouped where they name a group.
pub fn groups(components: &[Component]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for (place, component) in components.iter().enumerate() {
        let joined = component
            .group
            .as_ref()
            .and_then(|name| groups.iter_mut().find(|g| g.name.as_ref() == Some(name)));
        match joined {
            Some(group) => {
                group.status = group.status.max(component.status);
                group.members.push(place);
            }
            None => groups.push(Group {
                name: component.group.clone(),
                status: component.status,
                members: vec![place],
            }),
        }
    }
    groups
}

#[derive(Debug, Clone, Serialize)]
pub struct ManualStatus {
    pub note: Option<String>,
    pub since: Timestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicIncident {
    pub id: String,
    pub name: String,
    /// Statuspage's impact: `minor`, `major` or `critical`.
    pub impact: &'static str,
    /// The latest public update's status.
    pub status: String,
    pub open: bool,
    pub components: Vec<String>,
    pub started_at: Timestamp,
    pub updated_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    /// Newest first.
    pub updates: Vec<PublicUpdate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PublicUpdate {
    pub status: String,
    pub body: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct Maintenance {
    pub id: String,
    pub name: String,
    /// `in_progress` or `scheduled`.
    pub status: &'static str,
    pub components: Vec<String>,
    pub scheduled_for: Timestamp,
    pub scheduled_until: Timestamp,
    /// When the window was made, and when it last changed: made, or begun.
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn impact(incident: &Incident) -> &'static str {
    match status::from_incident(incident.severity, State::Active) {
        ComponentStatus::MajorOutage => "critical",
        ComponentStatus::PartialOutage => "major",
        _ => "minor",
    }
}

/// The page's public address, with no trailing slash: links in the page, the feeds and the
/// subscribers' messages start with it.
pub fn page_url(config: &Config) -> String {
    config
        .status_page
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{}/status", config.server.base_url()))
        .trim_end_matches('/')
        .to_owned()
}

/// What customers see of an incident, given its public updates (oldest first): `None` when
/// it shows on no component.
pub fn public_incident(
    settings: &StatusPageConfig,
    incident: &Incident,
    mut updates: Vec<PublicUpdate>,
) -> Option<PublicIncident> {
    let components = settings.components_of(&incident.services);
    if components.is_empty() {
        return None;
    }
    updates.reverse();
    let name = if incident.declared_by.starts_with("alert:") {
        // An alert's summary is not for customers.
        let names: Vec<&str> = settings
            .components
            .iter()
            .filter(|c| components.contains(&c.id()))
            .map(|c| c.name.as_str())
            .collect();
        format!("Degraded service: {}", names.join(", "))
    } else {
        incident.title.clone()
    };
    let open = incident.state.is_open();
    Some(PublicIncident {
        id: incident.id.clone(),
        name,
        impact: impact(incident),
        status: updates
            .first()
            .map(|u| u.status.clone())
            .unwrap_or_else(|| "investigating".into()),
        open,
        components,
        started_at: incident.times.impact_started.unwrap_or(incident.created_at),
        updated_at: updates.first().map_or(incident.updated_at, |u| u.at),
        resolved_at: incident.times.resolved.filter(|_| !open),
        updates,
    })
}

pub async fn build(store: &Store, config: &Config, now: Timestamp) -> Result<Snapshot, StoreError> {
    let settings = &config.status_page;
    let since = now
        .checked_sub(SignedDuration::from_hours(24 * HISTORY_DAYS))
        .unwrap_or(now);
    let components_of = |services: &[String]| settings.components_of(services);
    // Incidents with at least one public update: the others never reach the page.
    let mut updates: BTreeMap<String, Vec<PublicUpdate>> = BTreeMap::new();
    for (incident, update) in store.public_updates_since(since).await? {
        updates.entry(incident).or_default().push(PublicUpdate {
            status: update.status.as_str().to_owned(),
            body: update.message,
            at: update.at,
        });
    }
    let mut incidents = Vec::new();
    // The open ones' severity and state, which set their components' status.
    let mut states: BTreeMap<String, (Severity, State)> = BTreeMap::new();
    for (id, list) in updates {
        let incident = match store.get_incident(&id).await {
            Ok(incident) => incident,
            Err(StoreError::NotFound) => continue,
            Err(error) => return Err(error),
        };
        let Some(public) = public_incident(settings, &incident, list) else {
            continue;
        };
        if public.open {
            states.insert(incident.id.clone(), (incident.severity, incident.state));
        }
        incidents.push(public);
    }
    incidents.sort_by_key(|i| std::cmp::Reverse(i.started_at));
    // Maintenance windows of the components' services: in force or next, and the runs of the
    // last 90 days (a recurring window's too) for the history.
    let mut maintenances = Vec::new();
    let mut past_runs: Vec<(Vec<String>, Span)> = Vec::new();
    for silence in store.list_silences().await? {
        if silence.kind != crate::store::alerts::SilenceKind::Maintenance {
            continue;
        }
        let Some(service) = &silence.service else {
            continue;
        };
        let components = components_of(std::slice::from_ref(service));
        if components.is_empty() {
            continue;
        }
        let until = silence.expired_at.map_or(now, |at| at.min(now));
        // A recurring window's runs from before it was made are no history.
        let from = since.max(silence.created_at);
        for (start, end) in silence.schedule.windows_between(from, until, 400) {
            let end = end.min(until);
            past_runs.push((
                components.clone(),
                Span {
                    start,
                    // A window still running is open-ended, as an open incident is.
                    end: (end < now || silence.expired_at.is_some()).then_some(end),
                    status: ComponentStatus::UnderMaintenance,
                    what: silence.comment.clone(),
                },
            ));
        }
        if silence.expired_at.is_some_and(|at| at <= now) {
            continue;
        }
        let (window, in_progress) = match silence.schedule.window_at(now) {
            Some(window) => (Some(window), true),
            None => (silence.schedule.next_window_after(now), false),
        };
        if let Some((start, end)) = window {
            maintenances.push(Maintenance {
                id: silence.id.clone(),
                name: silence.comment.clone(),
                status: if in_progress {
                    "in_progress"
                } else {
                    "scheduled"
                },
                components,
                scheduled_for: start,
                scheduled_until: end,
                created_at: silence.created_at,
                updated_at: if in_progress {
                    silence.created_at.max(start)
                } else {
                    silence.created_at
                },
            });
        }
    }
    maintenances.sort_by_key(|m| m.scheduled_for);
    let zone = settings.zone();
    let overrides = store.status_overrides().await?;
    let mut components = Vec::new();
    for component in &settings.components {
        let id = component.id();
        let mut current = ComponentStatus::Operational;
        let mut spans = Vec::new();
        for incident in incidents.iter().filter(|i| i.components.contains(&id)) {
            if let Some((severity, state)) = states.get(&incident.id) {
                current = current.max(status::from_incident(*severity, *state));
            }
            spans.push(Span {
                start: incident.started_at,
                end: incident.resolved_at,
                status: match incident.impact {
                    "critical" => ComponentStatus::MajorOutage,
                    "major" => ComponentStatus::PartialOutage,
                    _ => ComponentStatus::DegradedPerformance,
                },
                what: incident.name.clone(),
            });
        }
        if maintenances
            .iter()
            .any(|m| m.status == "in_progress" && m.components.contains(&id))
        {
            current = current.max(ComponentStatus::UnderMaintenance);
        }
        spans.extend(
            past_runs
                .iter()
                .filter(|(components, _)| components.contains(&id))
                .map(|(_, span)| span.clone()),
        );
        let manual = overrides.iter().find(|o| o.component == id).map(|set| {
            current = set.status;
            ManualStatus {
                note: set.note.clone(),
                since: set.set_at,
            }
        });
        components.push(Component {
            id,
            name: component.name.clone(),
            group: component.group.clone(),
            description: component.description.clone(),
            status: current,
            manual,
            history: status::history(&spans, now, &zone, HISTORY_DAYS),
        });
    }
    let worst = components
        .iter()
        .map(|c| c.status)
        .max()
        .unwrap_or(ComponentStatus::Operational);
    let (indicator, description) = status::overall(worst);
    Ok(Snapshot {
        built_at: now,
        page: Page {
            title: settings.title.clone(),
            url: page_url(config),
            logo_url: settings.logo_url.clone(),
            links: settings
                .links
                .iter()
                .map(|l| (l.name.clone(), l.url.clone()))
                .collect(),
            timezone: settings.timezone.clone(),
        },
        indicator,
        description,
        groups: groups(&components),
        subscribe: settings.subscribers.enabled().then_some(SubscribeOptions {
            email: settings.subscribers.email.is_some(),
            webhook: settings.subscribers.webhooks,
        }),
        components,
        incidents,
        maintenances,
    })
}
