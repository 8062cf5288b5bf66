//! The `kakaowork` destination: a KakaoWork bot's `messages.send`
//! (<https://docs.kakaoi.ai/kakao_work/webapireference/messages/>) to a conversation, with the
//! bot's app key as `Authorization: Bearer`, `text` for notifications and Block Kit `blocks`
//! (<https://docs.kakaoi.ai/kakao_work/blockkit/>): a header colored by the outcome, the title
//! as a bold link, one text block per line, the context as a description. `messages.send_by_email`
//! reaches one member in a 1:1 chat: a person's `kakaowork` contact. KakaoWork publishes a
//! button's limit (20 characters, <https://docs.kakaoi.ai/kakao_work/blockkit/buttonblock/>)
//! but the others loosely, so Firewatch keeps to its own there: at most 50 blocks, 500
//! characters a text block, 20 lines (then "…and N more").

use serde_json::{Value, json};

use super::message::{Line, Message, Span, clip};
use crate::core::forge::Outcome;
use crate::integrations::outbound::config::KakaoworkDestination;

pub const MAX_BLOCKS: usize = 50;
pub const MAX_TEXT: usize = 500;
pub const MAX_LINES: usize = 20;
/// A header shows one short line.
pub const MAX_HEADER: usize = 20;
/// A button's words, as KakaoWork's Button Block says.
pub const MAX_BUTTON: usize = 20;

/// A line as a text block: its plain text, and inlines for its bold spans and links.
fn text_block(spans: &Line) -> Value {
    let mut text = String::new();
    let mut inlines = Vec::new();
    for span in spans {
        let inline = match span {
            Span::Text(words) | Span::Code(words) | Span::Mention(words) => {
                json!({"type": "styled", "text": words})
            }
            Span::Bold(words) => json!({"type": "styled", "text": words, "bold": true}),
            Span::Link { text, url } => json!({"type": "link", "text": text, "url": url}),
        };
        text.push_str(inline["text"].as_str().unwrap_or_default());
        inlines.push(inline);
    }
    if text.chars().count() > MAX_TEXT {
        // Too long for inlines: the plain text, cut.
        return json!({"type": "text", "text": clip(&text, MAX_TEXT)});
    }
    json!({"type": "text", "text": text, "inlines": inlines})
}

/// The header's style: red for a failure, blue for a success, yellow while pending.
fn style(outcome: Option<Outcome>) -> &'static str {
    match outcome {
        Some(Outcome::Failure) => "red",
        Some(Outcome::Pending) => "yellow",
        _ => "blue",
    }
}

/// The blocks of a message, with `buttons` (already made) last.
pub fn blocks(message: &Message, header: &str, buttons: Vec<Value>) -> Vec<Value> {
    let title = match &message.title_url {
        Some(url) => vec![Span::Link {
            text: clip(&message.title, MAX_TEXT),
            url: url.clone(),
        }],
        None => vec![Span::Bold(clip(&message.title, MAX_TEXT))],
    };
    let mut blocks = vec![
        json!({"type": "header", "text": clip(header, MAX_HEADER), "style": style(message.outcome)}),
        text_block(&title),
    ];
    let room = MAX_LINES.min(MAX_BLOCKS - 5 - usize::from(!buttons.is_empty()));
    let shown = if message.lines.len() > room {
        room - 1
    } else {
        message.lines.len()
    };
    blocks.extend(message.lines[..shown].iter().map(text_block));
    if shown < message.lines.len() {
        blocks.push(
            json!({"type": "text", "text": super::markdown::more(message.lines.len() - shown, message.locale)}),
        );
    }
    let context: String = super::markdown::join(&message.context)
        .iter()
        .map(|span| match span {
            Span::Text(t) | Span::Bold(t) | Span::Code(t) | Span::Mention(t) => t.clone(),
            Span::Link { text, .. } => text.clone(),
        })
        .collect();
    if !context.is_empty() {
        blocks.push(json!({"type": "divider"}));
        blocks.push(json!({
            "type": "description", "term": message.locale.text("chat-details"),
            "content": {"type": "text", "text": clip(&context, MAX_TEXT)}, "accent": false,
        }));
    }
    if !buttons.is_empty() {
        blocks.push(json!({"type": "action", "elements": buttons}));
    }
    blocks
}

/// How long a button's signed value is honoured.
pub const BUTTON_LIFETIME_SECONDS: i64 = 30 * 24 * 3600;

fn signing_key(destination: &KakaoworkDestination) -> String {
    format!("firewatch-kakaowork-actions:{}", destination.token)
}

/// Buttons as `submit_action` button blocks. KakaoWork's callback carries no signature of its
/// own, so each `value` is `SUBJECT EXPIRES SIGNATURE`, signed by Firewatch with the bot's key.
pub fn buttons(
    destination: &KakaoworkDestination,
    buttons: &[super::Button],
    now: jiff::Timestamp,
) -> Vec<Value> {
    let expires = now.as_second() + BUTTON_LIFETIME_SECONDS;
    buttons
        .iter()
        .map(|button| {
            json!({
                "type": "button",
                "text": clip(&button.label, MAX_BUTTON),
                "style": if button.primary { "primary" } else { "default" },
                "action_type": "submit_action",
                "action_name": button.action,
                "value": format!(
                    "{} {expires} {}",
                    button.value,
                    crate::core::signing::tag(
                        &signing_key(destination),
                        &[button.action, &button.value, &expires.to_string()],
                    )
                ),
            })
        })
        .collect()
}

