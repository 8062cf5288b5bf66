//! The `slack` destination: an incoming webhook (<https://api.slack.com/messaging/webhooks>)
//! with Block Kit. Block Kit's limits are kept by cutting, never by failing: at most 50
//! blocks, 3,000 characters in a section's text, 10 elements in a context block; what does
//! not fit ends in an "…and N more" line.

use serde_json::{Value, json};

use super::Button;
use super::form::{Field, Form};
use super::message::{Line, Message, Span, clip};
use crate::integrations::outbound::config::{SlackApp, SlackDestination};

pub const MAX_BLOCKS: usize = 50;
pub const MAX_SECTION_TEXT: usize = 3000;
pub const MAX_CONTEXT_ELEMENTS: usize = 10;

/// Slack's mrkdwn needs only `&`, `<` and `>` escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn span(span: &Span) -> String {
    match span {
        Span::Text(text) => escape(text),
        Span::Bold(text) if text.trim().is_empty() => escape(text),
        Span::Bold(text) => format!("*{}*", escape(text)),
        Span::Code(text) => format!("`{}`", escape(&text.replace('`', "'"))),
        Span::Mention(text) => text.clone(),
        Span::Link { text, url } => {
            let url = url.replace('|', "%7C").replace('>', "%3E");
            format!("<{url}|{}>", escape(&text.replace('|', "¦")))
        }
    }
}

pub fn line(spans: &Line) -> String {
    spans.iter().map(span).collect()
}

pub fn render(message: &Message, destination: &SlackDestination) -> Value {
    render_with_room(message, destination, 0)
}

/// The message with `room` blocks left free under Block Kit's 50 (for the buttons).
fn render_with_room(message: &Message, destination: &SlackDestination, room: usize) -> Value {
    let title = match &message.title_url {
        Some(url) => span(&Span::Link {
            text: message.title.clone(),
            url: url.clone(),
        }),
        None => escape(&message.title),
    };
    let mut sections: Vec<String> = vec![format!("*{title}*")];
    let lines: Vec<String> = message
        .lines
        .iter()
        .map(|l| clip(&line(l), MAX_SECTION_TEXT))
        .collect();
    // Room for the sections; the context block and a possible "…and N more" take two.
    let section_budget = MAX_BLOCKS - 2 - room;
    let mut omitted = 0;
    for (index, text) in lines.iter().enumerate() {
        let current = sections.last_mut().unwrap_or_else(|| unreachable!());
        if current.chars().count() + 1 + text.chars().count() <= MAX_SECTION_TEXT {
            current.push('\n');
            current.push_str(text);
        } else if sections.len() < section_budget {
            sections.push(text.clone());
        } else {
            omitted = lines.len() - index;
            break;
        }
    }
    let mut blocks: Vec<Value> = sections
        .iter()
        .map(|text| json!({"type": "section", "text": {"type": "mrkdwn", "text": text}}))
        .collect();
    if omitted > 0 {
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("…and {omitted} more")}}));
    }
    let context: Vec<Value> = message
        .context
        .iter()
        .take(MAX_CONTEXT_ELEMENTS)
        .map(|l| json!({"type": "mrkdwn", "text": clip(&line(l), MAX_SECTION_TEXT)}))
        .collect();
    if !context.is_empty() {
        blocks.push(json!({"type": "context", "elements": context}));
    }
    let mut body = json!({"text": escape(&message.summary), "blocks": blocks});
    super::set_present(
        &mut body,
        &[
            ("channel", &destination.channel),
            ("username", &destination.username),
            ("icon_emoji", &destination.icon_emoji),
        ],
    );
    body
}

/// The app's message: the webhook's blocks, then an actions block with the buttons (each
/// `action_id` is unique in it, as Block Kit requires).
pub fn app_message(message: &Message, destination: &SlackDestination, buttons: &[Button]) -> Value {
    if buttons.is_empty() {
        return render(message, destination);
    }
    let mut body = render_with_room(message, destination, 1);
    let elements: Vec<Value> = buttons
        .iter()
        .map(|button| {
            let mut element = json!({
                "type": "button",
                "action_id": button.action,
                "text": {"type": "plain_text", "text": button.label},
                "value": button.value,
            });
            if button.primary {
                element["style"] = json!("primary");
            }
            element
        })
        .collect();
    if let Some(blocks) = body["blocks"].as_array_mut() {
        blocks.push(json!({"type": "actions", "block_id": "firewatch", "elements": elements}));
    }
    body
}

