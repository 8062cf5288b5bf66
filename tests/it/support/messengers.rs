//! Stand-ins for the Korean messengers' incoming webhooks, on 127.0.0.1, as their guides
//! describe them, each recording every call: JANDI's (`Accept:
//! application/vnd.tosslab.jandi-v2+json`, a JSON `body`, `connectColor`, `connectInfo` of
//! `title`/`description`, and `email` on a team webhook) and Dooray!'s incoming hook
//! (`botName`, `botIconImage`, `text`, `attachments` of `title`, `titleLink`, `text`, `color`).
//! A request off the documented shape is answered 400 and not kept.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use serde_json::{Value, json};

use super::standins::Request;

/// One incoming webhook: what it kept, and where it listens.
#[derive(Clone)]
pub struct Messenger {
    pub url: String,
    received: Arc<Mutex<Vec<Request>>>,
}

impl Messenger {
    /// JANDI: the v2 media type in `Accept`, JSON, and a non-empty `body` (its one required
    /// field); `connectInfo` items carry `title` and `description` strings.
    pub async fn jandi() -> Messenger {
        Messenger::start(|headers, body| {
            if headers.get("accept").and_then(|v| v.to_str().ok())
                != Some("application/vnd.tosslab.jandi-v2+json")
            {
                return Err("Accept must be application/vnd.tosslab.jandi-v2+json");
            }
            if body["body"].as_str().is_none_or(str::is_empty) {
                return Err("body is required");
            }
            let items = body["connectInfo"].as_array().cloned().unwrap_or_default();
            if items
                .iter()
                .any(|item| !item["title"].is_string() || !item["description"].is_string())
            {
                return Err("connectInfo items need title and description");
            }
            if body
                .get("email")
                .is_some_and(|email| !email.as_str().is_some_and(|e| e.contains('@')))
            {
                return Err("email must be a member's address");
            }
            Ok(json!({}))
        })
        .await
    }

    /// Dooray!: JSON with `botName` and `text`; each attachment a `title`, `text` and at most a
    /// `titleLink` and a `color`.
    pub async fn dooray() -> Messenger {
        Messenger::start(|_, body| {
            if body["botName"].as_str().is_none_or(str::is_empty) {
                return Err("botName is required");
            }
            if body["text"].as_str().is_none_or(str::is_empty) {
                return Err("text is required");
            }
            let attachments = body["attachments"].as_array().cloned().unwrap_or_default();
            if attachments
                .iter()
                .any(|a| !a["title"].is_string() || !a["text"].is_string())
            {
                return Err("attachments need title and text");
            }
            Ok(json!({"header": {"resultCode": 0, "resultMessage": "", "isSuccessful": true}}))
        })
        .await
    }

    async fn start(check: fn(&HeaderMap, &Value) -> Result<Value, &'static str>) -> Messenger {
        let received: Arc<Mutex<Vec<Request>>> = Arc::default();
        let kept = received.clone();
        let handler = move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let kept = kept.clone();
            async move {
                let json_body = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("application/json"));
                let parsed = serde_json::from_slice::<Value>(&body).ok();
                let answer = match (method == Method::POST, json_body, parsed) {
                    (true, true, Some(parsed)) => check(&headers, &parsed),
                    _ => Err("a JSON POST is expected"),
                };
                match answer {
                    Ok(answer) => {
                        kept.lock().unwrap().push(Request {
                            method,
                            path: uri.to_string(),
                            headers,
                            body,
                        });
                        super::standins::json_answer(200, answer)
                    }
                    Err(why) => super::standins::json_answer(400, json!({"error": why})),
                }
            }
        };
        let url = super::standins::serve_router(axum::Router::new().fallback(handler)).await;
        Messenger {
            url: format!("{url}/webhook/9912345/5ad8d2d4b9b2f1e2a5d6"),
            received,
        }
    }

    pub fn received(&self) -> Vec<Request> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `count` requests were kept.
    pub async fn wait_for(&self, count: usize) -> Vec<Request> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out: {} of {count} requests arrived",
                received.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// KakaoWork's Web API for a bot (`https://api.kakaowork.com`): `messages.send` to a
/// conversation the bot is in, `messages.send_by_email` to a member 1:1, and
/// `users.find_by_email`; each needs the bot's app key, checks the Block Kit blocks it is sent
/// (known types, at most 50, headers styled, submit buttons named and valued) and answers in
/// KakaoWork's `{"success": …}` shape.
#[derive(Clone)]
pub struct Kakaowork {
    pub api_url: String,
    received: Arc<Mutex<Vec<Request>>>,
}

pub const KAKAOWORK_KEY: &str = "3a5b7c9d.1f2e3d4c5b6a7988f1e2d3c4b5a69788";
pub const KAKAOWORK_CONVERSATION: i64 = 1_234_567;
/// The workspace's members KakaoWork finds by email: (email, user id).
pub const KAKAOWORK_USERS: [(&str, i64); 1] = [("minji@acme.example", 2_600_123)];