/// The subject a clicked button's `value` names, once its signature and expiry hold.
pub fn clicked<'v>(
    destination: &KakaoworkDestination,
    action: &str,
    value: &'v str,
    now: jiff::Timestamp,
) -> Result<&'v str, &'static str> {
    let mut parts = value.rsplitn(3, ' ');
    let (Some(sig), Some(expires), Some(subject)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err("the button's value is not Firewatch's");
    };
    let signed = crate::core::signing::tag_matches(
        &signing_key(destination),
        &[action, subject, expires],
        sig,
    );
    if !signed {
        return Err("the button's value does not carry Firewatch's signature");
    }
    if expires.parse::<i64>().unwrap_or(0) < now.as_second() {
        return Err("the button has expired: its message is more than 30 days old");
    }
    Ok(subject)
}

/// `users.find_by_email` (<https://docs.kakaoi.ai/kakao_work/webapireference/users/>): the
/// member with this email, for linking a person who has no explicit `chat` entry.
pub fn find_by_email(
    client: &reqwest::Client,
    destination: &KakaoworkDestination,
    email: &str,
) -> reqwest::RequestBuilder {
    client
        .get(format!(
            "{}/v1/users.find_by_email",
            destination.api_url.trim_end_matches('/')
        ))
        .bearer_auth(&destination.token)
        .query(&[("email", email)])
}

/// The user id in a `users.find_by_email` answer.
pub fn found(body: &str) -> Option<String> {
    let answer: Value = serde_json::from_str(body).ok()?;
    if answer["success"] != true {
        return None;
    }
    match &answer["user"]["id"] {
        Value::Number(id) => Some(id.to_string()),
        Value::String(id) => Some(id.clone()),
        _ => None,
    }
}

/// `messages.send` to the destination's conversation.
pub fn render(message: &Message, destination: &KakaoworkDestination, buttons: Vec<Value>) -> Value {
    json!({
        "conversation_id": destination.conversation_id,
        "text": clip(&message.summary, MAX_TEXT),
        "blocks": blocks(message, "Firewatch", buttons),
    })
}

pub fn send(
    client: &reqwest::Client,
    destination: &KakaoworkDestination,
    body: &Value,
    by_email: bool,
) -> reqwest::RequestBuilder {
    let method = if by_email {
        "messages.send_by_email"
    } else {
        "messages.send"
    };
    client
        .post(format!(
            "{}/v1/{method}",
            destination.api_url.trim_end_matches('/')
        ))
        .bearer_auth(&destination.token)
        .json(body)
}

/// What an answer of 200 means: `success` with the sent message's id, or
/// `(worth retrying, KakaoWork's error code)`.
pub fn sent(body: &str) -> Result<String, (bool, String)> {
    let answer: Value = serde_json::from_str(body)
        .map_err(|_| (true, "KakaoWork's answer is not JSON".to_owned()))?;
    if answer["success"] == true {
        return Ok(match &answer["message"]["id"] {
            Value::String(id) => id.clone(),
            other => other.to_string(),
        });
    }
    let code = answer["error"]["code"]
        .as_str()
        .unwrap_or("unknown_error")
        .to_owned();
    // Too many requests and server faults pass; the rest need the bot or the config fixed.
    let retry = matches!(code.as_str(), "too_many_requests" | "internal_server_error");
    Err((retry, code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(lines: usize) -> Message {
        Message {
            summary: "HighLatency is firing".into(),
            title: "🔥 [FIRING] HighLatency".into(),
            title_url: Some("https://firewatch.example.com/alerts/1".into()),
            lines: (0..lines)
                .map(|n| {
                    vec![
                        Span::Bold(format!("{n:02}")),
                        Span::Text(" p99 above 500 ms".into()),
                    ]
                })
                .collect(),
            context: vec![vec![Span::Text("critical".into())]],
            outcome: Some(Outcome::Failure),
            locale: crate::i18n::Locale::En,
        }
    }

    #[test]
    fn a_message_is_a_header_a_linked_title_its_lines_and_a_description() {
        let blocks = blocks(&message(2), "Firewatch", Vec::new());
        let kinds: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            ["header", "text", "text", "text", "divider", "description"]
        );
        assert_eq!(blocks[0]["style"], "red");
        assert_eq!(blocks[1]["inlines"][0]["type"], "link");
        assert_eq!(
            blocks[1]["inlines"][0]["url"],
            "https://firewatch.example.com/alerts/1"
        );
        assert_eq!(blocks[2]["inlines"][0]["bold"], true);
        assert_eq!(blocks[2]["text"], "00 p99 above 500 ms");
    }

    #[test]
    fn many_or_long_lines_keep_the_limits() {
        let blocks = blocks(
            &message(200),
            "A header longer than twenty",
            vec![json!({"type": "button"})],
        );
        assert!(blocks.len() <= MAX_BLOCKS);
        assert_eq!(
            blocks[0]["text"].as_str().unwrap().chars().count(),
            MAX_HEADER
        );
        let more = blocks
            .iter()
            .find_map(|b| b["text"].as_str().filter(|t| t.starts_with("…and ")))
            .unwrap();
        assert_eq!(more, format!("…and {} more", 200 - (MAX_LINES - 1)));
        assert_eq!(blocks.last().unwrap()["type"], "action");
        let long = Message {
            lines: vec![vec![Span::Text("가".repeat(2000))]],
            ..message(0)
        };
        let long = super::blocks(&long, "h", Vec::new());
        assert_eq!(long[2]["text"].as_str().unwrap().chars().count(), MAX_TEXT);
    }
}