/// `chat.postMessage` through a Slack app (<https://api.slack.com/methods/chat.postMessage>):
/// the app's message, to the destination's channel id, with the bot token.
pub fn post_message(
    client: &reqwest::Client,
    app: &SlackApp,
    destination: &SlackDestination,
    message: &Message,
    buttons: &[Button],
) -> reqwest::RequestBuilder {
    let body = app_message(message, destination, buttons);
    client
        .post(format!(
            "{}/chat.postMessage",
            app.api_url.trim_end_matches('/')
        ))
        .bearer_auth(&app.bot_token)
        // Slack asks for the charset on JSON bodies (a `missing_charset` warning otherwise).
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(body.to_string())
}

/// `chat.update` (<https://api.slack.com/methods/chat.update>): the message `posted`
/// (`CHANNEL:TS`) now says `message` instead.
pub fn update_message(
    client: &reqwest::Client,
    app: &SlackApp,
    destination: &SlackDestination,
    posted: &str,
    message: &Message,
    buttons: &[Button],
) -> reqwest::RequestBuilder {
    let (channel, ts) = posted.split_once(':').unwrap_or((posted, ""));
    let mut body = app_message(message, destination, buttons);
    body["channel"] = Value::String(channel.to_owned());
    body["ts"] = Value::String(ts.to_owned());
    client
        .post(format!("{}/chat.update", app.api_url.trim_end_matches('/')))
        .bearer_auth(&app.bot_token)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(body.to_string())
}

/// `chat.postEphemeral` (<https://api.slack.com/methods/chat.postEphemeral>): a message only
/// `user` sees in `channel`, as the answer to their click or command.
pub fn post_ephemeral(
    client: &reqwest::Client,
    app: &SlackApp,
    channel: &str,
    user: &str,
    text: &str,
) -> reqwest::RequestBuilder {
    client
        .post(format!(
            "{}/chat.postEphemeral",
            app.api_url.trim_end_matches('/')
        ))
        .bearer_auth(&app.bot_token)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(json!({"channel": channel, "user": user, "text": text}).to_string())
}

/// A form as a Slack modal (<https://api.slack.com/reference/surfaces/views>): one `input`
/// block per field, its `block_id` and `action_id` the field's name, so the submission's
/// `view.state.values` reads back by name. `metadata` rides along as `private_metadata`.
pub fn modal(form: &Form, metadata: &str) -> Value {
    let plain = |text: &str| json!({"type": "plain_text", "text": text});
    let blocks: Vec<Value> = form
        .fields
        .iter()
        .map(|field| match field {
            Field::Choice {
                name,
                label,
                options,
                initial,
            } => {
                let option = |(value, label): &(String, String)| {
                    json!({"text": plain(label), "value": value})
                };
                let mut element = json!({
                    "type": "static_select",
                    "action_id": name,
                    "options": options.iter().map(option).collect::<Vec<_>>(),
                });
                if let Some(chosen) = initial
                    .as_ref()
                    .and_then(|initial| options.iter().find(|(value, _)| value == initial))
                {
                    element["initial_option"] = option(chosen);
                }
                json!({"type": "input", "block_id": name, "label": plain(label), "element": element})
            }
            Field::Text { name, label, max } => json!({
                "type": "input", "block_id": name, "label": plain(label),
                "element": {"type": "plain_text_input", "action_id": name, "multiline": true,
                            "max_length": max},
            }),
            Field::Check { name, label, text } => json!({
                "type": "input", "block_id": name, "label": plain(label), "optional": true,
                "element": {"type": "checkboxes", "action_id": name,
                            "options": [{"text": plain(text), "value": "true"}]},
            }),
        })
        .collect();
    json!({
        "type": "modal",
        "callback_id": form.callback,
        "private_metadata": metadata,
        "title": plain(&form.title.chars().take(24).collect::<String>()),
        "submit": plain(&form.submit),
        "close": plain(&form.cancel),
        "blocks": blocks,
    })
}

/// `views.open` (<https://api.slack.com/methods/views.open>): shows `view` to whoever clicked,
/// within the three seconds `trigger_id` lives.
pub fn open_view(
    client: &reqwest::Client,
    app: &SlackApp,
    trigger_id: &str,
    view: &Value,
) -> reqwest::RequestBuilder {
    client
        .post(format!("{}/views.open", app.api_url.trim_end_matches('/')))
        .bearer_auth(&app.bot_token)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(json!({"trigger_id": trigger_id, "view": view}).to_string())
}

/// `users.lookupByEmail` (<https://api.slack.com/methods/users.lookupByEmail>): the Slack
/// user with this email, for linking a person who has no explicit `chat` entry.
pub fn lookup_by_email(
    client: &reqwest::Client,
    app: &SlackApp,
    email: &str,
) -> reqwest::RequestBuilder {
    client
        .get(format!(
            "{}/users.lookupByEmail",
            app.api_url.trim_end_matches('/')
        ))
        .bearer_auth(&app.bot_token)
        .query(&[("email", email)])
}

