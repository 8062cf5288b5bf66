//! How a change announcement is told (kind `change`): to the service's team channel and
//! `[changes] channels`, when announced and when decided. A change that needs approval links
//! to its page, where someone other than the announcer approves or rejects it.

use std::collections::HashSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::core::routing::Target;
use crate::i18n::Locale;
use crate::integrations::outbound::EventMessage;
use crate::integrations::outbound::message::{Message, bold, code, link, text};
use crate::store::changes::Announcement;
use crate::store::{EventStatus, NewEvent};

pub const CHANGE_NOTICE_KIND: &str = "change";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Told {
    Announced,
    Approved,
    Rejected,
    Expired,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeNotice {
    pub told: Told,
    pub change: Announcement,
    pub url: String,
}

/// What a chat app's message about this notice is about (`change:ID`), and whether the notice
/// updates the announcement's message (a decision, an expiry) rather than posting another.
pub fn chat_subject(event: &EventMessage) -> Option<(String, bool)> {
    if event.kind != CHANGE_NOTICE_KIND {
        return None;
    }
    let notice = serde_json::from_value::<ChangeNotice>(event.payload.clone()).ok()?;
    Some((
        format!("change:{}", notice.change.id),
        notice.told != Told::Announced,
    ))
}

/// Approve and Reject on the announcement of a change that waits for a second person; none
/// once it is decided (the message is then updated to say how).
pub fn chat_buttons(
    event: &EventMessage,
    locale: Locale,
) -> Vec<crate::integrations::outbound::Button> {
    use crate::integrations::outbound::Button;
    if event.kind != CHANGE_NOTICE_KIND {
        return Vec::new();
    }
    let Ok(notice) = serde_json::from_value::<ChangeNotice>(event.payload.clone()) else {
        return Vec::new();
    };
    if notice.told != Told::Announced
        || notice.change.state != crate::store::changes::ChangeState::PendingApproval
    {
        return Vec::new();
    }
    let value = format!("change:{}", notice.change.id);
    vec![
        Button {
            action: "approve",
            label: locale.text("action-approve"),
            value: value.clone(),
            primary: true,
        },
        Button {
            action: "reject",
            label: locale.text("action-reject"),
            value,
            primary: false,
        },
    ]
}

pub fn page_url(config: &Config, id: &str) -> String {
    format!("{}/changes/{id}", config.server.base_url())
}

pub fn notice(
    config: &Config,
    change: &Announcement,
    told: Told,
    now: Timestamp,
) -> Option<NewEvent> {
    let mut seen = HashSet::new();
    let destinations: Vec<Target> = config
        .team_channel(&change.service)
        .into_iter()
        .chain(config.changes.channels.iter().map(String::as_str))
        .filter(|name| seen.insert(*name))
        .map(|destination| Target {
            destination: destination.to_owned(),
            template: None,
        })
        .collect();
    if destinations.is_empty() {
        return None;
    }
    let body = ChangeNotice {
        told,
        change: change.clone(),
        url: page_url(config, &change.id),
    };
    Some(NewEvent {
        id: crate::store::new_id(now),
        integration: "changes".into(),
        source: "changes".into(),
        kind: CHANGE_NOTICE_KIND.into(),
        status: EventStatus::Accepted,
        ignored_reason: None,
        dedup_key: Some(format!("change-notice:{}:{told:?}", change.id)),
        received_at: now,
        headers: "{}".into(),
        body: serde_json::to_vec(&body).unwrap_or_default().into(),
        normalized: None,
        repository: None,
        jobs: Vec::new(),
        destinations,
        expires_at: now
            .saturating_add(config.delivery.retry_window())
            .unwrap_or(now),
    })
}

pub fn message(event: &EventMessage, locale: Locale) -> Option<Message> {
    if event.kind != CHANGE_NOTICE_KIND || event.source != "changes" {
        return None;
    }
    let notice: ChangeNotice = serde_json::from_value(event.payload.clone()).ok()?;
    let change = &notice.change;
    let about = vec![
        bold(
            locale.text_with(
                "change-chat-risk",
                &[(
                    "risk",
                    locale
                        .text(&format!("change-risk-{}", change.risk.as_str()))
                        .into(),
                )],
            ),
        ),
        text(" · "),
        code(change.service.clone()),
        text(locale.text_with(
            "change-chat-where",
            &[
                ("environment", change.environment.as_str().into()),
                ("by", change.announced_by.as_str().into()),
            ],
        )),
    ];
    let decided_by = change.decided_by.clone().unwrap_or_default();
    let titled = |key: &str| locale.text_with(key, &[("summary", change.summary.as_str().into())]);
    let (summary, mut lines) = match notice.told {
        Told::Announced => (
            titled("change-chat-announced-title"),
            vec![
                about,
                vec![
                    bold(locale.text("change-chat-rollback")),
                    text(change.rollback.clone()),
                ],
            ],
        ),
        Told::Approved => (
            titled("change-chat-approved-title"),
            vec![
                about,
                vec![text(locale.text_with(
                    "change-chat-approved",
                    &[("by", decided_by.as_str().into())],
                ))],
            ],
        ),
        Told::Rejected => (
            titled("change-chat-rejected-title"),
            vec![
                about,
                vec![text(match change.reason.as_deref() {
                    Some(reason) => locale.text_with(
                        "change-chat-rejected-because",
                        &[
                            ("by", decided_by.as_str().into()),
                            ("reason", reason.into()),
                        ],
                    ),
                    None => locale.text_with(
                        "change-chat-rejected",
                        &[("by", decided_by.as_str().into())],
                    ),
                })],
            ],
        ),
        Told::Expired => (
            titled("change-chat-expired-title"),
            vec![about, vec![text(locale.text("change-chat-expired"))]],
        ),
    };
    let action = if notice.told == Told::Announced && change.needs_approval {
        "change-chat-needs-approval"
    } else {
        "change-chat-open"
    };
    lines.push(vec![link(locale.text(action), Some(&notice.url))]);
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
