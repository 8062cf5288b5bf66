//! The `mattermost` destination: an incoming webhook
//! (<https://developers.mattermost.com/integrate/webhooks/incoming/>) with Markdown text. A
//! success, failure or pending outcome puts the text in one attachment with a colored edge
//! and a plain `fallback` for notifications. Posts are kept to 16,383 characters (the
//! server's default limit) by cutting whole lines, ending in "…and N more".

use serde_json::{Value, json};

use super::Button;
use super::form::{Field, Form};
use super::markdown::{self, Syntax};
use super::message::{Line, Message, Span};
use crate::core::forge::Outcome;
use crate::integrations::outbound::config::{MattermostApp, MattermostDestination};

/// The longest post a Mattermost server accepts by default, in characters.
pub const MAX_TEXT: usize = 16383;
/// The title and the context line each stay within this, leaving the rest to the lines.
pub const MAX_TITLE: usize = 2000;
pub const MAX_CONTEXT: usize = 2000;

const SYNTAX: Syntax = Syntax {
    special: &[
        '\\', '*', '_', '[', ']', '(', ')', '<', '>', '#', '|', '`', '~', '&',
    ],
    line_start: &['-', '+', '=', '.'],
    newline: "\n",
};

/// A word joiner after `@` keeps `@channel`, `@all`, `@here` or a user's name in a pull
/// request title from notifying anyone, and shows nothing.
const MENTION_BREAK: &str = "@\u{2060}";

/// Escapes Markdown so text shows literally, and defuses mentions.
pub fn escape(text: &str) -> String {
    markdown::escape(text, &SYNTAX).replace('@', MENTION_BREAK)
}

fn span(span: &Span) -> String {
    markdown::span(span, escape)
}

pub fn line(spans: &Line) -> String {
    spans.iter().map(span).collect()
}

/// The color of an attachment's edge; none for outcomes that need no attention.
pub fn color(outcome: Option<Outcome>) -> Option<&'static str> {
    match outcome? {
        Outcome::Success => Some("#2EB67D"),
        Outcome::Failure => Some("#E01E5A"),
        Outcome::Pending => Some("#ECB22E"),
        Outcome::Cancelled | Outcome::Skipped => None,
    }
}

/// The Markdown of a message: a bold title, its lines, then its context on one line.
pub fn text(message: &Message) -> String {
    let title = match &message.title_url {
        Some(url) => Span::Link {
            text: message.title.clone(),
            url: url.clone(),
        },
        None => Span::Text(message.title.clone()),
    };
    let title = format!(
        "**{}**",
        markdown::fit_line(&[title], MAX_TITLE, &markdown::chars, &span)
    );
    let context = markdown::join(&message.context);
    let context = markdown::fit_line(&context, MAX_CONTEXT, &markdown::chars, &span);
    let mut budget = MAX_TEXT - markdown::chars(&title);
    if !context.is_empty() {
        budget -= markdown::chars(&context) + 1;
    }
    let mut rows = vec![title];
    if !message.lines.is_empty() {
        // One for the line break after the title.
        rows.extend(markdown::fit_lines(
            &message.lines,
            budget - 1,
            &markdown::chars,
            &span,
            message.locale,
        ));
    }
    if !context.is_empty() {
        rows.push(context);
    }
    rows.join("\n")
}

pub fn render(message: &Message, destination: &MattermostDestination) -> Value {
    let text = text(message);
    let mut body = match color(message.outcome) {
        Some(color) => json!({
            "attachments": [{"fallback": message.summary, "color": color, "text": text}]
        }),
        None => json!({ "text": text }),
    };
    super::set_present(
        &mut body,
        &[
            ("channel", &destination.channel),
            ("username", &destination.username),
            ("icon_url", &destination.icon_url),
        ],
    );
    body
}

/// How long a button's signed context is honoured: a click on an older message is refused.
pub const BUTTON_LIFETIME_SECONDS: i64 = 30 * 24 * 3600;

/// The HMAC that makes a button's context Firewatch's own: Mattermost sends the context back
/// as it was given, and only Firewatch (and the server, which holds the bot's token) can make
/// one, so a user cannot forge a click on another alert.
pub fn context_signature(app: &MattermostApp, action: &str, value: &str, expires: i64) -> String {
    crate::core::signing::tag(&context_key(app), &[action, value, &expires.to_string()])
}