impl Kakaowork {
    pub async fn start() -> Kakaowork {
        let received: Arc<Mutex<Vec<Request>>> = Arc::default();
        let kept = received.clone();
        let next = Arc::new(std::sync::atomic::AtomicI64::new(1));
        let handler = move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let kept = kept.clone();
            let next = next.clone();
            async move {
                kept.lock().unwrap().push(Request {
                    method: method.clone(),
                    path: uri.to_string(),
                    headers: headers.clone(),
                    body: body.clone(),
                });
                let fail = |status: u16, code: &str, message: &str| {
                    super::standins::json_answer(
                        status,
                        json!({"success": false, "error": {"code": code, "message": message}}),
                    )
                };
                let key = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "));
                if key != Some(KAKAOWORK_KEY) {
                    return fail(401, "unauthorized", "invalid app key");
                }
                if method == Method::GET && uri.path() == "/v1/users.find_by_email" {
                    let query: Vec<(String, String)> =
                        serde_urlencoded::from_str(uri.query().unwrap_or_default())
                            .unwrap_or_default();
                    let email = query
                        .iter()
                        .find(|(k, _)| k == "email")
                        .map(|(_, v)| v.as_str());
                    return match KAKAOWORK_USERS
                        .iter()
                        .find(|(known, _)| Some(*known) == email)
                    {
                        Some((email, id)) => super::standins::json_answer(
                            200,
                            json!({"success": true, "user": {"id": id, "space_id": "1", "name": "민지",
                                   "identifications": [{"type": "email", "value": email}],
                                   "mobiles": [], "work_start_time": 0, "work_end_time": 0,
                                   "vacation_start_time": 0, "vacation_end_time": 0}}),
                        ),
                        None => fail(200, "not_exist_user", "user not found"),
                    };
                }
                let Ok(args) = serde_json::from_slice::<Value>(&body) else {
                    return fail(400, "invalid_parameter", "the body is not JSON");
                };
                let conversation = match uri.path() {
                    "/v1/messages.send" if args["conversation_id"] == KAKAOWORK_CONVERSATION => {
                        KAKAOWORK_CONVERSATION
                    }
                    "/v1/messages.send" => {
                        return fail(200, "conversation_not_found", "conversation not found");
                    }
                    "/v1/messages.send_by_email" => {
                        let email = args["email"].as_str().unwrap_or_default();
                        if !KAKAOWORK_USERS.iter().any(|(known, _)| *known == email) {
                            return fail(200, "not_exist_user", "user not found");
                        }
                        9_000_001
                    }
                    _ => return fail(404, "not_found", "unknown method"),
                };
                if args["text"].as_str().is_none_or(str::is_empty) {
                    return fail(400, "invalid_parameter", "text is required");
                }
                if let Err(why) = check_blocks(&args["blocks"]) {
                    return fail(400, "invalid_parameter", why);
                }
                let id = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                super::standins::json_answer(
                    200,
                    json!({"success": true, "message": {"id": id, "text": args["text"],
                           "user_id": 1, "conversation_id": conversation,
                           "send_time": 1_793_581_200, "update_time": 1_793_581_200,
                           "blocks": args["blocks"]}}),
                )
            }
        };
        let api_url = super::standins::serve_router(axum::Router::new().fallback(handler)).await;
        Kakaowork { api_url, received }
    }

    pub fn received(&self) -> Vec<Request> {
        self.received.lock().unwrap().clone()
    }
}

/// Block Kit as KakaoWork's reference describes it, as much as a message uses.
fn check_blocks(blocks: &Value) -> Result<(), &'static str> {
    let Some(blocks) = blocks.as_array() else {
        return if blocks.is_null() {
            Ok(())
        } else {
            Err("blocks must be a list")
        };
    };
    if blocks.len() > 50 {
        return Err("at most 50 blocks");
    }
    let button = |button: &Value| {
        button["type"] == "button"
            // A button's words: at most 20 characters (Button Block).
            && button["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty() && t.chars().count() <= 20)
            && matches!(
                button["style"].as_str(),
                Some("default" | "primary" | "danger")
            )
            && (button["action_type"] != "submit_action"
                || (button["action_name"].is_string() && button["value"].is_string()))
    };
    for block in blocks {
        let valid = match block["type"].as_str() {
            Some("header") => {
                block["text"].is_string()
                    && matches!(block["style"].as_str(), Some("blue" | "red" | "yellow"))
            }
            Some("text") => block["text"].is_string(),
            Some("divider") => true,
            Some("description") => block["term"].is_string() && block["content"]["type"] == "text",
            Some("button") => button(block),
            Some("action") => block["elements"]
                .as_array()
                .is_some_and(|e| !e.is_empty() && e.len() <= 3 && e.iter().all(button)),
            _ => false,
        };
        if !valid {
            return Err("a block is not KakaoWork's");
        }
    }
    Ok(())
}
