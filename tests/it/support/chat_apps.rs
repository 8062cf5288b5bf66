//! Stand-ins for the chat platforms' APIs that chat apps post through, on 127.0.0.1: Slack's
//! Web API and Mattermost's REST API v4, as their documentation describes them. Each checks
//! the bot token, records every call, and answers in the platform's own shape: Slack's
//! `{"ok": true, "channel", "ts", "message"}` or `{"ok": false, "error"}` (HTTP 429 with
//! `Retry-After` for `ratelimited`), Mattermost's created post (201) or its error document.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use serde_json::{Value, json};

use super::standins::Request;

/// Slack's Web API (`https://slack.com/api`): `chat.postMessage`
/// (<https://api.slack.com/methods/chat.postMessage>) and `chat.update`
/// (<https://api.slack.com/methods/chat.update>), which needs a message it posted, and
/// `chat.postEphemeral` (<https://api.slack.com/methods/chat.postEphemeral>).
#[derive(Clone)]
pub struct Slack {
    /// For a chat app's `api_url`.
    pub api_url: String,
    received: Arc<Mutex<Vec<Request>>>,
    /// Error codes to answer the next calls with, in order.
    errors: Arc<Mutex<VecDeque<&'static str>>>,
    /// The channels the bot is in, `(id, name)`: `SLACK_CHANNELS` and those it made.
    channels: Arc<Mutex<Vec<(String, String)>>>,
    /// What people said in the channels, as `conversations.history` gives it.
    said: Arc<Mutex<Vec<Value>>>,
    /// The messages the bot posted, `(channel, ts)`.
    posted: Arc<Mutex<Vec<(String, String)>>>,
}

pub const SLACK_TOKEN: &str = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy";
/// The channels the bot is in.
pub const SLACK_CHANNELS: [&str; 2] = ["C0123456789", "C0ANOTHER01"];
/// The workspace's users Slack finds by email.
pub const SLACK_USERS: [(&str, &str); 1] = [("bo@acme.example", "U0BO000001")];
/// The Mattermost users the server finds by email.
pub const MATTERMOST_USERS: [(&str, &str); 1] = [("bo@acme.example", "mmbo00000000000000000000aa")];

