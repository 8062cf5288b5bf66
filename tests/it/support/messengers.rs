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
