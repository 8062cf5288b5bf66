//! How on-call tells a team channel a step reached it (kind `page`): what is paging, with the
//! links to act on it. Pages to a person are worded by `send.rs` for their contact method.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::core::routing::Target;
use crate::i18n::Locale;
use crate::integrations::outbound::EventMessage;
use crate::integrations::outbound::message::{Message, bold, link, text};
use crate::store::oncall::Escalation;
use crate::store::{EventStatus, NewEvent};

/// The kind of a team channel's page notice.
pub const PAGE_NOTICE_KIND: &str = "page";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageNotice {
    pub escalation_id: String,
    pub summary: String,
    pub severity: String,
    pub service: Option<String>,
    pub step: i64,
    pub round: i64,
    pub alert_url: Option<String>,
}

/// The notice event telling `channel` of the escalation's current step.
pub fn channel_notice(
    config: &Config,
    escalation: &Escalation,
    channel: &str,
    now: Timestamp,
) -> NewEvent {
    let base = config.server.base_url();
    let body = PageNotice {
        escalation_id: escalation.id.clone(),
        summary: escalation.summary.clone(),
        severity: escalation.severity.clone(),
        service: escalation.service.clone(),
        step: escalation.step,
        round: escalation.round,
        // An incident's page is where its alerts are too.
        alert_url: match (&escalation.incident_id, &escalation.alert_id) {
            (Some(incident), _) => Some(format!("{base}/incidents/{incident}")),
            (None, Some(alert)) => Some(format!("{base}/alerts/{alert}")),
            (None, None) => None,
        },
    };
    NewEvent {
        id: crate::store::new_id(now),
        integration: "oncall".into(),
        source: "oncall".into(),
        kind: PAGE_NOTICE_KIND.into(),
        status: EventStatus::Accepted,
        ignored_reason: None,
        dedup_key: Some(format!(
            "page-notice:{}:{}:{}:{channel}",
            escalation.id, escalation.round, escalation.step
        )),
        received_at: now,
        headers: "{}".into(),
        body: serde_json::to_vec(&body).unwrap_or_default().into(),
        normalized: None,
        repository: None,
        jobs: Vec::new(),
        destinations: vec![Target {
            destination: channel.to_owned(),
            template: None,
        }],
        expires_at: now
            .saturating_add(config.delivery.retry_window())
            .unwrap_or(now),
    }
}

/// The buttons of a page through a chat app (a team channel's notice, or a person's `chat`
/// contact): Acknowledge, Resolve and Escalate now, each naming the escalation.
pub fn escalation_buttons(
    escalation_id: &str,
    locale: Locale,
) -> Vec<crate::integrations::outbound::Button> {
    use crate::integrations::outbound::Button;
    let value = format!("escalation:{escalation_id}");
    let button = |action, key: &str, primary| Button {
        action,
        label: locale.text(key),
        value: value.clone(),
        primary,
    };
    vec![
        button("ack", "action-acknowledge", true),
        button("resolve", "action-resolve", false),
        button("escalate", "action-escalate-now", false),
    ]
}

/// A team channel's page notice carries the escalation's buttons.
pub fn chat_buttons(
    event: &EventMessage,
    locale: Locale,
) -> Vec<crate::integrations::outbound::Button> {
    if event.kind != PAGE_NOTICE_KIND || event.source != "oncall" {
        return Vec::new();
    }
    serde_json::from_value::<PageNotice>(event.payload.clone())
        .map(|notice| escalation_buttons(&notice.escalation_id, locale))
        .unwrap_or_default()
}

/// How a page notice reads; `None` for other events.
pub fn message(event: &EventMessage, locale: Locale) -> Option<Message> {
    if event.kind != PAGE_NOTICE_KIND || event.source != "oncall" {
        return None;
    }
    let notice: PageNotice = serde_json::from_value(event.payload.clone()).ok()?;
    let severity = locale.text_or(&format!("severity-{}", notice.severity), &notice.severity);
    let mut about = vec![bold(severity)];
    if let Some(service) = &notice.service {
        about.push(text(locale.text_with(
            "page-chat-on",
            &[("service", service.as_str().into())],
        )));
    }
    about.push(text(locale.text_with(
        "page-notice-step",
        &[
            ("step", (notice.step + 1).into()),
            ("round", (notice.round + 1).into()),
        ],
    )));
    let mut lines = vec![about];
    if let Some(url) = &notice.alert_url {
        let what = if url.contains("/incidents/") {
            "incident-chat-open"
        } else {
            "page-notice-open-alert"
        };
        lines.push(vec![link(locale.text(what), Some(url))]);
    }
    let title = locale.text_with(
        "page-notice-title",
        &[("summary", notice.summary.as_str().into())],
    );
    Some(Message {
        summary: title.clone(),
        title,
        title_url: notice.alert_url.clone(),
        lines,
        context: Vec::new(),
        outcome: None,
        locale,
    })
}