impl Slack {
    pub async fn start() -> Slack {
        let received: Arc<Mutex<Vec<Request>>> = Arc::default();
        let errors: Arc<Mutex<VecDeque<&'static str>>> = Arc::default();
        let next_ts = Arc::new(AtomicU64::new(100));
        let posted: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let channels: Arc<Mutex<Vec<(String, String)>>> = Arc::new(Mutex::new(
            SLACK_CHANNELS
                .iter()
                .map(|id| ((*id).to_owned(), id.to_lowercase()))
                .collect(),
        ));
        let said: Arc<Mutex<Vec<Value>>> = Arc::default();
        let handler = {
            let received = received.clone();
            let errors = errors.clone();
            let channels = channels.clone();
            let said = said.clone();
            let posted = posted.clone();
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let received = received.clone();
                let errors = errors.clone();
                let next_ts = next_ts.clone();
                let posted = posted.clone();
                let channels = channels.clone();
                let said = said.clone();
                async move {
                    received.lock().unwrap().push(Request {
                        method: method.clone(),
                        path: uri.to_string(),
                        headers: headers.clone(),
                        body: body.clone(),
                    });
                    let fail = |error: &str| ok_false(200, error);
                    let bearer = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("Bearer "))
                        .map(str::to_owned);
                    if method == Method::GET && uri.path() == "/users.lookupByEmail" {
                        if bearer.as_deref() != Some(SLACK_TOKEN) {
                            return fail("invalid_auth");
                        }
                        let query: Vec<(String, String)> =
                            serde_urlencoded::from_str(uri.query().unwrap_or_default())
                                .unwrap_or_default();
                        let email = query
                            .iter()
                            .find(|(k, _)| k == "email")
                            .map(|(_, v)| v.as_str());
                        return match email
                            .and_then(|email| SLACK_USERS.iter().find(|(known, _)| *known == email))
                        {
                            Some((email, id)) => super::standins::json_answer(
                                200,
                                json!({"ok": true, "user": {"id": id, "name": "bo", "profile": {"email": email}}}),
                            ),
                            None => fail("users_not_found"),
                        };
                    }
                    let known = |id: &str| channels.lock().unwrap().iter().any(|(c, _)| c == id);
                    if method == Method::GET && uri.path() == "/conversations.history" {
                        if bearer.as_deref() != Some(SLACK_TOKEN) {
                            return fail("invalid_auth");
                        }
                        let query: Vec<(String, String)> =
                            serde_urlencoded::from_str(uri.query().unwrap_or_default())
                                .unwrap_or_default();
                        let arg = |name: &str| {
                            query
                                .iter()
                                .find(|(k, _)| k == name)
                                .map(|(_, v)| v.clone())
                                .unwrap_or_default()
                        };
                        let channel = arg("channel");
                        if !known(&channel) {
                            return fail("channel_not_found");
                        }
                        // `latest` with `inclusive` and a limit of 1: the message at that ts.
                        let latest = arg("latest");
                        let inclusive = arg("inclusive") == "true";
                        let messages: Vec<Value> = said
                            .lock()
                            .unwrap()
                            .iter()
                            .filter(|m| m["channel"] == channel.as_str())
                            .filter(|m| {
                                let ts = m["ts"].as_str().unwrap_or_default();
                                latest.is_empty()
                                    || ts < latest.as_str()
                                    || (inclusive && ts == latest)
                            })
                            .rev()
                            .take(arg("limit").parse().unwrap_or(100))
                            .map(|m| {
                                json!({"type": "message", "user": m["user"], "text": m["text"], "ts": m["ts"]})
                            })
                            .collect();
                        return super::standins::json_answer(
                            200,
                            json!({"ok": true, "messages": messages, "has_more": false}),
                        );
                    }
                    if method == Method::POST
                        && matches!(
                            uri.path(),
                            "/conversations.create" | "/conversations.invite"
                        )
                    {
                        if bearer.as_deref() != Some(SLACK_TOKEN) {
                            return fail("invalid_auth");
                        }
                        let Ok(args) = serde_json::from_slice::<Value>(&body) else {
                            return fail("invalid_json");
                        };
                        if uri.path() == "/conversations.invite" {
                            let channel = args["channel"].as_str().unwrap_or_default();
                            if !known(channel) {
                                return fail("channel_not_found");
                            }
                            let users = args["users"].as_str().unwrap_or_default();
                            if users.is_empty() || users.split(',').any(|u| !u.starts_with('U')) {
                                return fail("user_not_found");
                            }
                            return super::standins::json_answer(
                                200,
                                json!({"ok": true, "channel": {"id": channel}}),
                            );
                        }
                        // Slack's naming rules: lower case letters, digits, - and _, 80 at most.
                        let name = args["name"].as_str().unwrap_or_default();
                        let valid = !name.is_empty()
                            && name.len() <= 80
                            && name.chars().all(|c| {
                                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
                            });
                        if !valid {
                            return fail("invalid_name_specials");
                        }
                        let mut list = channels.lock().unwrap();
                        if list.iter().any(|(_, n)| n == name) {
                            return fail("name_taken");
                        }
                        let id = format!("C0INC{:05}", list.len());
                        list.push((id.clone(), name.to_owned()));
                        return super::standins::json_answer(
                            200,
                            json!({"ok": true, "channel": {"id": id, "name": name, "is_channel": true,
                                   "is_private": args["is_private"] == true, "creator": "U0FIREWATCH"}}),
                        );
                    }
                    if method == Method::POST && uri.path() == "/views.open" {
                        if bearer.as_deref() != Some(SLACK_TOKEN) {
                            return fail("invalid_auth");
                        }
                        return open_view(&body);
                    }
                    let update = match (method == Method::POST, uri.path()) {
                        (true, "/chat.postMessage" | "/chat.postEphemeral") => false,
                        (true, "/chat.update") => true,
                        _ => return fail("unknown_method"),
                    };
                    let ephemeral = uri.path() == "/chat.postEphemeral";
                    let token = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("Bearer "));
                    match token {
                        None => return fail("not_authed"),
                        Some(token) if token != SLACK_TOKEN => return fail("invalid_auth"),
                        Some(_) => {}
                    }
                    if let Some(error) = errors.lock().unwrap().pop_front() {
                        return if error == "ratelimited" {
                            let mut response = ok_false(429, error);
                            response
                                .headers_mut()
                                .insert("retry-after", axum::http::HeaderValue::from_static("30"));
                            response
                        } else {
                            fail(error)
                        };
                    }
                    let content_type = headers
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    let Some(args) = content_type
                        .starts_with("application/json")
                        .then(|| serde_json::from_slice::<Value>(&body).ok())
                        .flatten()
                    else {
                        return fail("invalid_json");
                    };
                    let channel = args["channel"].as_str().unwrap_or_default();
                    if channel.is_empty() {
                        return fail("channel_not_found");
                    }
                    if !known(channel) {
                        return fail("not_in_channel");
                    }
                    if args["text"].as_str().is_none_or(str::is_empty) && args["blocks"].is_null() {
                        return fail("no_text");
                    }
                    if ephemeral {
                        if args["user"].as_str().is_none_or(str::is_empty) {
                            return fail("user_not_in_channel");
                        }
                        return super::standins::json_answer(
                            200,
                            json!({"ok": true, "message_ts": "1700000001.000001"}),
                        );
                    }
                    if update {
                        let ts = args["ts"].as_str().unwrap_or_default().to_owned();
                        if !posted
                            .lock()
                            .unwrap()
                            .contains(&(channel.to_owned(), ts.clone()))
                        {
                            return fail("message_not_found");
                        }
                        return super::standins::json_answer(
                            200,
                            json!({"ok": true, "channel": channel, "ts": ts, "text": args["text"],
                                   "message": {"text": args["text"], "blocks": args["blocks"]}}),
                        );
                    }
                    let ts = format!("1700000000.{:06}", next_ts.fetch_add(1, Ordering::Relaxed));
                    posted
                        .lock()
                        .unwrap()
                        .push((channel.to_owned(), ts.clone()));
                    super::standins::json_answer(
                        200,
                        json!({
                            "ok": true,
                            "channel": channel,
                            "ts": ts,
                            "message": {
                                "type": "message", "subtype": "bot_message", "bot_id": "B0FIREWATCH",
                                "text": args["text"], "blocks": args["blocks"], "ts": ts,
                            },
                        }),
                    )
                }
            }
        };
        let api_url = super::standins::serve_router(axum::Router::new().fallback(handler)).await;
        Slack {
            api_url,
            received,
            errors,
            channels,
            said,
            posted,
        }
    }

    /// Someone deletes the bot's message at `ts`: updating it is `message_not_found` now.
    pub fn delete_message(&self, ts: &str) {
        self.posted
            .lock()
            .unwrap()
            .retain(|(_, posted)| posted != ts);
    }

    /// The channels the bot made, `(id, name)`, in order.
    pub fn made_channels(&self) -> Vec<(String, String)> {
        self.channels.lock().unwrap()[SLACK_CHANNELS.len()..].to_vec()
    }

    /// A person says `text` in `channel`; the message's `ts`.
    pub fn person_says(&self, channel: &str, user: &str, text: &str) -> String {
        let mut said = self.said.lock().unwrap();
        let ts = format!("1700000500.{:06}", said.len() + 1);
        said.push(json!({"channel": channel, "user": user, "text": text, "ts": ts}));
        ts
    }

    /// The next calls fail with these error codes, in order.
    pub fn fail_next(&self, errors: &[&'static str]) {
        self.errors.lock().unwrap().extend(errors);
    }

    pub fn received(&self) -> Vec<Request> {
        self.received.lock().unwrap().clone()
    }
}