fn context_key(app: &MattermostApp) -> String {
    format!("firewatch-mattermost-actions:{}", app.bot_token)
}

/// Whether a context's signature is the one Firewatch made, in constant time.
pub fn context_is_signed(
    app: &MattermostApp,
    action: &str,
    value: &str,
    expires: i64,
    sig: &str,
) -> bool {
    crate::core::signing::tag_matches(
        &context_key(app),
        &[action, value, &expires.to_string()],
        sig,
    )
}

/// The buttons of a post, where clicks go, and when it is posted (their context's clock).
#[derive(Debug, Clone, Copy)]
pub struct Buttons<'a> {
    pub list: &'a [Button],
    pub callback: Option<&'a str>,
    pub now: jiff::Timestamp,
}

/// The post's `props`: its attachments, the first carrying the buttons, each posting its
/// signed context to the callback when clicked.
fn props(rendered: &Value, app: &MattermostApp, buttons: &Buttons<'_>) -> Option<Value> {
    let mut attachments = rendered
        .get("attachments")
        .cloned()
        .unwrap_or_else(|| json!([]));
    if let (false, Some(callback)) = (buttons.list.is_empty(), buttons.callback) {
        let expires = buttons.now.as_second() + BUTTON_LIFETIME_SECONDS;
        let actions: Vec<Value> = buttons
            .list
            .iter()
            .map(|button| {
                json!({
                    "id": button.action,
                    "name": button.label,
                    "style": if button.primary { "primary" } else { "default" },
                    "integration": {
                        "url": callback,
                        "context": {
                            "action": button.action,
                            "value": button.value,
                            "expires": expires,
                            "sig": context_signature(app, button.action, &button.value, expires),
                        },
                    },
                })
            })
            .collect();
        match attachments.as_array_mut() {
            Some(list) if !list.is_empty() => list[0]["actions"] = json!(actions),
            _ => attachments = json!([{ "fallback": "", "actions": actions }]),
        }
    }
    attachments
        .as_array()
        .is_some_and(|list| !list.is_empty())
        .then(|| json!({ "attachments": attachments }))
}

/// A post through a Mattermost bot (`POST /api/v4/posts`,
/// <https://developers.mattermost.com/api-documentation/#/operations/CreatePost>): the
/// webhook's text as `message`, its attachments (with the buttons) under `props`, to the
/// channel's id.
pub fn create_post(
    client: &reqwest::Client,
    app: &MattermostApp,
    destination: &MattermostDestination,
    message: &Message,
    buttons: &Buttons<'_>,
) -> reqwest::RequestBuilder {
    let rendered = render(message, destination);
    let mut body = json!({
        "channel_id": destination.channel,
        "message": rendered["text"].as_str().unwrap_or_default(),
    });
    if let Some(props) = props(&rendered, app, buttons) {
        body["props"] = props;
    }
    client
        .post(format!("{}/api/v4/posts", app.url.trim_end_matches('/')))
        .bearer_auth(&app.bot_token)
        .json(&body)
}

/// `PUT /api/v4/posts/{post_id}`
/// (<https://developers.mattermost.com/api-documentation/#/operations/UpdatePost>): the post
/// now says `message` instead.
pub fn update_post(
    client: &reqwest::Client,
    app: &MattermostApp,
    destination: &MattermostDestination,
    post_id: &str,
    message: &Message,
    buttons: &Buttons<'_>,
) -> reqwest::RequestBuilder {
    let rendered = render(message, destination);
    let mut body = json!({
        "id": post_id,
        "message": rendered["text"].as_str().unwrap_or_default(),
    });
    // Always set: an update with no buttons takes the old ones away.
    body["props"] = props(&rendered, app, buttons).unwrap_or_else(|| json!({ "attachments": [] }));
    client
        .put(format!(
            "{}/api/v4/posts/{post_id}",
            app.url.trim_end_matches('/')
        ))
        .bearer_auth(&app.bot_token)
        .json(&body)
}