/// The user id in a `users.lookupByEmail` answer; `None` when Slack has no such user.
pub fn looked_up(body: &str) -> Option<String> {
    let answer: Value = serde_json::from_str(body).ok()?;
    (answer["ok"] == true)
        .then(|| answer["user"]["id"].as_str().map(str::to_owned))
        .flatten()
}

/// What a Web API answer of 200 means: Slack says `ok: false` with an error code for most
/// failures. The posted message is `CHANNEL:TS`; an error is `(worth retrying, code)`.
pub fn posted(body: &str) -> Result<String, (bool, String)> {
    let answer = web_api_answer(body)?;
    match (answer["channel"].as_str(), answer["ts"].as_str()) {
        (Some(channel), Some(ts)) => Ok(format!("{channel}:{ts}")),
        _ => Err((false, "Slack's answer has no channel and ts".to_owned())),
    }
}

/// A Web API answer of 200: the answer when `ok`, else `(worth retrying, Slack's error code)`.
pub fn web_api_answer(body: &str) -> Result<Value, (bool, String)> {
    let answer: Value =
        serde_json::from_str(body).map_err(|_| (true, "Slack's answer is not JSON".to_owned()))?;
    if answer["ok"] == true {
        return Ok(answer);
    }
    let code = answer["error"]
        .as_str()
        .unwrap_or("unknown_error")
        .to_owned();
    // The codes Slack documents as passing: the rest (invalid_auth, channel_not_found,
    // not_in_channel, …) need someone to fix the app or the config.
    let retry = matches!(
        code.as_str(),
        "ratelimited"
            | "request_timeout"
            | "service_unavailable"
            | "internal_error"
            | "fatal_error"
    );
    Err((retry, code))
}

/// A Web API method called with a JSON body and the bot token.
fn call(
    client: &reqwest::Client,
    app: &SlackApp,
    method: &str,
    body: &Value,
) -> reqwest::RequestBuilder {
    client
        .post(format!("{}/{method}", app.api_url.trim_end_matches('/')))
        .bearer_auth(&app.bot_token)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(body.to_string())
}

/// `conversations.create` (<https://api.slack.com/methods/conversations.create>): a public
/// channel; its id is the answer's `channel.id`.
pub fn create_channel(
    client: &reqwest::Client,
    app: &SlackApp,
    name: &str,
) -> reqwest::RequestBuilder {
    call(
        client,
        app,
        "conversations.create",
        &json!({"name": name, "is_private": false}),
    )
}

/// `conversations.invite` (<https://api.slack.com/methods/conversations.invite>): up to 1000
/// users, comma-separated.
pub fn invite(
    client: &reqwest::Client,
    app: &SlackApp,
    channel: &str,
    users: &[String],
) -> reqwest::RequestBuilder {
    call(
        client,
        app,
        "conversations.invite",
        &json!({"channel": channel, "users": users.join(",")}),
    )
}

/// `chat.postMessage` of plain text to a channel id.
pub fn say(
    client: &reqwest::Client,
    app: &SlackApp,
    channel: &str,
    text: &str,
) -> reqwest::RequestBuilder {
    call(
        client,
        app,
        "chat.postMessage",
        &json!({"channel": channel, "text": text}),
    )
}

/// `conversations.history` (<https://api.slack.com/methods/conversations.history>) for the one
/// message at `ts`: `latest` with `inclusive` and a limit of one.
pub fn message_at(
    client: &reqwest::Client,
    app: &SlackApp,
    channel: &str,
    ts: &str,
) -> reqwest::RequestBuilder {
    client
        .get(format!(
            "{}/conversations.history",
            app.api_url.trim_end_matches('/')
        ))
        .bearer_auth(&app.bot_token)
        .query(&[
            ("channel", channel),
            ("latest", ts),
            ("inclusive", "true"),
            ("limit", "1"),
        ])
}

