//! What a notification says, before any platform's syntax: a title, lines of styled spans,
//! a footer. Each destination renders this with its own escaping and limits, so text from a
//! pull request title can never break a message's markup.

use crate::core::forge::Outcome;
use crate::core::problem::is_http_url;
use crate::i18n::Locale;

use super::EventMessage;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    Text(String),
    Bold(String),
    Code(String),
    Link {
        text: String,
        url: String,
    },
    /// A person's mention in the destination's own syntax (`<@U024BE7LH>` on Slack), from the
    /// config, sent as written so the platform notifies them.
    Mention(String),
}

pub type Line = Vec<Span>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// One plain line for notifications and clients that show no formatting.
    pub summary: String,
    pub title: String,
    pub title_url: Option<String>,
    pub lines: Vec<Line>,
    /// Small print: repository, branch, who.
    pub context: Vec<Line>,
    pub outcome: Option<Outcome>,
    /// The language it is written in, for what a platform adds ("…and N more").
    pub locale: Locale,
}

impl Message {
    /// The message with only http(s) links: a sender's `javascript:` or `data:` URL becomes
    /// plain text, never a link in any chat or email format.
    pub fn http_links_only(&self) -> Message {
        let keep = |line: &Line| -> Line {
            line.iter()
                .map(|span| match span {
                    Span::Link { text, url } if !is_http_url(url) => Span::Text(text.clone()),
                    other => other.clone(),
                })
                .collect()
        };
        Message {
            summary: self.summary.clone(),
            title: self.title.clone(),
            title_url: self.title_url.clone().filter(|url| is_http_url(url)),
            lines: self.lines.iter().map(keep).collect(),
            context: self.context.iter().map(keep).collect(),
            outcome: self.outcome,
            locale: self.locale,
        }
    }
}

pub fn text(value: impl Into<String>) -> Span {
    Span::Text(value.into())
}

pub fn bold(value: impl Into<String>) -> Span {
    Span::Bold(value.into())
}

pub fn code(value: impl Into<String>) -> Span {
    Span::Code(value.into())
}

pub fn link(value: impl Into<String>, url: Option<&String>) -> Span {
    match url {
        Some(url) => Span::Link {
            text: value.into(),
            url: url.clone(),
        },
        None => Span::Text(value.into()),
    }
}

pub fn short_sha(sha: &str) -> String {
    sha.chars().take(7).collect()
}

/// A pull or merge request as its forge names it: GitLab's `!12`, GitHub's `#12`.
pub fn change_reference(source: &str, number: i64) -> String {
    if source == "gitlab" {
        format!("!{number}")
    } else {
        format!("#{number}")
    }
}

/// `at` in the IANA zone `zone`, formatted (strftime); as RFC 3339 when the zone is unknown.
pub fn in_zone(at: jiff::Timestamp, zone: &str, format: &str) -> String {
    at.in_tz(zone)
        .map(|zoned| zoned.strftime(format).to_string())
        .unwrap_or_else(|_| at.to_string())
}

/// How long from `since` to `until`: `3h` as digests write it, `3시간 20분` in Korean.
pub fn age_in(locale: Locale, since: jiff::Timestamp, until: jiff::Timestamp) -> String {
    match locale {
        Locale::En => crate::core::digest::age(since, until),
        _ => locale.duration(until.duration_since(since).max(jiff::SignedDuration::ZERO)),
    }
}

/// Keeps the first `max` characters, marking a cut with "…".
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut clipped: String = text.chars().take(max.saturating_sub(1)).collect();
        clipped.push('…');
        clipped
    }
}

/// Commit lines shown in a push message before "…and N more".
pub const PUSH_COMMIT_LINES: usize = 10;

/// Settings from the config that shape every message.
#[derive(Debug, Clone, Default)]
pub struct RenderSettings {
    pub tickets: Option<crate::integrations::outbound::config::TicketsConfig>,
    /// The route's template, if it names one.
    pub template: Option<crate::integrations::outbound::config::TemplateConfig>,
}

/// The message sent: `default` (the domain's wording of the event, see
/// `runner::messages`), reworded by the route's template, with ticket keys linked.
pub fn render(event: &EventMessage, default: &Message, settings: &RenderSettings) -> Message {
    let mut message = default.clone();
    if let Some(template) = &settings.template {
        // A template that fails at delivery must not lose the message: the default is sent.
        match super::template::apply(template, event, message.clone()) {
            Ok(worded) => message = worded,
            Err(error) => {
                tracing::warn!(template = %template.name, %error, "template failed; sending the default message")
            }
        }
    }
    if let Some(tickets) = &settings.tickets {
        link_tickets(&mut message, tickets);
    }
    message
}

/// Ticket keys in text become links; keys in the title (itself a link) are listed as links
/// in the small print.
fn link_tickets(
    message: &mut Message,
    tickets: &crate::integrations::outbound::config::TicketsConfig,
) {
    use crate::core::tickets::{find_keys, link as ticket_link};
    let split = |span: Span| -> Vec<Span> {
        let Span::Text(text) = span else {
            return vec![span];
        };
        let mut spans = Vec::new();
        let mut last = 0;
        for range in find_keys(&text, &tickets.projects) {
            if range.start > last {
                spans.push(Span::Text(text[last..range.start].to_owned()));
            }
            let key = &text[range.clone()];
            spans.push(Span::Link {
                text: key.to_owned(),
                url: ticket_link(&tickets.url, key),
            });
            last = range.end;
        }
        if last < text.len() {
            spans.push(Span::Text(text[last..].to_owned()));
        }
        spans
    };
    for line in message.lines.iter_mut() {
        *line = std::mem::take(line).into_iter().flat_map(split).collect();
    }
    let in_title: Vec<Span> = find_keys(&message.title, &tickets.projects)
        .into_iter()
        .map(|range| {
            let key = &message.title[range];
            Span::Link {
                text: key.to_owned(),
                url: ticket_link(&tickets.url, key),
            }
        })
        .collect();
    if !in_title.is_empty() {
        let mut line = vec![text("tickets ")];
        for (index, span) in in_title.into_iter().enumerate() {
            if index > 0 {
                line.push(text(", "));
            }
            line.push(span);
        }
        message.context.insert(1.min(message.context.len()), line);
    }
}

/// The message for an event no domain words: what came from where.
pub fn generic(event: &EventMessage, locale: Locale) -> Message {
    let title = locale.text_with(
        "chat-generic-title",
        &[
            ("kind", event.kind.as_str().into()),
            ("integration", event.integration.as_str().into()),
        ],
    );
    Message {
        summary: title.clone(),
        title,
        title_url: None,
        lines: vec![vec![
            text(locale.text("chat-generic-event")),
            code(&event.kind),
            text(locale.text("chat-generic-from")),
            bold(&event.integration),
            text(locale.text_with(
                "chat-generic-at",
                &[("at", event.received_at.to_string().into())],
            )),
        ]],
        context: vec![vec![text(
            locale.text_with("chat-generic-id", &[("id", event.id.as_str().into())]),
        )]],
        outcome: None,
        locale,
    }
}

pub fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}
