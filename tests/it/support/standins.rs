//! Stand-ins for the page senders' vendors, on 127.0.0.1: an ntfy server and Twilio's REST
//! API. Each records every request it receives and answers the way the vendor does (ntfy's
//! JSON message, Twilio's queued Message or Call resource), or with the vendor's error shape
//! when a test scripts a failure. Modelled on `support::Destination`.

// Written ahead of the on-call scenarios that use them; until then some helpers are unused.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::{Value, json};
use tokio::sync::Notify;

/// One request a stand-in received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// Path and query, as sent.
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Request {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("received JSON")
    }

    /// The `application/x-www-form-urlencoded` body, in order, repeats kept.
    pub fn form(&self) -> Vec<(String, String)> {
        serde_urlencoded::from_bytes(&self.body).expect("received a form")
    }

    /// A form field's value, if it was sent.
    pub fn field(&self, name: &str) -> Option<String> {
        self.form()
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// The `(user, password)` of HTTP basic auth, if sent.
    pub fn basic_auth(&self) -> Option<(String, String)> {
        use base64::Engine as _;
        let encoded = self.header("authorization").strip_prefix("Basic ")?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, password) = text.split_once(':')?;
        Some((user.to_owned(), password.to_owned()))
    }
}

/// What both stand-ins share: the record, the wake-up and the scripted failures.
#[derive(Clone, Default)]
struct Record {
    received: Arc<Mutex<Vec<Request>>>,
    /// Statuses to answer with, in order, before the usual success.
    script: Arc<Mutex<VecDeque<u16>>>,
    arrived: Arc<Notify>,
}

impl Record {
    /// Records a request and says which scripted status, if any, answers it.
    fn push(&self, request: Request) -> Option<u16> {
        self.received.lock().unwrap().push(request);
        self.arrived.notify_waiters();
        self.script.lock().unwrap().pop_front()
    }

    fn received(&self) -> Vec<Request> {
        self.received.lock().unwrap().clone()
    }

    async fn wait_for(&self, count: usize) -> Vec<Request> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let notified = self.arrived.notified();
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "timed out: {} of {count} requests arrived",
                    self.received().len()
                );
            }
        }
    }
}

/// A JSON answer, for the other stand-ins too.
pub fn json_answer(status: u16, body: Value) -> axum::response::Response {
    json_response(status, body)
}

/// Serves `router` on loopback; its origin.
pub async fn serve_router(router: axum::Router) -> String {
    serve(router).await
}

fn json_response(status: u16, body: Value) -> axum::response::Response {
    let mut response = axum::response::Response::new(axum::body::Body::from(body.to_string()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    response
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    origin
}

/// An ntfy server. It takes a publish at any path (JSON to the root, as Firewatch sends, or
/// a topic URL) and answers 200 with ntfy's JSON message (`id`, `time`, `expires`, `event`,
/// `topic`, `message`).
#[derive(Clone)]
pub struct Ntfy {
    /// `http://127.0.0.1:PORT`; a contact's topic URL is `{origin}/{topic}`.
    pub origin: String,
    record: Record,
}

impl Ntfy {
    pub async fn start() -> Ntfy {
        let record = Record::default();
        let next_id = Arc::new(AtomicU64::new(1));
        let handler = {
            let record = record.clone();
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let record = record.clone();
                let next_id = next_id.clone();
                async move {
                    let published: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let topic = published["topic"]
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| {
                            uri.path()
                                .trim_matches('/')
                                .rsplit('/')
                                .next()
                                .unwrap_or("")
                                .to_owned()
                        });
                    let scripted = record.push(Request {
                        method,
                        path: uri.to_string(),
                        headers,
                        body,
                    });
                    if let Some(status) = scripted.filter(|status| *status >= 300) {
                        // ntfy's error shape (e.g. 403 for a topic the token may not write).
                        return json_response(
                            status,
                            json!({
                                "code": u32::from(status) * 100 + 1,
                                "http": status,
                                "error": "scripted failure",
                                "link": "https://ntfy.sh/docs/publish/#authentication",
                            }),
                        );
                    }
                    let time = 1_790_000_000 + next_id.load(Ordering::Relaxed);
                    let id = format!("msg{:09}", next_id.fetch_add(1, Ordering::Relaxed));
                    json_response(
                        200,
                        json!({
                            "id": id,
                            "time": time,
                            "expires": time + 43_200,
                            "event": "message",
                            "topic": topic,
                            "message": published["message"].as_str().unwrap_or("triggered"),
                        }),
                    )
                }
            }
        };
        let origin = serve(axum::Router::new().fallback(handler)).await;
        Ntfy { origin, record }
    }

    /// A topic URL on this server, for a contact's `url`.
    pub fn topic_url(&self, topic: &str) -> String {
        format!("{}/{topic}", self.origin)
    }

    /// The next publishes are answered with these statuses, in order (then 200 again).
    pub fn respond_with(&self, statuses: &[u16]) {
        self.record.script.lock().unwrap().extend(statuses);
    }

    pub fn received(&self) -> Vec<Request> {
        self.record.received()
    }

    /// Waits until at least `count` requests have arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<Request> {
        self.record.wait_for(count).await
    }
}

