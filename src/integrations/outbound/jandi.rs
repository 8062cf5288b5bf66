//! The `jandi` destination: JANDI's incoming webhook
//! (<https://support.jandi.com/en/articles/8799120-receiving-incoming-webhooks-in-jandi>), sent
//! with JANDI's `Accept: application/vnd.tosslab.jandi-v2+json`. The title is the `body` (a
//! link in JANDI's `[[text]](url)` link markdown), the lines one `connectInfo` item, and the
//! context another; `connectColor` follows the outcome. A team incoming webhook with an `email`
//! (<https://support.jandi.com/en/articles/6352712-team-incoming-webhook>) reaches that one
//! person, which is how a page reaches someone on JANDI. JANDI publishes no size limits, so
//! Firewatch keeps to its own: 1,000 characters for the body, 4,000 for the lines (whole lines,
//! ending in "…and N more") and 1,000 for the context.

use serde_json::{Value, json};

use super::markdown;
use super::message::{Line, Message, Span};
use crate::core::forge::Outcome;

/// JANDI's v2 webhook media type, which it asks for in `Accept`.
pub const ACCEPT: &str = "application/vnd.tosslab.jandi-v2+json";
pub const MAX_BODY: usize = 1000;
pub const MAX_LINES: usize = 4000;
pub const MAX_CONTEXT: usize = 1000;

/// JANDI's only markup is its link, `[[text]](url)`: text that looks like one is broken up.
pub fn escape(text: &str) -> String {
    text.replace("[[", "[\u{2060}[")
        .replace("]](", "]\u{2060}](")
}

fn span(span: &Span) -> String {
    match span {
        Span::Text(text) | Span::Bold(text) | Span::Code(text) => escape(text),
        Span::Mention(text) => text.clone(),
        // Square brackets inside a link's text would end it early.
        Span::Link { text, url } => format!(
            "[[{}]]({})",
            text.replace('[', "(").replace(']', ")"),
            markdown::link_url(url)
        ),
    }
}

pub fn line(spans: &Line) -> String {
    spans.iter().map(span).collect()
}

/// The bar under the message: the hex colors Mattermost's edges use.
pub fn color(outcome: Option<Outcome>) -> Option<&'static str> {
    super::mattermost::color(outcome)
}

/// The webhook's JSON; `email` sends it to that one member through a team incoming webhook.
pub fn render(message: &Message, email: Option<&str>) -> Value {
    let title = match &message.title_url {
        Some(url) => Span::Link {
            text: message.title.clone(),
            url: url.clone(),
        },
        None => Span::Text(message.title.clone()),
    };
    let body = markdown::fit_line(&[title], MAX_BODY, &markdown::chars, &span);
    let mut info = Vec::new();
    if !message.lines.is_empty() {
        let lines = markdown::fit_lines(
            &message.lines,
            MAX_LINES,
            &markdown::chars,
            &span,
            message.locale,
        );
        info.push(json!({"title": "", "description": lines.join("\n")}));
    }
    let context = markdown::join(&message.context);
    if !context.is_empty() {
        let context = markdown::fit_line(&context, MAX_CONTEXT, &markdown::chars, &span);
        info.push(json!({"title": "", "description": context}));
    }
    let mut webhook = json!({ "body": body });
    if let Some(color) = color(message.outcome) {
        webhook["connectColor"] = json!(color);
    }
    if !info.is_empty() {
        webhook["connectInfo"] = json!(info);
    }
    if let Some(email) = email {
        webhook["email"] = json!(email);
    }
    webhook
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(lines: usize) -> Message {
        Message {
            summary: "s".into(),
            title: "[FIRING] HighLatency".into(),
            title_url: Some("https://firewatch.example.com/alerts/1".into()),
            lines: (0..lines)
                .map(|n| vec![Span::Text(format!("{n:04} {}", "가".repeat(40)))])
                .collect(),
            context: vec![vec![Span::Text("critical · service api".into())]],
            outcome: Some(Outcome::Failure),
            locale: crate::i18n::Locale::En,
        }
    }

    #[test]
    fn a_message_is_a_linked_body_with_its_lines_and_context_as_connect_info() {
        let body = render(&message(2), None);
        assert_eq!(
            body["body"],
            "[[(FIRING) HighLatency]](https://firewatch.example.com/alerts/1)"
        );
        assert_eq!(body["connectColor"], "#E01E5A");
        let info = body["connectInfo"].as_array().unwrap();
        assert_eq!(info.len(), 2);
        assert!(
            info[0]["description"]
                .as_str()
                .unwrap()
                .starts_with("0000 가")
        );
        assert_eq!(info[1]["description"], "critical · service api");
        assert!(body.get("email").is_none());
        assert_eq!(
            render(&message(0), Some("ann@acme.example"))["email"],
            "ann@acme.example"
        );
    }

    #[test]
    fn many_lines_are_cut_with_a_count_and_fake_links_stay_text() {
        let body = render(&message(500), None);
        let lines = body["connectInfo"][0]["description"].as_str().unwrap();
        assert!(
            lines.chars().count() <= MAX_LINES,
            "{}",
            lines.chars().count()
        );
        let shown = lines.lines().count() - 1;
        let more = lines.lines().last().unwrap();
        assert_eq!(more, format!("…and {} more", 500 - shown));
        let fake = Message {
            title: "see [[here]](https://evil.example)".into(),
            title_url: None,
            ..message(0)
        };
        let body = render(&fake, None);
        assert!(
            !body["body"].as_str().unwrap().contains("[[here]]("),
            "{body}"
        );
    }
}
