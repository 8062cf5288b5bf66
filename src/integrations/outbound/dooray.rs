//! The `dooray` destination: Dooray! Messenger's incoming hook
//! (<https://docs.toast.com/ko/Dooray/Messenger/ko/incoming-hook-guide/>): `botName`,
//! `botIconImage`, a `text`, and one attachment with the `title` (linked by `titleLink`), the
//! lines as Markdown `text` and the outcome's `color`. Dooray! publishes no size limits, so
//! Firewatch keeps to its own: 500 characters for the title, 4,000 for the lines (whole lines,
//! ending in "…and N more") and 1,000 for the context.

use serde_json::{Value, json};

use super::markdown::{self, Syntax};
use super::message::{Line, Message, Span};
use crate::core::forge::Outcome;
use crate::integrations::outbound::config::DoorayDestination;

pub const MAX_TITLE: usize = 500;
pub const MAX_LINES: usize = 4000;
pub const MAX_CONTEXT: usize = 1000;

// Only what would format or link: a backslash before anything else might show as typed.
const SYNTAX: Syntax = Syntax {
    special: &['\\', '*', '_', '[', ']', '`', '~'],
    line_start: &['-', '+', '#', '>', '.'],
    newline: "\n",
};

/// Escapes Dooray!'s Markdown so text shows literally; `@` mentions are broken up.
pub fn escape(text: &str) -> String {
    markdown::escape(text, &SYNTAX).replace('@', "@\u{2060}")
}

fn span(span: &Span) -> String {
    markdown::span(span, escape)
}

pub fn line(spans: &Line) -> String {
    spans.iter().map(span).collect()
}

/// The attachment's edge, in the color names Dooray!'s guide uses.
pub fn color(outcome: Option<Outcome>) -> Option<&'static str> {
    match outcome? {
        Outcome::Success => Some("green"),
        Outcome::Failure => Some("red"),
        Outcome::Pending => Some("orange"),
        Outcome::Cancelled | Outcome::Skipped => None,
    }
}

pub fn render(message: &Message, destination: &DoorayDestination) -> Value {
    let plain = |span: &Span| match span {
        Span::Text(text) | Span::Bold(text) | Span::Code(text) | Span::Mention(text) => {
            text.clone()
        }
        Span::Link { text, .. } => text.clone(),
    };
    // The title shows as text, its link as the attachment's titleLink.
    let title = markdown::fit_line(
        &[Span::Text(message.title.clone())],
        MAX_TITLE,
        &markdown::chars,
        &plain,
    );
    let mut rows = markdown::fit_lines(
        &message.lines,
        MAX_LINES,
        &markdown::chars,
        &span,
        message.locale,
    );
    let context = markdown::join(&message.context);
    if !context.is_empty() {
        rows.push(markdown::fit_line(
            &context,
            MAX_CONTEXT,
            &markdown::chars,
            &span,
        ));
    }
    let mut attachment = json!({ "title": title, "text": rows.join("\n") });
    if let Some(url) = &message.title_url {
        attachment["titleLink"] = json!(url);
    }
    if let Some(color) = color(message.outcome) {
        attachment["color"] = json!(color);
    }
    let mut hook = json!({
        "botName": destination.bot_name.as_deref().unwrap_or("Firewatch"),
        // The room's preview line: plain, with mentions broken up.
        "text": markdown::fit_line(
            &[Span::Text(message.summary.clone())],
            MAX_TITLE,
            &markdown::chars,
            &plain,
        )
        .replace('@', "@\u{2060}"),
        "attachments": [attachment],
    });
    if let Some(icon) = &destination.bot_icon_image {
        hook["botIconImage"] = json!(icon);
    }
    hook
}

#[cfg(test)]
mod tests {
    use super::*;

    fn destination() -> DoorayDestination {
        DoorayDestination {
            name: "dooray".into(),
            locale: None,
            url: "http://127.0.0.1:9/services/1/2/3".into(),
            bot_name: None,
            bot_icon_image: Some("https://firewatch.example.com/icon.png".into()),
        }
    }

    fn message(lines: usize) -> Message {
        Message {
            summary: "HighLatency is firing".into(),
            title: "[FIRING] HighLatency".into(),
            title_url: Some("https://firewatch.example.com/alerts/1".into()),
            lines: (0..lines)
                .map(|n| {
                    vec![
                        Span::Bold(format!("{n:04}")),
                        Span::Text(" *가*".repeat(20)),
                    ]
                })
                .collect(),
            context: vec![vec![Span::Text("critical".into())]],
            outcome: Some(Outcome::Failure),
            locale: crate::i18n::Locale::En,
        }
    }

    #[test]
    fn a_message_is_one_attachment_with_its_title_link_and_color() {
        let hook = render(&message(2), &destination());
        assert_eq!(hook["botName"], "Firewatch");
        assert_eq!(
            hook["botIconImage"],
            "https://firewatch.example.com/icon.png"
        );
        assert_eq!(hook["text"], "HighLatency is firing");
        let attachment = &hook["attachments"][0];
        assert_eq!(attachment["title"], "[FIRING] HighLatency");
        assert_eq!(
            attachment["titleLink"],
            "https://firewatch.example.com/alerts/1"
        );
        assert_eq!(attachment["color"], "red");
        let text = attachment["text"].as_str().unwrap();
        assert!(text.starts_with("**0000** \\*가\\*"), "{text}");
        assert!(text.ends_with("\ncritical"), "{text}");
    }

    #[test]
    fn many_lines_are_cut_with_a_count() {
        let hook = render(&message(500), &destination());
        let text = hook["attachments"][0]["text"].as_str().unwrap();
        let rows: Vec<&str> = text.lines().collect();
        let more = rows[rows.len() - 2];
        assert!(more.starts_with("…and "), "{more}");
        assert!(text.chars().count() <= MAX_LINES + MAX_CONTEXT + 1);
    }
}