/// Twilio's REST API: `POST /2010-04-01/Accounts/{sid}/Messages.json` and `…/Calls.json`
/// answer 201 with the queued resource (`sid` "SM…" or "CA…", `status` "queued"), as Twilio
/// does. Anything else answers 404 with Twilio's error shape. Credentials are recorded, not
/// checked: a test asserts them.
#[derive(Clone)]
pub struct Twilio {
    /// For a twilio destination's `api_url`.
    pub api_url: String,
    record: Record,
}

impl Twilio {
    pub async fn start() -> Twilio {
        let record = Record::default();
        let next_sid = Arc::new(AtomicU64::new(1));
        let handler = {
            let record = record.clone();
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let record = record.clone();
                let next_sid = next_sid.clone();
                async move {
                    let form: Vec<(String, String)> =
                        serde_urlencoded::from_bytes(&body).unwrap_or_default();
                    let field = |name: &str| {
                        form.iter()
                            .find(|(key, _)| key == name)
                            .map(|(_, value)| value.clone())
                    };
                    let path = uri.path().to_owned();
                    let scripted = record.push(Request {
                        method: method.clone(),
                        path: uri.to_string(),
                        headers,
                        body: body.clone(),
                    });
                    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
                    let (account_sid, resource) = match segments.as_slice() {
                        ["2010-04-01", "Accounts", sid, resource] if method == Method::POST => {
                            (sid.to_string(), *resource)
                        }
                        _ => {
                            return twilio_error(
                                404,
                                20404,
                                "The requested resource was not found",
                            );
                        }
                    };
                    if let Some(status) = scripted.filter(|status| *status >= 300) {
                        // 21211 is Twilio's "invalid 'To' phone number".
                        return twilio_error(status, 21211, "scripted failure");
                    }
                    let prefix = match resource {
                        "Messages.json" => "SM",
                        "Calls.json" => "CA",
                        _ => {
                            return twilio_error(
                                404,
                                20404,
                                "The requested resource was not found",
                            );
                        }
                    };
                    let sid = format!("{prefix}{:032x}", next_sid.fetch_add(1, Ordering::Relaxed));
                    let collection = resource.trim_end_matches(".json");
                    let mut resource = json!({
                        "sid": sid,
                        "account_sid": account_sid,
                        "to": field("To"),
                        "from": field("From"),
                        "status": "queued",
                        "direction": "outbound-api",
                        "api_version": "2010-04-01",
                        "date_created": "Mon, 02 Nov 2026 09:00:00 +0000",
                        "uri": format!("/2010-04-01/Accounts/{account_sid}/{collection}/{sid}.json"),
                    });
                    if prefix == "SM" {
                        resource["body"] = json!(field("Body"));
                        resource["num_segments"] = json!("1");
                    }
                    json_response(201, resource)
                }
            }
        };
        let api_url = serve(axum::Router::new().fallback(handler)).await;
        Twilio { api_url, record }
    }

    /// The next API calls are answered with these statuses, in order (then 201 again).
    pub fn respond_with(&self, statuses: &[u16]) {
        self.record.script.lock().unwrap().extend(statuses);
    }

    pub fn received(&self) -> Vec<Request> {
        self.record.received()
    }

    /// The SMS sent so far (requests to `Messages.json`).
    pub fn messages(&self) -> Vec<Request> {
        self.received_at("/Messages.json")
    }

    /// The calls placed so far (requests to `Calls.json`).
    pub fn calls(&self) -> Vec<Request> {
        self.received_at("/Calls.json")
    }

    fn received_at(&self, suffix: &str) -> Vec<Request> {
        self.received()
            .into_iter()
            .filter(|request| request.path.ends_with(suffix))
            .collect()
    }

    /// Waits until at least `count` requests have arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<Request> {
        self.record.wait_for(count).await
    }

    /// Does what Twilio does when the callee presses `digits` during a call placed with
    /// `call`: POSTs the gather form (`CallSid`, `Digits`, …) to the `<Gather>`'s action URL,
    /// signed with `auth_token`. Returns the status and the TwiML answered.
    pub async fn press(
        call: &Request,
        call_sid: &str,
        digits: &str,
        auth_token: &str,
    ) -> (u16, String) {
        let twiml = call.field("Twiml").expect("the call carries TwiML");
        let action = gather_action(&twiml).expect("the TwiML has a <Gather action>");
        let params: Vec<(String, String)> = [
            (
                "AccountSid",
                call.basic_auth().map(|(sid, _)| sid).unwrap_or_default(),
            ),
            ("CallSid", call_sid.to_owned()),
            ("CallStatus", "in-progress".to_owned()),
            ("Digits", digits.to_owned()),
            ("Direction", "outbound-api".to_owned()),
            ("From", call.field("From").unwrap_or_default()),
            ("To", call.field("To").unwrap_or_default()),
            ("FinishedOnKey", String::new()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        let signature =
            firewatch::integrations::outbound::twilio::signature(auth_token, &action, &params);
        let response = reqwest::Client::new()
            .post(&action)
            .header("X-Twilio-Signature", signature)
            .form(&params)
            .send()
            .await
            .expect("the gather action answers");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }
}

fn twilio_error(status: u16, code: u32, message: &str) -> axum::response::Response {
    json_response(
        status,
        json!({
            "code": code,
            "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status,
        }),
    )
}

/// The `action` of the first `<Gather>` in `twiml`, with XML escapes undone.
pub fn gather_action(twiml: &str) -> Option<String> {
    let gather = &twiml[twiml.find("<Gather")?..];
    let start = gather.find("action=\"")? + "action=\"".len();
    let end = start + gather[start..].find('"')?;
    Some(
        gather[start..end]
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Issue trackers' create-issue APIs on one server: GitHub's `POST /repos/{owner}/{repo}/issues`
/// (201 with `number` and `html_url`), GitLab's `POST /api/v4/projects/{id}/issues` (201 with
/// `iid` and `web_url`) and Jira's `POST /rest/api/2/issue` (201 with `id`, `key`, `self`).
/// Anything else is a 404, as the vendors answer an unknown path.
#[derive(Clone)]
pub struct Trackers {
    pub origin: String,
    record: Record,
}

impl Trackers {
    pub async fn start() -> Trackers {
        let record = Record::default();
        let next = Arc::new(AtomicU64::new(1));
        let handler = {
            let record = record.clone();
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let record = record.clone();
                let next = next.clone();
                async move {
                    let path = uri.path().to_owned();
                    let scripted = record.push(Request {
                        method,
                        path: uri.to_string(),
                        headers,
                        body,
                    });
                    if let Some(status) = scripted.filter(|status| *status >= 300) {
                        return json_response(status, json!({"message": "scripted failure"}));
                    }
                    let number = next.fetch_add(1, Ordering::Relaxed);
                    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
                    match segments.as_slice() {
                        ["repos", owner, repo, "issues"] => json_response(
                            201,
                            json!({
                                "id": 1_000 + number, "number": number, "state": "open",
                                "html_url": format!("https://github.com/{owner}/{repo}/issues/{number}"),
                            }),
                        ),
                        ["api", "v4", "projects", project, "issues"] => json_response(
                            201,
                            json!({
                                "id": 2_000 + number, "iid": number,
                                "web_url": format!("https://gitlab.example.com/{}/-/issues/{number}",
                                    project.replace("%2F", "/")),
                            }),
                        ),
                        ["rest", "api", "2", "issue"] => json_response(
                            201,
                            json!({
                                "id": format!("{}", 10_000 + number), "key": format!("OPS-{number}"),
                                "self": format!("https://acme.atlassian.net/rest/api/2/issue/{}", 10_000 + number),
                            }),
                        ),
                        _ => json_response(404, json!({"message": "Not Found"})),
                    }
                }
            }
        };
        let origin = serve(axum::Router::new().fallback(handler)).await;
        Trackers { origin, record }
    }

    pub fn fail_next(&self, statuses: &[u16]) {
        self.record.script.lock().unwrap().extend(statuses);
    }

    pub fn received(&self) -> Vec<Request> {
        self.record.received()
    }

    pub async fn wait_for(&self, count: usize) -> Vec<Request> {
        self.record.wait_for(count).await
    }
}