/// `views.open` (<https://api.slack.com/methods/views.open>): a modal for a fresh
/// `trigger_id`, checked against the view reference's limits (title 24 characters, 1 to 100
/// blocks, each input with a label and an element, unique block ids); the view as Slack keeps it.
fn open_view(body: &[u8]) -> axum::response::Response {
    let Ok(args) = serde_json::from_slice::<Value>(body) else {
        return ok_false(200, "invalid_json");
    };
    if args["trigger_id"].as_str().is_none_or(str::is_empty) {
        return ok_false(200, "invalid_trigger_id");
    }
    let view = &args["view"];
    let title = view["title"]["text"].as_str().unwrap_or_default();
    let blocks = view["blocks"].as_array().cloned().unwrap_or_default();
    let mut ids = std::collections::HashSet::new();
    let valid = view["type"] == "modal"
        && !title.is_empty()
        && title.chars().count() <= 24
        && (1..=100).contains(&blocks.len())
        && blocks.iter().all(|block| {
            block["type"] != "input"
                || (block["label"]["text"].is_string() && block["element"]["type"].is_string())
        })
        && blocks.iter().all(|block| {
            block["block_id"]
                .as_str()
                .is_none_or(|id| ids.insert(id.to_owned()))
        });
    if !valid {
        return ok_false(200, "invalid_arguments");
    }
    let mut kept = view.clone();
    kept["id"] = json!("V0FIREWATCH1");
    kept["state"] = json!({"values": {}});
    super::standins::json_answer(200, json!({"ok": true, "view": kept}))
}

