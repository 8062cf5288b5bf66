//! Message templates from the config (`[[templates]]`, Jinja syntax via minijinja). A template
//! words the title and the body; the body may use `[text](url)`, `**bold**` and `` `code` ``,
//! which become the same styled spans the default messages use, so every platform escapes and
//! limits them its own way. The context is the normalized record's fields (`kind`, `action`,
//! `repository`, `actor`, `branch`, `title`, `number`, `url`, `labels`, `outcome`, `change`,
//! `push`, `build`, `release`, `deployment`, `review`, `comment`), plus `event` (id, source,
//! integration, kind, received_at) and `payload` (the sender's JSON).

use minijinja::Environment;
use minijinja::value::{Serde, Value};
use serde_json::json;

use super::EventMessage;
use super::message::{Line, Message, Span};
use crate::integrations::outbound::config::TemplateConfig;

/// Compile errors, worded for `check-config`.
pub fn check(source: &str) -> Result<(), String> {
    let environment = Environment::new();
    environment
        .template_from_str(source)
        .map(|_| ())
        .map_err(|error| describe(&error))
}

fn describe(error: &minijinja::Error) -> String {
    let detail = error.detail().unwrap_or("");
    match error.line() {
        Some(line) => format!(
            "{} (line {line}){}",
            error.kind(),
            if detail.is_empty() {
                String::new()
            } else {
                format!(": {detail}")
            }
        ),
        None => error.to_string(),
    }
}

fn context(event: &EventMessage) -> Value {
    let mut context = match &event.normalized {
        Some(forge) => serde_json::to_value(forge).unwrap_or_default(),
        None => json!({"kind": event.kind}),
    };
    if let Some(object) = context.as_object_mut() {
        object.insert(
            "event".into(),
            json!({
                "id": event.id,
                "source": event.source,
                "integration": event.integration,
                "kind": event.kind,
                "received_at": event.received_at.to_string(),
            }),
        );
        object.insert("payload".into(), event.payload.clone());
    }
    Value::from(Serde(context))
}

/// The default message with its title and body worded by `template`.
pub fn apply(
    template: &TemplateConfig,
    event: &EventMessage,
    mut message: Message,
) -> Result<Message, String> {
    let environment = Environment::new();
    let context = context(event);
    let render = |source: &str| {
        environment
            .render_str(source, context.clone())
            .map_err(|error| describe(&error))
    };
    let title = render(&template.title)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if !title.is_empty() {
        message.summary = title.clone();
        message.title = title;
    }
    if !template.body.trim().is_empty() {
        message.lines = render(&template.body)?
            .lines()
            .map(str::trim_end)
            .filter(|line| !line.trim().is_empty())
            .map(inline)
            .collect();
    }
    Ok(message)
}

/// `[text](url)`, `**bold**` and `` `code` `` as spans; everything else is text.
pub fn inline(text: &str) -> Line {
    let mut spans: Line = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    let flush = |plain: &mut String, spans: &mut Line| {
        if !plain.is_empty() {
            spans.push(Span::Text(std::mem::take(plain)));
        }
    };
    while let Some(first) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("**") {
            if let Some(end) = after.find("**") {
                flush(&mut plain, &mut spans);
                spans.push(Span::Bold(after[..end].to_owned()));
                rest = &after[end + 2..];
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix('`') {
            if let Some(end) = after.find('`') {
                flush(&mut plain, &mut spans);
                spans.push(Span::Code(after[..end].to_owned()));
                rest = &after[end + 1..];
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix('[') {
            if let Some(close) = after.find("](") {
                if let Some(end) = after[close + 2..].find(')') {
                    let url = &after[close + 2..close + 2 + end];
                    if url.starts_with("http://") || url.starts_with("https://") {
                        flush(&mut plain, &mut spans);
                        spans.push(Span::Link {
                            text: after[..close].to_owned(),
                            url: url.to_owned(),
                        });
                        rest = &after[close + 2 + end + 1..];
                        continue;
                    }
                }
            }
        }
        plain.push(first);
        rest = &rest[first.len_utf8()..];
    }
    flush(&mut plain, &mut spans);
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_markup_becomes_spans() {
        assert_eq!(
            inline(
                "**andrew** pushed `main` — [compare](https://x.test/c) [not a link](javascript:x) * and `"
            ),
            vec![
                Span::Bold("andrew".into()),
                Span::Text(" pushed ".into()),
                Span::Code("main".into()),
                Span::Text(" — ".into()),
                Span::Link {
                    text: "compare".into(),
                    url: "https://x.test/c".into()
                },
                Span::Text(" [not a link](javascript:x) * and `".into()),
            ]
        );
    }

    #[test]
    fn compile_errors_name_the_line() {
        let error = check("{{ title }}\n{% for c in push.commits %}").unwrap_err();
        assert!(error.contains("line 2"), "{error}");
        assert!(check("{{ actor }} pushed {{ push.commits | length }} commits").is_ok());
    }
}
