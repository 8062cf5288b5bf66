//! The `discord` destination: a channel webhook
//! (<https://discord.com/developers/docs/resources/webhook#execute-webhook>) with one embed.
//! Discord's embed limits are kept by cutting, never by failing: title 256, description 4,096,
//! footer 2,048, and 6,000 across them, counted here in UTF-16 units, which are never fewer
//! than Discord's characters. Lines that do not fit end in "…and N more". `allowed_mentions`
//! is empty, so `@everyone` in a pull request title pings no one.

use serde_json::{Value, json};

use super::markdown::{self, Syntax};
use super::message::{Line, Message, Span};
use crate::core::forge::Outcome;
use crate::integrations::outbound::config::DiscordDestination;

pub const MAX_TITLE: usize = 256;
pub const MAX_DESCRIPTION: usize = 4096;
pub const MAX_FOOTER: usize = 2048;
/// Title, description, footer (and fields, unused here) of all embeds together.
pub const MAX_EMBED_TOTAL: usize = 6000;

const SYNTAX: Syntax = Syntax {
    special: &['\\', '*', '_', '~', '`', '|', '>', '<', '[', ']', '(', ')'],
    line_start: &['-', '+', '#', '.'],
    newline: "\n",
};

/// Escapes Discord's Markdown so text shows literally; `<` keeps `<@id>` from becoming a mention.
pub fn escape(text: &str) -> String {
    markdown::escape(text, &SYNTAX)
}

fn span(span: &Span) -> String {
    markdown::span(span, escape)
}

/// The footer shows no Markdown at all: spans as their bare text.
fn plain(span: &Span) -> String {
    match span {
        Span::Text(text) | Span::Bold(text) | Span::Code(text) | Span::Mention(text) => {
            text.clone()
        }
        Span::Link { text, .. } => text.clone(),
    }
}

pub fn line(spans: &Line) -> String {
    spans.iter().map(span).collect()
}

pub fn color(outcome: Option<Outcome>) -> Option<u32> {
    match outcome? {
        Outcome::Success => Some(0x2EB67D),
        Outcome::Failure => Some(0xE01E5A),
        Outcome::Pending => Some(0xECB22E),
        Outcome::Cancelled | Outcome::Skipped => None,
    }
}

