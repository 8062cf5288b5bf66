//! How an overdue action item is told (kind `action_item`): to its owner, mentioned in their
//! chat contact's syntax, in the owning teams' channels.

use std::collections::HashSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::core::routing::Target;
use crate::i18n::Locale;
use crate::integrations::outbound::EventMessage;
use crate::integrations::outbound::message::{Message, Span, bold, link, text};
use crate::store::incidents::Incident;
use crate::store::postmortems::ActionItem;
use crate::store::{EventStatus, NewEvent};

pub const ACTION_ITEM_NOTICE_KIND: &str = "action_item";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OverdueNotice {
    pub item_id: String,
    pub title: String,
    pub due: String,
    pub owner: String,
    pub mention: Option<String>,
    pub incident_number: i64,
    pub incident_title: String,
    pub url: String,
}

/// The reminder, made once per item (its dedup key); `None` when no channel would hear it.
pub fn overdue(
    config: &Config,
    incident: &Incident,
    item: &ActionItem,
    now: Timestamp,
) -> Option<NewEvent> {
    let mut seen = HashSet::new();
    let mut destinations: Vec<Target> = incident
        .services
        .iter()
        .filter_map(|service| config.team_channel(service))
        .filter(|name| seen.insert(*name))
        .map(|destination| Target {
            destination: destination.to_owned(),
            template: None,
        })
        .collect();
    let person = config.person(&item.owner);
    // The owner's own chat, when it is not a team channel already told.
    if let Some(crate::config::oncall::ContactConfig::Chat { destination, .. }) =
        person.and_then(|p| {
            p.contacts
                .iter()
                .find(|c| matches!(c, crate::config::oncall::ContactConfig::Chat { .. }))
        })
    {
        if seen.insert(destination.as_str()) {
            destinations.push(Target {
                destination: destination.clone(),
                template: None,
            });
        }
    }
    if destinations.is_empty() {
        return None;
    }
    let body = OverdueNotice {
        item_id: item.id.clone(),
        title: item.title.clone(),
        due: item.due.clone(),
        owner: person
            .map_or(item.owner.as_str(), |p| p.display_name())
            .to_owned(),
        mention: person.and_then(|p| p.chat_mention()).map(str::to_owned),
        incident_number: incident.number,
        incident_title: incident.title.clone(),
        url: crate::incidents::notices::page_url(config, &incident.id),
    };
    Some(NewEvent {
        id: crate::store::new_id(now),
        integration: "postmortems".into(),
        source: "postmortems".into(),
        kind: ACTION_ITEM_NOTICE_KIND.into(),
        status: EventStatus::Accepted,
        ignored_reason: None,
        dedup_key: Some(format!("action-item-overdue:{}", item.id)),
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
    if event.kind != ACTION_ITEM_NOTICE_KIND || event.source != "postmortems" {
        return None;
    }
    let notice: OverdueNotice = serde_json::from_value(event.payload.clone()).ok()?;
    let who = match &notice.mention {
        Some(mention) => Span::Mention(mention.clone()),
        None => bold(notice.owner.clone()),
    };
    let summary = locale.text_with(
        "item-chat-overdue-title",
        &[("title", notice.title.as_str().into())],
    );
    Some(Message {
        summary: summary.clone(),
        title: summary,
        title_url: Some(notice.url.clone()),
        lines: vec![
            vec![
                who,
                text(locale.text_with(
                    "item-chat-overdue",
                    &[
                        ("title", notice.title.as_str().into()),
                        ("due", notice.due.to_string().into()),
                        ("number", notice.incident_number.into()),
                        ("incident", notice.incident_title.as_str().into()),
                    ],
                )),
            ],
            vec![link(locale.text("incident-chat-open"), Some(&notice.url))],
        ],
        context: Vec::new(),
        outcome: None,
        locale,
    })
}