/// A channel's name from an incident's number and title: Slack's rules (lower case letters,
/// digits, hyphens and underscores, at most 80 characters).
pub fn channel_name(number: i64, title: &str) -> String {
    let mut name = format!("inc-{number}");
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if !slug.is_empty() {
        name.push('-');
        name.push_str(slug);
    }
    name.chars()
        .take(80)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_keep_slacks_rules() {
        assert_eq!(
            channel_name(12, "Checkout is DOWN (EU)!"),
            "inc-12-checkout-is-down-eu"
        );
        assert_eq!(channel_name(3, "결제 장애"), "inc-3");
        let long = channel_name(7, &"a b ".repeat(100));
        assert!(long.len() <= 80 && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn a_web_api_answer_is_a_message_id_or_an_error_sorted_by_whether_it_passes() {
        assert_eq!(
            posted(r#"{"ok":true,"channel":"C1","ts":"1700000000.000100","message":{}}"#),
            Ok("C1:1700000000.000100".to_owned())
        );
        for code in ["ratelimited", "internal_error", "service_unavailable"] {
            let body = format!(r#"{{"ok":false,"error":"{code}"}}"#);
            assert_eq!(posted(&body), Err((true, code.to_owned())));
        }
        for code in [
            "invalid_auth",
            "channel_not_found",
            "not_in_channel",
            "msg_too_long",
        ] {
            let body = format!(r#"{{"ok":false,"error":"{code}"}}"#);
            assert_eq!(posted(&body), Err((false, code.to_owned())));
        }
        assert_eq!(
            posted("<html>"),
            Err((true, "Slack's answer is not JSON".to_owned()))
        );
    }

    #[test]
    fn an_apps_message_keeps_block_kits_limits_with_its_buttons() {
        let buttons = [
            Button {
                action: "ack",
                label: "Acknowledge".into(),
                value: "alert:1".into(),
                primary: true,
            },
            Button {
                action: "resolve",
                label: "Resolve".into(),
                value: "alert:1".into(),
                primary: false,
            },
        ];
        // Far more than 50 blocks' worth of text.
        let body = app_message(&message(400, 2900), &destination(), &buttons);
        let blocks = body["blocks"].as_array().unwrap();
        assert!(blocks.len() <= MAX_BLOCKS, "{} blocks", blocks.len());
        let actions = blocks.last().unwrap();
        assert_eq!(actions["type"], "actions");
        let ids: Vec<&str> = actions["elements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["ack", "resolve"], "unique, in order");
        assert!(
            blocks.iter().any(|b| b["text"]["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("…and "))),
            "what did not fit is counted"
        );
        for block in blocks {
            if let Some(text) = block["text"]["text"].as_str() {
                assert!(text.chars().count() <= MAX_SECTION_TEXT);
            }
        }
    }

    fn destination() -> SlackDestination {
        SlackDestination {
            name: "chat".into(),
            locale: None,
            url: Some("http://127.0.0.1:9/hook".into()),
            app: None,
            channel: None,
            username: None,
            icon_emoji: None,
        }
    }

    fn message(lines: usize, width: usize) -> Message {
        Message {
            summary: "s".into(),
            title: "A <title> & more".into(),
            title_url: Some("https://example.com/a|b".into()),
            lines: (0..lines)
                .map(|n| vec![Span::Text(format!("{n:04} {}", "x".repeat(width)))])
                .collect(),
            context: (0..20).map(|n| vec![Span::Text(format!("c{n}"))]).collect(),
            outcome: None,
            locale: crate::i18n::Locale::En,
        }
    }

    fn texts(body: &Value) -> Vec<String> {
        body["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|block| block["text"]["text"].as_str().map(str::to_owned))
            .collect()
    }

    #[test]
    fn an_oversized_message_is_cut_to_block_kit_limits_with_a_count() {
        let body = render(&message(2000, 100), &destination());
        let blocks = body["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), MAX_BLOCKS);
        let texts = texts(&body);
        assert!(
            texts
                .iter()
                .all(|text| text.chars().count() <= MAX_SECTION_TEXT)
        );
        let last = texts.last().unwrap();
        assert!(
            last.starts_with("…and ") && last.ends_with(" more"),
            "{last}"
        );
        let omitted: usize = last
            .trim_start_matches("…and ")
            .trim_end_matches(" more")
            .parse()
            .unwrap();
        let shown = texts
            .iter()
            .flat_map(|t| t.lines())
            .filter(|l| l.len() > 100)
            .count();
        assert_eq!(shown + omitted, 2000, "every line is shown or counted");
        let context = blocks.last().unwrap()["elements"].as_array().unwrap();
        assert_eq!(context.len(), MAX_CONTEXT_ELEMENTS);
    }

    #[test]
    fn a_single_huge_line_is_clipped_and_text_is_escaped() {
        let body = render(&message(1, 10_000), &destination());
        let texts = texts(&body);
        assert!(
            texts
                .iter()
                .all(|text| text.chars().count() <= MAX_SECTION_TEXT)
        );
        assert!(
            texts[0].starts_with("*<https://example.com/a%7Cb|A &lt;title&gt; &amp; more>*"),
            "{}",
            texts[0]
        );
    }
}