/// A form as a Mattermost interactive dialog
/// (<https://developers.mattermost.com/integrate/plugins/interactive-dialogs/>), submitted to
/// `url` with `state` as it was given.
pub fn dialog(form: &Form, url: &str, state: &str) -> Value {
    let elements: Vec<Value> = form
        .fields
        .iter()
        .map(|field| match field {
            Field::Choice {
                name,
                label,
                options,
                initial,
            } => json!({
                "display_name": label, "name": name, "type": "select",
                "default": initial.clone().unwrap_or_default(),
                "options": options.iter()
                    .map(|(value, label)| json!({"text": label, "value": value}))
                    .collect::<Vec<_>>(),
            }),
            Field::Text { name, label, max } => json!({
                "display_name": label, "name": name, "type": "textarea", "max_length": max,
            }),
            Field::Check { name, label, text } => json!({
                "display_name": label, "name": name, "type": "bool", "optional": true,
                "placeholder": text,
            }),
        })
        .collect();
    json!({
        "url": url,
        "dialog": {
            "callback_id": form.callback,
            "title": form.title,
            "submit_label": form.submit,
            "state": state,
            "elements": elements,
        },
    })
}

/// `POST /api/v4/actions/dialogs/open`
/// (<https://developers.mattermost.com/api-documentation/#/operations/OpenInteractiveDialog>):
/// shows the dialog to whoever clicked, while the click's `trigger_id` is fresh.
pub fn open_dialog(
    client: &reqwest::Client,
    app: &MattermostApp,
    trigger_id: &str,
    dialog: &Value,
) -> reqwest::RequestBuilder {
    let mut body = dialog.clone();
    body["trigger_id"] = json!(trigger_id);
    client
        .post(format!(
            "{}/api/v4/actions/dialogs/open",
            app.url.trim_end_matches('/')
        ))
        .bearer_auth(&app.bot_token)
        .json(&body)
}

/// `POST /api/v4/channels`
/// (<https://developers.mattermost.com/api-documentation/#/operations/CreateChannel>): an open
/// channel in the app's team; its id is the created channel's `id`.
pub fn create_channel(
    client: &reqwest::Client,
    app: &MattermostApp,
    name: &str,
    display_name: &str,
) -> reqwest::RequestBuilder {
    client
        .post(format!("{}/api/v4/channels", app.url.trim_end_matches('/')))
        .bearer_auth(&app.bot_token)
        .json(&json!({
            "team_id": app.team_id.as_deref().unwrap_or_default(),
            "name": name.chars().take(64).collect::<String>().trim_end_matches('-'),
            "display_name": display_name.chars().take(64).collect::<String>(),
            "type": "O",
        }))
}

/// `POST /api/v4/channels/{channel_id}/members`
/// (<https://developers.mattermost.com/api-documentation/#/operations/AddChannelMember>).
pub fn add_member(
    client: &reqwest::Client,
    app: &MattermostApp,
    channel: &str,
    user: &str,
) -> reqwest::RequestBuilder {
    client
        .post(format!(
            "{}/api/v4/channels/{channel}/members",
            app.url.trim_end_matches('/')
        ))
        .bearer_auth(&app.bot_token)
        .json(&json!({ "user_id": user }))
}

/// A plain post in a channel by id.
pub fn say(
    client: &reqwest::Client,
    app: &MattermostApp,
    channel: &str,
    text: &str,
) -> reqwest::RequestBuilder {
    client
        .post(format!("{}/api/v4/posts", app.url.trim_end_matches('/')))
        .bearer_auth(&app.bot_token)
        .json(&json!({ "channel_id": channel, "message": text }))
}

/// `GET /api/v4/users/email/{email}`
/// (<https://developers.mattermost.com/api-documentation/#/operations/GetUserByEmail>): the
/// Mattermost user with this email, for linking a person who has no explicit `chat` entry.
pub fn user_by_email(
    client: &reqwest::Client,
    app: &MattermostApp,
    email: &str,
) -> reqwest::RequestBuilder {
    let mut url = match reqwest::Url::parse(&app.url) {
        Ok(url) => url,
        Err(_) => return client.get(&app.url),
    };
    if let Ok(mut segments) = url.path_segments_mut() {
        segments
            .pop_if_empty()
            .extend(["api", "v4", "users", "email", email]);
    }
    client.get(url).bearer_auth(&app.bot_token)
}