pub fn render(message: &Message, destination: &DiscordDestination) -> Value {
    let title = markdown::fit_line(
        &[Span::Text(message.title.clone())],
        MAX_TITLE,
        &markdown::utf16,
        &span,
    );
    // The footer shows no links. A context line that only links where the title already
    // does ("compare changes") would be dead text there, so it is left out.
    let context = markdown::join(message.context.iter().filter(|line| {
        !matches!(line.as_slice(), [Span::Link { url, .. }] if Some(url) == message.title_url.as_ref())
    }));
    let footer = markdown::fit_line(&context, MAX_FOOTER, &markdown::utf16, &plain);
    let budget =
        MAX_DESCRIPTION.min(MAX_EMBED_TOTAL - markdown::utf16(&title) - markdown::utf16(&footer));
    let description = markdown::fit_lines(
        &message.lines,
        budget,
        &markdown::utf16,
        &span,
        message.locale,
    )
    .join("\n");

    let mut embed = json!({ "title": title });
    if let Some(url) = &message.title_url {
        embed["url"] = Value::String(url.clone());
    }
    // Discord refuses empty strings where it expects text, so empty parts are left out.
    if !description.is_empty() {
        embed["description"] = Value::String(description);
    }
    if let Some(color) = color(message.outcome) {
        embed["color"] = Value::from(color);
    }
    if !footer.is_empty() {
        embed["footer"] = json!({ "text": footer });
    }
    let mut body = json!({ "embeds": [embed], "allowed_mentions": { "parse": [] } });
    super::set_present(
        &mut body,
        &[
            ("username", &destination.username),
            ("avatar_url", &destination.avatar_url),
        ],
    );
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn destination() -> DiscordDestination {
        DiscordDestination {
            name: "chat".into(),
            locale: None,
            url: "http://127.0.0.1:9/hook".into(),
            username: Some("Firewatch".into()),
            avatar_url: None,
        }
    }

    fn message(lines: usize, width: usize) -> Message {
        Message {
            summary: "s".into(),
            title: format!("🚀 {}", "t".repeat(300)),
            title_url: Some("https://example.com/a".into()),
            lines: (0..lines)
                .map(|n| vec![Span::Text(format!("{n:04} {}", "x".repeat(width)))])
                .collect(),
            context: (0..400)
                .map(|n| vec![Span::Text(format!("context {n}"))])
                .collect(),
            outcome: Some(Outcome::Success),
            locale: crate::i18n::Locale::En,
        }
    }

    /// Asserts every documented embed limit and returns the embed.
    fn within_limits(body: &Value) -> &Value {
        let embeds = body["embeds"].as_array().unwrap();
        assert!(embeds.len() <= 10);
        let length = |value: &Value| value.as_str().map(markdown::utf16).unwrap_or(0);
        let mut total = 0;
        for embed in embeds {
            let (title, description, footer) = (
                length(&embed["title"]),
                length(&embed["description"]),
                length(&embed["footer"]["text"]),
            );
            assert!(title <= MAX_TITLE, "title of {title}");
            assert!(
                description <= MAX_DESCRIPTION,
                "description of {description}"
            );
            assert!(footer <= MAX_FOOTER, "footer of {footer}");
            total += title + description + footer;
        }
        assert!(total <= MAX_EMBED_TOTAL, "{total} in all");
        &embeds[0]
    }

    #[test]
    fn an_oversized_message_is_cut_to_embed_limits_with_a_count() {
        let body = render(&message(2000, 100), &destination());
        let embed = within_limits(&body);
        assert_eq!(embed["color"], 0x2EB67D);
        assert_eq!(body["username"], "Firewatch");
        assert!(embed["title"].as_str().unwrap().ends_with('…'));
        let description = embed["description"].as_str().unwrap();
        let last = description.lines().last().unwrap();
        let omitted: usize = last
            .strip_prefix("…and ")
            .and_then(|rest| rest.strip_suffix(" more"))
            .unwrap_or_else(|| panic!("{last}"))
            .parse()
            .unwrap();
        let shown = description.lines().filter(|l| l.len() > 100).count();
        assert!(shown > 0);
        assert_eq!(shown + omitted, 2000, "every line is shown or counted");

        let body = render(&message(1, 10_000), &destination());
        let description = within_limits(&body)["description"].as_str().unwrap();
        assert!(description.starts_with("0000 xxx") && description.ends_with('…'));
    }

    #[test]
    fn markup_and_mentions_show_literally() {
        let message = Message {
            summary: "s".into(),
            title: "fix *all* [the] bugs <now> | `x` @everyone".into(),
            title_url: None,
            lines: vec![vec![
                Span::Link {
                    text: "spoiler ||x||".into(),
                    url: "https://example.com/a (b)".into(),
                },
                Span::Text(" <script>~~gone~~</script> <@123> > quote".into()),
                Span::Code("a`b".into()),
            ]],
            context: vec![
                vec![Span::Link {
                    text: "acme/*api*".into(),
                    url: "https://example.com".into(),
                }],
                vec![Span::Text("@here".into())],
            ],
            outcome: None,
            locale: crate::i18n::Locale::En,
        };
        let body = render(&message, &destination());
        assert_eq!(body["allowed_mentions"], json!({ "parse": [] }));
        let embed = within_limits(&body);
        assert!(embed.get("color").is_none() && embed.get("url").is_none());
        assert_eq!(
            embed["title"],
            "fix \\*all\\* \\[the\\] bugs \\<now\\> \\| \\`x\\` @everyone"
        );
        assert_eq!(
            embed["description"],
            "[spoiler \\|\\|x\\|\\|](https://example.com/a%20%28b%29) \
             \\<script\\>\\~\\~gone\\~\\~\\</script\\> \\<@123\\> \\> quote`a'b`"
        );
        assert_eq!(embed["footer"]["text"], "acme/*api* · @here");
    }

    #[test]
    fn the_footer_leaves_out_a_link_the_title_already_has() {
        let compare = "https://example.com/compare/a...b".to_owned();
        let link = |text: &str, url: &str| Span::Link {
            text: text.into(),
            url: url.into(),
        };
        let message = Message {
            summary: "s".into(),
            title: "pushed".into(),
            title_url: Some(compare.clone()),
            lines: vec![],
            context: vec![
                vec![link("acme/api", "https://example.com")],
                vec![link("compare changes", &compare)],
            ],
            outcome: Some(Outcome::Pending),
            locale: crate::i18n::Locale::En,
        };
        let body = render(&message, &destination());
        let embed = within_limits(&body);
        assert_eq!(embed["footer"]["text"], "acme/api");
        assert!(embed.get("description").is_none());
        assert_eq!(embed["color"], 0xECB22E);
    }
}
