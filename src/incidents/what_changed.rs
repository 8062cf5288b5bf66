//! What changed before an incident: for its services' repositories, over a window before
//! impact started, the merged pull and merge requests, the finished deployments and the
//! pushes to the default branch, closest to the start first. The store keeps every forge
//! event, so this is a query over it; announcements and recorded deployments join later
//! through the same list.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::config::Config;
use crate::core::forge::{ForgeEvent, Outcome};
use crate::integrations::outbound::message::short_sha;
use crate::store::incidents::{Incident, StoredForgeEvent};
use crate::store::{Store, StoreError};

/// How many changes an incident lists at most.
const LIMIT: usize = 100;

/// The timeline kind of a change a person ruled out as the cause.
pub const RULED_OUT: &str = "ruled_out";

/// Where an entry of what changed is on the incident's page: a ruled-out entry links there.
pub fn anchor(id: &str) -> String {
    format!("#change-{id}")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeEntry {
    /// The event's id: what `causing_deployment` names.
    pub id: String,
    pub at: Timestamp,
    /// `merge`, `deployment`, `push`, `change` (a change event) or `announcement`.
    pub kind: &'static str,
    pub title: String,
    pub url: Option<String>,
    pub repository: String,
    pub actor: Option<String>,
    /// How long before impact started, in seconds, and in words.
    pub before_seconds: i64,
    pub before: String,
    /// Marked as the suspected cause.
    pub suspected: bool,
    /// The production deployment closest before the impact, within `[metrics]
    /// attribution_window`, when no cause is named: the suggested cause, for a person to
    /// confirm or rule out.
    pub likely: bool,
    /// A person ruled it out as the cause.
    pub ruled_out: bool,
    /// A deployment's environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

/// What kind of change a forge event is, with its title; `None` when it is not one.
pub fn classify(event: &ForgeEvent) -> Option<(&'static str, String)> {
    match event.kind.as_str() {
        "pull_request" if event.action == "merged" => Some((
            "merge",
            match (event.number, &event.title) {
                (Some(number), Some(title)) => format!("#{number} {title} merged"),
                (Some(number), None) => format!("#{number} merged"),
                (None, title) => format!("{} merged", title.as_deref().unwrap_or("change")),
            },
        )),
        "deployment" => {
            let outcome = event.outcome?;
            let result = match outcome {
                Outcome::Success => "succeeded",
                Outcome::Failure => "failed",
                _ => return None,
            };
            let deployment = event.deployment.as_ref()?;
            let what = deployment
                .sha
                .as_deref()
                .map(short_sha)
                .or_else(|| deployment.reference.clone())
                .unwrap_or_default();
            Some((
                "deployment",
                format!(
                    "Deployment of {what} to {} {result}",
                    if deployment.environment.is_empty() {
                        "an environment"
                    } else {
                        deployment.environment.as_str()
                    }
                ),
            ))
        }
        // A change event (PagerDuty's Change Events): its summary says what it was.
        "change" => Some(("change", event.title.clone()?)),
        "push" => {
            let push = event.push.as_ref()?;
            let branch = event.branch.as_deref()?;
            let default = match push.default_branch.as_deref() {
                Some(default) => branch == default,
                // A sender that does not say: the names default branches have.
                None => matches!(branch, "main" | "master"),
            };
            if !default || push.deleted {
                return None;
            }
            let first = push
                .commits
                .last()
                .map(|commit| format!(": {}", commit.title))
                .unwrap_or_default();
            Some((
                "push",
                format!(
                    "{} commit{} pushed to {branch}{first}",
                    push.total_commits,
                    if push.total_commits == 1 { "" } else { "s" }
                ),
            ))
        }
        _ => None,
    }
}

/// The changes among `events` (newest first), as listed: closest to `start` first.
pub fn entries(
    events: &[StoredForgeEvent],
    start: Timestamp,
    suspected: Option<&str>,
) -> Vec<ChangeEntry> {
    events
        .iter()
        .filter_map(|stored| {
            let event: ForgeEvent = serde_json::from_str(&stored.normalized).ok()?;
            let (kind, title) = classify(&event)?;
            let before = start
                .duration_since(stored.received_at)
                .max(SignedDuration::ZERO);
            Some(ChangeEntry {
                id: stored.id.clone(),
                at: stored.received_at,
                kind,
                title,
                url: event.url.clone(),
                repository: event.repository.clone(),
                actor: event.actor.clone(),
                before_seconds: before.as_secs(),
                before: format!(
                    "{} before",
                    crate::core::noise::human_duration(before.as_secs_f64())
                ),
                suspected: suspected == Some(stored.id.as_str()),
                likely: false,
                ruled_out: false,
                environment: event.deployment.as_ref().map(|d| d.environment.clone()),
            })
        })
        .take(LIMIT)
        .collect()
}

/// When the incident's impact started, as "what changed" measures from.
pub fn start(incident: &Incident) -> Timestamp {
    incident
        .times
        .impact_started
        .or(incident.times.detected)
        .unwrap_or(incident.created_at)
}

/// The repositories of the incident's services, and the services' own names (a deployment
/// recorded for a service with no `repos` is filed under its name).
pub fn repositories(config: &Config, incident: &Incident) -> Vec<String> {
    let mut repositories: Vec<String> = incident
        .services
        .iter()
        .filter_map(|service| config.service(service))
        .flat_map(|service| service.repos.iter().cloned())
        .chain(incident.services.iter().cloned())
        .collect();
    repositories.sort();
    repositories.dedup();
    repositories
}

pub async fn what_changed(
    store: &Store,
    config: &Config,
    incident: &Incident,
) -> Result<Vec<ChangeEntry>, StoreError> {
    let start = start(incident);
    let from = start
        .checked_sub(config.incidents.what_changed_window())
        .unwrap_or(start);
    let events = store
        .forge_events_between(&repositories(config, incident), from, start, 1000)
        .await?;
    let suspected = incident.causing_deployment.as_deref();
    let mut listed = entries(&events, start, suspected);
    let announced = store
        .list_announcements(&crate::store::changes::ChangeFilter {
            services: incident.services.clone(),
            from: Some(from),
            to: Some(start),
            limit: 100,
            ..Default::default()
        })
        .await?;
    listed.extend(announced.into_iter().map(|change| {
        let before = start
            .duration_since(change.created_at)
            .max(SignedDuration::ZERO);
        ChangeEntry {
            url: Some(crate::changes::notices::page_url(config, &change.id)),
            suspected: suspected == Some(change.id.as_str()),
            id: change.id,
            at: change.created_at,
            kind: "announcement",
            title: format!(
                "Announced: {} ({} risk, {})",
                change.summary,
                change.risk.as_str(),
                change.environment
            ),
            repository: change.service,
            actor: Some(change.announced_by),
            before_seconds: before.as_secs(),
            before: format!(
                "{} before",
                crate::core::noise::human_duration(before.as_secs_f64())
            ),
            likely: false,
            ruled_out: false,
            environment: Some(change.environment),
        }
    }));
    // Closest to the start first, whichever store it came from.
    listed.sort_by_key(|entry| std::cmp::Reverse(entry.at));
    listed.truncate(LIMIT);
    let ruled_out: Vec<String> = store
        .incident_timeline(&incident.id)
        .await?
        .into_iter()
        .filter(|entry| entry.kind == RULED_OUT)
        .filter_map(|entry| entry.link)
        .collect();
    suggest(config, incident, &mut listed, &ruled_out);
    Ok(listed)
}

/// Marks the likely cause among `listed` (closest first), unless a cause is named: the
/// closest deployment to one of the incident's services' production environments within the
/// attribution window, that nobody ruled out.
pub fn suggest(
    config: &Config,
    incident: &Incident,
    listed: &mut [ChangeEntry],
    ruled_out: &[String],
) {
    let window = config.metrics.attribution_window().as_secs();
    let production = |environment: &str| {
        incident.services.iter().any(|service| {
            config
                .production_environments(service)
                .iter()
                .any(|e| e == environment)
        })
    };
    for entry in listed.iter_mut() {
        entry.ruled_out = ruled_out.contains(&anchor(&entry.id));
    }
    if incident.causing_deployment.is_some() {
        return;
    }
    if let Some(likely) = listed.iter_mut().find(|entry| {
        entry.kind == "deployment"
            && !entry.ruled_out
            && entry.before_seconds <= window
            && entry.environment.as_deref().is_some_and(production)
    }) {
        likely.likely = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::forge::{Deployment, Push};

    fn event(kind: &str, action: &str) -> ForgeEvent {
        ForgeEvent {
            kind: kind.into(),
            action: action.into(),
            repository: "acme/api".into(),
            ..ForgeEvent::default()
        }
    }

    fn push(branch: &str, default: Option<&str>, deleted: bool) -> ForgeEvent {
        ForgeEvent {
            branch: Some(branch.into()),
            push: Some(Push {
                ref_type: "branch".into(),
                deleted,
                total_commits: 2,
                default_branch: default.map(str::to_owned),
                ..Push::default()
            }),
            ..event("push", "pushed")
        }
    }

    fn deployment(outcome: Option<Outcome>) -> ForgeEvent {
        ForgeEvent {
            outcome,
            deployment: Some(Deployment {
                environment: "production".into(),
                sha: Some("9049f1265b7d61be4a8904a9a27120d2064dab3b".into()),
                ..Deployment::default()
            }),
            ..event("deployment", "success")
        }
    }

    #[test]
    fn changes_are_merges_finished_deployments_and_default_branch_pushes() {
        let merged = ForgeEvent {
            number: Some(42),
            title: Some("Cap the pool".into()),
            ..event("pull_request", "merged")
        };
        let cases: Vec<(ForgeEvent, Option<&str>)> = vec![
            (merged, Some("#42 Cap the pool merged")),
            (event("pull_request", "closed"), None),
            (event("pull_request", "opened"), None),
            (
                push("main", Some("main"), false),
                Some("2 commits pushed to main"),
            ),
            (
                push("trunk", Some("trunk"), false),
                Some("2 commits pushed to trunk"),
            ),
            (push("feature-x", Some("main"), false), None),
            (push("main", Some("main"), true), None),
            // A sender that does not name its default branch: main and master are.
            (
                push("master", None, false),
                Some("2 commits pushed to master"),
            ),
            (push("feature-x", None, false), None),
            (
                deployment(Some(Outcome::Success)),
                Some("Deployment of 9049f12 to production succeeded"),
            ),
            (
                deployment(Some(Outcome::Failure)),
                Some("Deployment of 9049f12 to production failed"),
            ),
            (deployment(Some(Outcome::Pending)), None),
            (deployment(None), None),
            (event("review", "approved"), None),
            (event("build", "completed"), None),
        ];
        for (event, expected) in cases {
            assert_eq!(
                classify(&event).map(|(_, title)| title).as_deref(),
                expected,
                "{event:?}"
            );
        }
    }

    #[test]
    fn entries_come_closest_to_the_start_first_and_say_how_long_before() {
        let start: Timestamp = "2026-11-02T01:00:00Z".parse().unwrap();
        let stored = |id: &str, at: &str, event: &ForgeEvent| StoredForgeEvent {
            id: id.into(),
            received_at: at.parse().unwrap(),
            normalized: serde_json::to_string(event).unwrap(),
        };
        let events = [
            stored(
                "e3",
                "2026-11-02T00:30:00Z",
                &deployment(Some(Outcome::Success)),
            ),
            stored("e2", "2026-11-01T22:00:00Z", &event("review", "approved")),
            stored(
                "e1",
                "2026-11-01T20:00:00Z",
                &push("main", Some("main"), false),
            ),
        ];
        let listed: Vec<(String, String, bool)> = entries(&events, start, Some("e3"))
            .into_iter()
            .map(|entry| (entry.id, entry.before, entry.suspected))
            .collect();
        assert_eq!(
            listed,
            [
                ("e3".to_owned(), "30m before".to_owned(), true),
                ("e1".to_owned(), "5h before".to_owned(), false),
            ]
        );
    }
}
