//! The `teams` destination: a Microsoft Teams Workflows (Power Automate) webhook that posts an
//! Adaptive Card (<https://adaptivecards.io/explorer/>): the title, one TextBlock per line,
//! small print for the context, and an "Open" button for the title's link. Teams refuses
//! messages over about 28 KB, so the serialized body is kept under 28,000 bytes by cutting
//! whole lines, ending in "…and N more".

use serde_json::{Value, json};

use super::markdown::{self, Syntax};
use super::message::{Line, Message, Span};
use crate::integrations::outbound::config::TeamsDestination;

/// The most a serialized body may hold, in bytes.
pub const MAX_PAYLOAD_BYTES: usize = 28_000;
/// The title and the context block each stay within this many characters.
pub const MAX_TITLE: usize = 1000;
pub const MAX_CONTEXT: usize = 2000;

/// TextBlock Markdown knows only emphasis, links and lists, so only those are escaped: on
/// some Teams clients an escape the renderer does not expect shows as a backslash. A single
/// line break does not show in a TextBlock; a paragraph break does.
const SYNTAX: Syntax = Syntax {
    special: &['\\', '*', '_', '[', ']', '(', ')'],
    line_start: &['-', '+', '.'],
    newline: "\n\n",
};

pub fn escape(text: &str) -> String {
    markdown::escape(text, &SYNTAX)
}

fn span(span: &Span) -> String {
    match span {
        Span::Text(text) => escape(text),
        Span::Bold(text) => markdown::wrap_trimmed(text, "**", escape),
        // TextBlocks have no code style: the text shows as it is.
        Span::Code(text) => escape(text),
        // A Teams mention needs the user's id in the card's entities; the name shows as text.
        Span::Mention(text) => escape(text),
        Span::Link { text, url } => format!("[{}]({})", escape(text), markdown::link_url(url)),
    }
}

pub fn line(spans: &Line) -> String {
    spans.iter().map(span).collect()
}

fn text_block(text: String) -> Value {
    json!({ "type": "TextBlock", "text": text, "wrap": true })
}

/// Bytes a value takes in the body.
fn json_bytes(value: &Value) -> usize {
    value.to_string().len()
}

/// Bytes a string takes inside a JSON string, escapes included.
fn json_text_bytes(text: &str) -> usize {
    Value::from(text).to_string().len() - 2
}

fn envelope(message: &Message, body: Vec<Value>) -> Value {
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    });
    if let Some(url) = &message.title_url {
        card["actions"] = json!([{
            "type": "Action.OpenUrl",
            "title": message.locale.text("page-open"),
            "url": url,
        }]);
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card,
        }],
    })
}