fn ok_false(status: u16, error: &str) -> axum::response::Response {
    super::standins::json_answer(status, json!({"ok": false, "error": error}))
}

/// Mattermost's REST API v4: `POST /api/v4/posts`
/// (<https://developers.mattermost.com/api-documentation/#/operations/CreatePost>) and
/// `PUT /api/v4/posts/{post_id}` (`UpdatePost`), for a post it created.
#[derive(Clone)]
pub struct Mattermost {
    /// For a chat app's `url`.
    pub url: String,
    received: Arc<Mutex<Vec<Request>>>,
}

pub const MATTERMOST_TOKEN: &str = "9xuqwrwgstrb3mzrxb83nb357a";
/// The channel the bot is a member of: Mattermost ids are 26 characters.
pub const MATTERMOST_CHANNEL: &str = "4xp9fdt7pbgium38k9fwmiup3w";
/// The team the bot makes incident channels in.
pub const MATTERMOST_TEAM: &str = "team0000000000000000000000";

impl Mattermost {
    pub async fn start() -> Mattermost {
        let received: Arc<Mutex<Vec<Request>>> = Arc::default();
        let next = Arc::new(AtomicU64::new(1));
        let channels = Arc::new(Mutex::new(vec![MATTERMOST_CHANNEL.to_owned()]));
        let handler = {
            let received = received.clone();
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let received = received.clone();
                let next = next.clone();
                let channels = channels.clone();
                async move {
                    received.lock().unwrap().push(Request {
                        method: method.clone(),
                        path: uri.to_string(),
                        headers: headers.clone(),
                        body: body.clone(),
                    });
                    let error = |status: u16, id: &str, message: &str| {
                        super::standins::json_answer(
                            status,
                            json!({"id": id, "message": message, "detailed_error": "",
                                   "request_id": "x1y2z3", "status_code": status}),
                        )
                    };
                    if method == Method::GET {
                        if let Some(email) = uri.path().strip_prefix("/api/v4/users/email/") {
                            let bearer = headers
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .and_then(|v| v.strip_prefix("Bearer "));
                            if bearer != Some(MATTERMOST_TOKEN) {
                                return error(
                                    401,
                                    "api.context.session_expired.app_error",
                                    "Invalid or expired session, please login again.",
                                );
                            }
                            let email = percent_decode(email);
                            return match MATTERMOST_USERS.iter().find(|(known, _)| *known == email)
                            {
                                Some((email, id)) => super::standins::json_answer(
                                    200,
                                    json!({"id": id, "username": "bo", "email": email}),
                                ),
                                None => error(
                                    404,
                                    "app.user.missing_account.const",
                                    "Unable to find the user.",
                                ),
                            };
                        }
                    }
                    if method == Method::POST && uri.path() == "/api/v4/actions/dialogs/open" {
                        // Mattermost checks the dialog, not the caller: the trigger is the proof.
                        let Ok(open) = serde_json::from_slice::<Value>(&body) else {
                            return error(
                                400,
                                "api.context.invalid_body_param.app_error",
                                "Invalid or missing dialog in request body.",
                            );
                        };
                        let dialog = &open["dialog"];
                        let complete = open["trigger_id"].as_str().is_some_and(|t| !t.is_empty())
                            && open["url"].as_str().is_some_and(|u| u.starts_with("http"))
                            && dialog["title"].as_str().is_some_and(|t| !t.is_empty())
                            && dialog["elements"].as_array().is_some_and(|e| {
                                e.iter().all(|element| {
                                    element["name"].is_string()
                                        && element["display_name"].is_string()
                                })
                            });
                        if !complete {
                            return error(
                                400,
                                "interactive_message.decode_trigger_id.missing_data",
                                "Trigger ID for interactive dialog is missing required data.",
                            );
                        }
                        return super::standins::json_answer(200, json!({"status": "OK"}));
                    }
                    let bearer_ok = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("Bearer "))
                        == Some(MATTERMOST_TOKEN);
                    if method == Method::POST && uri.path().starts_with("/api/v4/channels") {
                        if !bearer_ok {
                            return error(
                                401,
                                "api.context.session_expired.app_error",
                                "Invalid or expired session, please login again.",
                            );
                        }
                        let args: Value = serde_json::from_slice(&body).unwrap_or_default();
                        if let Some(rest) = uri.path().strip_prefix("/api/v4/channels/") {
                            let channel = rest.strip_suffix("/members").unwrap_or_default();
                            if !channels.lock().unwrap().iter().any(|c| c == channel) {
                                return error(
                                    404,
                                    "app.channel.get.existing.app_error",
                                    "Unable to find the existing channel.",
                                );
                            }
                            return super::standins::json_answer(
                                201,
                                json!({"channel_id": channel, "user_id": args["user_id"], "roles": "channel_user"}),
                            );
                        }
                        let name = args["name"].as_str().unwrap_or_default();
                        let valid = (2..=64).contains(&name.len())
                            && name.chars().all(|c| {
                                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
                            });
                        if args["team_id"] != MATTERMOST_TEAM || !valid || args["type"] != "O" {
                            return error(
                                400,
                                "model.channel.is_valid.2_or_more.app_error",
                                "Name must be 2 or more lowercase alphanumeric characters.",
                            );
                        }
                        let mut list = channels.lock().unwrap();
                        let id = format!("chan{:022}", list.len());
                        list.push(id.clone());
                        return super::standins::json_answer(
                            201,
                            json!({"id": id, "team_id": MATTERMOST_TEAM, "type": "O", "name": name,
                                   "display_name": args["display_name"]}),
                        );
                    }
                    let updating = uri
                        .path()
                        .strip_prefix("/api/v4/posts/")
                        .filter(|_| method == Method::PUT)
                        .map(str::to_owned);
                    if updating.is_none()
                        && (method != Method::POST || uri.path() != "/api/v4/posts")
                    {
                        return error(
                            404,
                            "api.context.404.app_error",
                            "Sorry, we could not find the page.",
                        );
                    }
                    let token = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("Bearer "));
                    if token != Some(MATTERMOST_TOKEN) {
                        return error(
                            401,
                            "api.context.session_expired.app_error",
                            "Invalid or expired session, please login again.",
                        );
                    }
                    let Ok(post) = serde_json::from_slice::<Value>(&body) else {
                        return error(
                            400,
                            "api.context.invalid_body_param.app_error",
                            "Invalid or missing post in request body.",
                        );
                    };
                    if let Some(id) = updating {
                        let known = id
                            .parse::<u64>()
                            .is_ok_and(|n| n >= 1 && n < next.load(Ordering::Relaxed));
                        if !known || post["id"].as_str() != Some(id.as_str()) {
                            return error(404, "app.post.get.app_error", "Unable to get the post.");
                        }
                        return super::standins::json_answer(
                            200,
                            json!({"id": id, "channel_id": MATTERMOST_CHANNEL,
                                   "message": post["message"], "props": post["props"],
                                   "edit_at": 1_793_581_260_000_i64}),
                        );
                    }
                    let channel = post["channel_id"].as_str().unwrap_or_default();
                    if !channels.lock().unwrap().iter().any(|c| c == channel) {
                        return error(
                            403,
                            "api.context.permissions.app_error",
                            "You do not have the appropriate permissions.",
                        );
                    }
                    let id = format!("{:026}", next.fetch_add(1, Ordering::Relaxed));
                    super::standins::json_answer(
                        201,
                        json!({
                            "id": id, "create_at": 1_793_581_200_000_i64, "update_at": 1_793_581_200_000_i64,
                            "edit_at": 0, "delete_at": 0, "is_pinned": false,
                            "user_id": "bot0firewatch0000000000000", "channel_id": channel,
                            "root_id": "", "original_id": "", "message": post["message"],
                            "type": "", "props": post["props"], "hashtag": "", "pending_post_id": "",
                        }),
                    )
                }
            }
        };
        let url = super::standins::serve_router(axum::Router::new().fallback(handler)).await;
        Mattermost { url, received }
    }

    pub fn received(&self) -> Vec<Request> {
        self.received.lock().unwrap().clone()
    }
}

/// `%40` and the like, as a path segment carries them.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() + 1 {
            if let Ok(byte) = u8::from_str_radix(&text[index + 1..(index + 3).min(text.len())], 16)
            {
                out.push(byte);
                index += 3;
                continue;
            }
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
