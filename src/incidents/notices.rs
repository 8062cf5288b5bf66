//! How incidents are told in chat (kind `incident`): the declaration, each status update, the
//! resolution, and the commander's reminder when updates are overdue. Each goes to the
//! incident channels and the owning teams' channels; SEV1 and SEV2 also to `[incidents]
//! heads_up`. Every message links to the incident's page.

use std::collections::HashSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::core::routing::Target;
use crate::i18n::Locale;
use crate::integrations::outbound::EventMessage;
use crate::integrations::outbound::message::{Message, Span, bold, link, text};
use crate::store::incidents::Incident;
use crate::store::{EventStatus, NewEvent};

pub const INCIDENT_NOTICE_KIND: &str = "incident";

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Told {
    Declared,
    /// Only through a chat app, where it updates the declaration's message in place.
    Acknowledged,
    Update,
    Resolved,
    Reminder,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IncidentNotice {
    pub told: Told,
    pub incident_id: String,
    pub title: String,
    pub severity: String,
    pub priority: String,
    pub state: String,
    pub services: Vec<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// Who the message is for (the commander of a reminder), in the platform's mention syntax
    /// when the person has one.
    #[serde(default)]
    pub mention: Option<String>,
    #[serde(default)]
    pub mention_is_handle: bool,
    /// Who acknowledged or resolved it, as the record names them.
    #[serde(default)]
    pub by: Option<String>,
    pub url: String,
}

/// The incident's page.
pub fn page_url(config: &Config, id: &str) -> String {
    format!("{}/incidents/{id}", config.server.base_url())
}

/// Where an incident is told: the incident channels, its services' team channels, for SEV1
/// and SEV2 (not for a reminder) the heads-up broadcast, and the chat channels it was given. An acknowledgement only goes
/// where it changes a message already posted: destinations that post through a chat app.
pub fn destinations(config: &Config, incident: &Incident, told: Told) -> Vec<String> {
    let mut seen = HashSet::new();
    let through_app = |name: &str| {
        config
            .delivery_destination(name)
            .is_some_and(|destination| destination.app().is_some())
    };
    let heads_up = incident.severity.needs_heads_up() && told != Told::Reminder;
    config
        .incidents
        .channels
        .iter()
        .map(String::as_str)
        .chain(
            incident
                .services
                .iter()
                .filter_map(|service| config.team_channel(service)),
        )
        .chain(
            heads_up
                .then_some(config.incidents.heads_up.iter().map(String::as_str))
                .into_iter()
                .flatten(),
        )
        .chain(incident.chat_channels.iter().map(String::as_str))
        .filter(|name| told != Told::Acknowledged || through_app(name))
        .filter(|name| seen.insert(*name))
        .map(str::to_owned)
        .collect()
}

/// What a chat app's message about this notice is about (`incident:ID`): the declaration posts
/// it, an acknowledgement and the resolution update it in place. Status updates and reminders
/// are news of their own, posted beside it.
pub fn chat_subject(event: &EventMessage) -> Option<(String, bool)> {
    let notice = incident_notice(event)?;
    let replaces = match notice.told {
        Told::Declared => false,
        Told::Acknowledged | Told::Resolved => true,
        Told::Update | Told::Reminder => return None,
    };
    Some((format!("incident:{}", notice.incident_id), replaces))
}

/// The declaration's buttons in the incident's state after this notice: Acknowledge (until
/// someone has), Post update and Resolve while it is open; none once resolved.
pub fn chat_buttons(
    event: &EventMessage,
    locale: Locale,
) -> Vec<crate::integrations::outbound::Button> {
    use crate::integrations::outbound::Button;
    let Some(notice) = incident_notice(event) else {
        return Vec::new();
    };
    let value = format!("incident:{}", notice.incident_id);
    let button = |action, key: &str, primary| Button {
        action,
        label: locale.text(key),
        value: value.clone(),
        primary,
    };
    match notice.told {
        Told::Declared => vec![
            button("ack", "action-acknowledge", true),
            button("update", "action-post-update", false),
            button("resolve", "action-resolve", false),
        ],
        Told::Acknowledged => vec![
            button("update", "action-post-update", true),
            button("resolve", "action-resolve", false),
        ],
        Told::Update | Told::Resolved | Told::Reminder => Vec::new(),
    }
}

fn incident_notice(event: &EventMessage) -> Option<IncidentNotice> {
    if event.kind != INCIDENT_NOTICE_KIND || event.source != "incidents" {
        return None;
    }
    serde_json::from_value(event.payload.clone()).ok()
}

/// The notice event, or `None` when the incident is told nowhere. `key` makes it unique
/// (a store retry makes it once).
pub fn notice(
    config: &Config,
    incident: &Incident,
    told: Told,
    detail: Detail,
    key: &str,
    now: Timestamp,
) -> Option<NewEvent> {
    let targets = destinations(config, incident, told);
    if targets.is_empty() {
        return None;
    }
    let body = IncidentNotice {
        told,
        incident_id: incident.id.clone(),
        title: incident.title.clone(),
        severity: incident.severity.as_str().into(),
        priority: incident.priority.as_str().into(),
        state: incident.state.as_str().into(),
        services: incident.services.clone(),
        status: detail.status,
        message: detail.message,
        mention: detail.mention,
        mention_is_handle: detail.mention_is_handle,
        by: detail.by,
        url: page_url(config, &incident.id),
    };
    Some(NewEvent {
        id: crate::store::new_id(now),
        integration: "incidents".into(),
        source: "incidents".into(),
        kind: INCIDENT_NOTICE_KIND.into(),
        status: EventStatus::Accepted,
        ignored_reason: None,
        dedup_key: Some(format!("incident-notice:{}:{key}", incident.id)),
        received_at: now,
        headers: "{}".into(),
        body: serde_json::to_vec(&body).unwrap_or_default().into(),
        normalized: None,
        repository: None,
        jobs: Vec::new(),
        destinations: targets
            .into_iter()
            .map(|destination| Target {
                destination,
                template: None,
            })
            .collect(),
        expires_at: now
            .saturating_add(config.delivery.retry_window())
            .unwrap_or(now),
    })
}

/// The parts of a notice that depend on what is told.
#[derive(Debug, Clone, Default)]
pub struct Detail {
    pub status: Option<String>,
    pub message: Option<String>,
    pub mention: Option<String>,
    pub mention_is_handle: bool,
    pub by: Option<String>,
}

/// How an incident notice reads; `None` for other events.
pub fn message(event: &EventMessage, locale: Locale) -> Option<Message> {
    let notice = incident_notice(event)?;
    let about = if notice.services.is_empty() {
        locale.text_with(
            "incident-about",
            &[
                ("severity", notice.severity.as_str().into()),
                ("priority", notice.priority.as_str().into()),
            ],
        )
    } else {
        locale.text_with(
            "incident-about-on",
            &[
                ("severity", notice.severity.as_str().into()),
                ("priority", notice.priority.as_str().into()),
                ("services", notice.services.join(", ").into()),
            ],
        )
    };
    let state = state_word(&notice.state, locale);
    let title = notice.title.as_str();
    let (summary, lines) = match notice.told {
        Told::Declared => (
            locale.text_with("incident-chat-declared-title", &[("title", title.into())]),
            vec![vec![
                bold(about),
                text(locale.text_with(
                    "incident-chat-declared",
                    &[("state", state.as_str().into())],
                )),
            ]],
        ),
        Told::Update => {
            let status = status_word(notice.status.as_deref().unwrap_or_default(), locale);
            (
                format!("{status}: {title}"),
                vec![
                    vec![bold(status)],
                    vec![text(notice.message.clone().unwrap_or_default())],
                    vec![text(format!("{about}, {state}"))],
                ],
            )
        }
        Told::Acknowledged => (
            locale.text_with(
                "incident-chat-acknowledged-title",
                &[("title", title.into())],
            ),
            vec![
                vec![
                    bold(about),
                    text(
                        locale
                            .text_with("incident-chat-now-in", &[("state", state.as_str().into())]),
                    ),
                ],
                vec![
                    text(locale.text("alert-acknowledged-by")),
                    bold(
                        notice
                            .by
                            .clone()
                            .unwrap_or_else(|| locale.text("forge-someone")),
                    ),
                    text(locale.text("alert-acknowledged-by-after")),
                ],
            ],
        ),
        Told::Resolved => {
            let mut lines = vec![vec![
                bold(locale.text("incident-chat-resolved")),
                text(locale.text_with("incident-chat-thanks", &[("about", about.as_str().into())])),
            ]];
            if let Some(by) = &notice.by {
                lines.push(vec![
                    text(locale.text("incident-chat-resolved-by")),
                    bold(by.clone()),
                    text(locale.text("incident-chat-resolved-by-after")),
                ]);
            }
            (
                locale.text_with("incident-chat-resolved-title", &[("title", title.into())]),
                lines,
            )
        }
        Told::Reminder => {
            let who = match (&notice.mention, notice.mention_is_handle) {
                (Some(mention), true) => Span::Mention(mention.clone()),
                (Some(name), false) => bold(name.clone()),
                (None, _) => bold(locale.text("incident-chat-commander")),
            };
            (
                locale.text_with("incident-chat-due-title", &[("title", title.into())]),
                vec![vec![
                    who,
                    text(locale.text_with(
                        "incident-chat-due",
                        &[
                            ("within", notice.message.clone().unwrap_or_default().into()),
                            ("about", about.as_str().into()),
                        ],
                    )),
                ]],
            )
        }
    };
    let mut lines = lines;
    lines.push(vec![link(
        locale.text("incident-chat-open"),
        Some(&notice.url),
    )]);
    Some(Message {
        summary: summary.clone(),
        title: summary,
        title_url: Some(notice.url.clone()),
        lines,
        context: Vec::new(),
        outcome: None,
        locale,
    })
}

/// An incident's state (`active`) in the message's language.
pub fn state_word(state: &str, locale: Locale) -> String {
    locale.text_or(&format!("state-{state}"), state)
}

/// A status update's status, capitalized as it leads the line: `Investigating`, `조사 중`.
fn status_word(status: &str, locale: Locale) -> String {
    locale.text_or(
        &format!("incident-status-{status}"),
        &crate::integrations::outbound::message::capitalize(status),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::incident::{KeyTimes, Priority, Severity, State};

    const CONFIG: &str = r#"
[[destinations]]
name = "team-chat"
kind = "slack"
url = "http://127.0.0.1:9/team"

[[destinations]]
name = "incidents"
kind = "slack"
url = "http://127.0.0.1:9/incidents"

[[destinations]]
name = "announce"
kind = "slack"
url = "http://127.0.0.1:9/announce"

[[teams]]
id = "cloud"
channel = "team-chat"

[[services]]
id = "api"
team = "cloud"

[[services]]
id = "web"
team = "cloud"

[incidents]
channels = ["incidents", "team-chat"]
heads_up = ["announce"]
"#;

    fn incident(severity: Severity) -> Incident {
        let now: Timestamp = "2026-11-02T01:00:00Z".parse().unwrap();
        Incident {
            id: "inc_1".into(),
            number: 1,
            title: "Checkout fails".into(),
            severity,
            priority: Priority::for_severity(severity),
            state: State::Triage,
            services: vec!["api".into(), "web".into()],
            summary: None,
            customer_impact: None,
            times: KeyTimes::default(),
            causing_deployment: None,
            declared_by: "test".into(),
            created_at: now,
            updated_at: now,
            last_update_at: None,
            chat_channels: Vec::new(),
        }
    }

    #[test]
    fn the_wider_team_hears_of_sev1_and_sev2_and_each_channel_is_told_once() {
        let (config, _) = Config::parse(CONFIG, &|_| None).unwrap();
        let cases = [
            (
                Severity::Sev1,
                Told::Declared,
                vec!["incidents", "team-chat", "announce"],
            ),
            (
                Severity::Sev2,
                Told::Update,
                vec!["incidents", "team-chat", "announce"],
            ),
            (
                Severity::Sev2,
                Told::Reminder,
                vec!["incidents", "team-chat"],
            ),
            (
                Severity::Sev3,
                Told::Declared,
                vec!["incidents", "team-chat"],
            ),
            (
                Severity::Sev4,
                Told::Resolved,
                vec!["incidents", "team-chat"],
            ),
        ];
        for (severity, told, expected) in cases {
            assert_eq!(
                destinations(&config, &incident(severity), told),
                expected,
                "{severity:?} {told:?}"
            );
        }
    }
}