pub fn render(message: &Message, _destination: &TeamsDestination) -> Value {
    let title = markdown::fit_line(
        &[Span::Text(message.title.clone())],
        MAX_TITLE,
        &markdown::chars,
        &span,
    );
    let title = json!({
        "type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": true,
    });
    let context = markdown::join(&message.context);
    let context = (!context.is_empty()).then(|| {
        let text = markdown::fit_line(&context, MAX_CONTEXT, &markdown::chars, &span);
        json!({ "type": "TextBlock", "text": text, "isSubtle": true, "size": "Small", "wrap": true })
    });
    let assemble = |lines: Vec<Value>, more: Option<Value>| {
        let mut body = vec![title.clone()];
        body.extend(lines);
        body.extend(more);
        body.extend(context.clone());
        envelope(message, body)
    };

    let all: Vec<Value> = message.lines.iter().map(|l| text_block(line(l))).collect();
    let whole = assemble(all, None);
    if json_bytes(&whole) <= MAX_PAYLOAD_BYTES {
        return whole;
    }
    // Room for lines once the rest, with the longest count there can be, is in place.
    let more_block = text_block(markdown::more(message.lines.len(), message.locale));
    let room =
        MAX_PAYLOAD_BYTES.saturating_sub(json_bytes(&assemble(Vec::new(), Some(more_block))));
    // A line's block is its text plus this, and a comma before it in the array.
    let block_overhead = json_bytes(&text_block(String::new())) + 1;
    let mut kept = Vec::new();
    let mut used = 0;
    for spans in &message.lines {
        let mut block = text_block(line(spans));
        let mut size = json_bytes(&block) + 1;
        if used + size > room {
            if !kept.is_empty() {
                break;
            }
            // A first line too long on its own is shortened rather than left out.
            let max = room.saturating_sub(block_overhead);
            block = text_block(markdown::fit_line(spans, max, &json_text_bytes, &span));
            size = json_bytes(&block) + 1;
        }
        used += size;
        kept.push(block);
    }
    let omitted = message.lines.len() - kept.len();
    assemble(
        kept,
        Some(text_block(markdown::more(omitted, message.locale))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn destination() -> TeamsDestination {
        TeamsDestination {
            name: "chat".into(),
            locale: None,
            url: "http://127.0.0.1:9/hook".into(),
        }
    }

    fn message(lines: usize, width: usize) -> Message {
        Message {
            summary: "s".into(),
            title: "A title".into(),
            title_url: Some("https://example.com/a".into()),
            lines: (0..lines)
                .map(|n| vec![Span::Text(format!("{n:04} {}", "é".repeat(width)))])
                .collect(),
            context: (0..20).map(|n| vec![Span::Text(format!("c{n}"))]).collect(),
            outcome: None,
            locale: crate::i18n::Locale::En,
        }
    }

    fn blocks(body: &Value) -> &Vec<Value> {
        body["attachments"][0]["content"]["body"]
            .as_array()
            .unwrap()
    }

    #[test]
    fn an_oversized_message_is_cut_under_the_payload_limit_with_a_count() {
        let body = render(&message(2000, 100), &destination());
        assert!(
            json_bytes(&body) <= MAX_PAYLOAD_BYTES,
            "{}",
            json_bytes(&body)
        );
        let cut = blocks(&body);
        assert_eq!(cut[0]["weight"], "Bolder");
        assert_eq!(cut.last().unwrap()["isSubtle"], true);
        let more = cut[cut.len() - 2]["text"].as_str().unwrap();
        let omitted: usize = more
            .strip_prefix("…and ")
            .and_then(|rest| rest.strip_suffix(" more"))
            .unwrap_or_else(|| panic!("{more}"))
            .parse()
            .unwrap();
        let shown = cut.len() - 3;
        assert!(shown > 10, "{shown}");
        assert_eq!(shown + omitted, 2000, "every line is shown or counted");
        assert_eq!(
            body["attachments"][0]["content"]["actions"][0]["url"],
            "https://example.com/a"
        );

        for width in [10_000, 20_000] {
            let body = render(&message(1, width), &destination());
            assert!(
                json_bytes(&body) <= MAX_PAYLOAD_BYTES,
                "{}",
                json_bytes(&body)
            );
            assert!(
                blocks(&body)[1]["text"]
                    .as_str()
                    .unwrap()
                    .starts_with("0000 éé")
            );
        }
    }

    #[test]
    fn markup_shows_literally() {
        let message = Message {
            summary: "s".into(),
            title: "fix *all* [the] bugs <now> | `x` @everyone".into(),
            title_url: None,
            lines: vec![vec![
                Span::Bold("<script>".into()),
                Span::Text(" _x_ (y)\n- item".into()),
                Span::Code("a`b".into()),
                Span::Link {
                    text: "PR [1]".into(),
                    url: "https://example.com/a (b)".into(),
                },
            ]],
            context: vec![],
            outcome: None,
            locale: crate::i18n::Locale::En,
        };
        let body = render(&message, &destination());
        let shown = blocks(&body);
        assert_eq!(shown.len(), 2);
        assert!(body["attachments"][0]["content"].get("actions").is_none());
        assert_eq!(
            shown[0]["text"],
            "fix \\*all\\* \\[the\\] bugs <now> | `x` @everyone"
        );
        assert_eq!(
            shown[1]["text"],
            "**<script>** \\_x\\_ \\(y\\)\n\n\\- itema`b[PR \\[1\\]](https://example.com/a%20%28b%29)"
        );
    }
}