/// The user id in Mattermost's answer to `user_by_email`.
pub fn looked_up(body: &str) -> Option<String> {
    let answer: Value = serde_json::from_str(body).ok()?;
    answer["id"]
        .as_str()
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

/// The post's id from Mattermost's answer (201, the post); an error is `(worth retrying, why)`.
pub fn posted(body: &str) -> Result<String, (bool, String)> {
    let answer: Value = serde_json::from_str(body)
        .map_err(|_| (true, "Mattermost's answer is not JSON".to_owned()))?;
    answer["id"]
        .as_str()
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| (false, "Mattermost's answer has no post id".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn destination() -> MattermostDestination {
        MattermostDestination {
            name: "chat".into(),
            locale: None,
            url: Some("http://127.0.0.1:9/hook".into()),
            app: None,
            channel: None,
            username: None,
            icon_url: None,
        }
    }

    fn message(lines: usize, width: usize) -> Message {
        Message {
            summary: "s".into(),
            title: "A <title> & more".into(),
            title_url: Some("https://example.com/a (b)".into()),
            lines: (0..lines)
                .map(|n| vec![Span::Text(format!("{n:04} {}", "x".repeat(width)))])
                .collect(),
            context: (0..20).map(|n| vec![Span::Text(format!("c{n}"))]).collect(),
            outcome: Some(Outcome::Failure),
            locale: crate::i18n::Locale::En,
        }
    }

    /// The Markdown, wherever the body carries it.
    fn posted(body: &Value) -> &str {
        body["text"]
            .as_str()
            .or_else(|| body["attachments"][0]["text"].as_str())
            .unwrap()
    }

    #[test]
    fn an_oversized_message_is_cut_to_the_post_limit_with_a_count() {
        let body = render(&message(2000, 100), &destination());
        assert_eq!(body["attachments"][0]["color"], "#E01E5A");
        assert_eq!(body["attachments"][0]["fallback"], "s");
        let text = posted(&body);
        assert!(text.chars().count() <= MAX_TEXT, "{}", text.chars().count());
        let rows: Vec<&str> = text.lines().collect();
        let last_line = rows[rows.len() - 2];
        let omitted: usize = last_line
            .strip_prefix("…and ")
            .and_then(|rest| rest.strip_suffix(" more"))
            .unwrap_or_else(|| panic!("{last_line}"))
            .parse()
            .unwrap();
        let shown = rows
            .iter()
            .filter(|row| row.contains(&"x".repeat(100)))
            .count();
        assert!(shown > 100, "{shown}");
        assert_eq!(shown + omitted, 2000, "every line is shown or counted");
        assert!(rows.last().unwrap().ends_with("c19"));
    }

    #[test]
    fn a_single_huge_line_is_shortened_to_fit() {
        for width in [10_000, 40_000] {
            let text = text(&message(1, width));
            assert!(text.chars().count() <= MAX_TEXT);
            assert!(text.contains("0000 xxx"));
        }
        let two = text(&message(2, 20_000));
        assert!(two.chars().count() <= MAX_TEXT);
        assert!(
            two.contains("\n…and 1 more\n"),
            "{}",
            &two[two.len() - 100..]
        );
    }

    #[test]
    fn markup_mentions_and_link_targets_show_literally() {
        let message = Message {
            summary: "s".into(),
            title: "fix *all* [the] bugs <now> #1 | `x` @channel".into(),
            title_url: Some("https://example.com/pull/1 (x)".into()),
            lines: vec![
                vec![
                    Span::Text("<script>alert(1)</script> @everyone ~town-square".into()),
                    Span::Code("a`b".into()),
                ],
                vec![
                    Span::Bold(" spaced ".into()),
                    Span::Text("- not a list".into()),
                ],
            ],
            context: vec![],
            outcome: None,
            locale: crate::i18n::Locale::En,
        };
        let body = render(&message, &destination());
        assert!(body.get("attachments").is_none());
        assert_eq!(
            posted(&body),
            "**[fix \\*all\\* \\[the\\] bugs \\<now\\> \\#1 \\| \\`x\\` @\u{2060}channel]\
             (https://example.com/pull/1%20%28x%29)**\n\
             \\<script\\>alert\\(1\\)\\</script\\> @\u{2060}everyone \\~town-square`a'b`\n \
             **spaced** \\- not a list"
        );
    }
}
