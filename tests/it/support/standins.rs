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
                let paths: Vec<String> = self
                    .received()
                    .iter()
                    .map(|request| format!("{} {}", request.method, request.path))
                    .collect();
                panic!(
                    "timed out: {} of {count} requests arrived: {paths:#?}",
                    paths.len()
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

/// The delivery loop's vendor APIs on one server, each in its documented REST shape: GitHub's
/// REST API (pull requests, issue comments, reviews, workflow dispatches), GitLab's REST API v4
/// under `/api/v4` (project members, merge request notes, pipeline triggers) and Jenkins'
/// remote access API (`buildWithParameters`). Credentials are checked as each vendor does.
#[derive(Clone)]
pub struct ForgeApis {
    /// GitHub's `api_url`, GitLab's and Jenkins' base URL.
    pub origin: String,
    record: Record,
    state: Arc<Mutex<ForgeState>>,
}

/// What `ForgeApis` answers from: the credentials it accepts and what the tests set.
#[derive(Default)]
struct ForgeState {
    origin: String,
    github_token: String,
    gitlab_token: String,
    jenkins_user: String,
    jenkins_token: String,
    /// GitHub pull request objects by `("owner/repo", number)`.
    pulls: std::collections::HashMap<(String, u64), Value>,
    /// GitHub reviews (a JSON array) by `("owner/repo", number)`.
    reviews: std::collections::HashMap<(String, u64), Value>,
    /// GitHub collaborator permissions by `("owner/repo", login)`; `read` otherwise, as a
    /// public repository answers for anyone.
    permissions: std::collections::HashMap<(String, String), String>,
    /// GitLab member objects by `(decoded project path, user id)`.
    members: std::collections::HashMap<(String, u64), Value>,
    /// GitLab pipeline trigger tokens by decoded project path.
    trigger_tokens: std::collections::HashMap<String, String>,
    /// The last id handed out (comments, notes, pipelines, queue items).
    last_id: u64,
}

impl ForgeApis {
    /// Starts the stand-in: GitHub wants `Authorization: Bearer|token {github_token}`, GitLab
    /// `PRIVATE-TOKEN: {gitlab_token}` and Jenkins basic auth `{jenkins_user}:{jenkins_token}`.
    pub async fn start(
        github_token: &str,
        gitlab_token: &str,
        jenkins_user: &str,
        jenkins_token: &str,
    ) -> ForgeApis {
        let record = Record::default();
        let state = Arc::new(Mutex::new(ForgeState {
            github_token: github_token.to_owned(),
            gitlab_token: gitlab_token.to_owned(),
            jenkins_user: jenkins_user.to_owned(),
            jenkins_token: jenkins_token.to_owned(),
            ..ForgeState::default()
        }));
        let handler = {
            let record = record.clone();
            let state = state.clone();
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let record = record.clone();
                let state = state.clone();
                async move {
                    let request = Request {
                        method,
                        path: uri.to_string(),
                        headers,
                        body,
                    };
                    let scripted = record.push(request.clone());
                    if let Some(status) = scripted.filter(|status| *status >= 300) {
                        return json_response(status, json!({"message": "scripted failure"}));
                    }
                    forge_answer(&state, &request)
                }
            }
        };
        let origin = serve(axum::Router::new().fallback(handler)).await;
        state.lock().unwrap().origin = origin.clone();
        ForgeApis {
            origin,
            record,
            state,
        }
    }

    /// Sets GitHub's pull request object (`GET /repos/{owner}/{repo}/pulls/{number}`) for
    /// `repo` as `owner/name`.
    pub fn set_pull(&self, repo: &str, number: u64, head_ref: &str, head_sha: &str, author: &str) {
        let pull = json!({
            "id": 100_000 + number,
            "number": number,
            "state": "open",
            "title": format!("Pull request #{number}: {head_ref}"),
            "html_url": format!("https://github.com/{repo}/pull/{number}"),
            "user": {"login": author},
            "head": {"ref": head_ref, "sha": head_sha, "repo": {"full_name": repo}},
            "base": {"ref": "main", "repo": {"full_name": repo}},
            "merged": false,
        });
        let mut state = self.state.lock().unwrap();
        state.pulls.insert((repo.to_owned(), number), pull);
    }

    /// Sets GitHub's list of reviews (`GET /repos/{owner}/{repo}/pulls/{number}/reviews`), a
    /// JSON array of review objects; `[]` until set.
    pub fn set_reviews(&self, repo: &str, number: u64, reviews: Value) {
        let mut state = self.state.lock().unwrap();
        state.reviews.insert((repo.to_owned(), number), reviews);
    }

    /// Sets what `GET /repos/{owner}/{repo}/collaborators/{login}/permission` answers:
    /// `admin`, `maintain`, `write`, `triage` or `read`.
    pub fn set_permission(&self, repo: &str, login: &str, permission: &str) {
        let mut state = self.state.lock().unwrap();
        state
            .permissions
            .insert((repo.to_owned(), login.to_owned()), permission.to_owned());
    }

    /// Makes `username` a member of GitLab `project` (a path such as `group/project`), as
    /// `GET /api/v4/projects/{id}/members/all/{user_id}` answers.
    pub fn set_member(&self, project: &str, user_id: u64, username: &str, access_level: u32) {
        let member = json!({
            "id": user_id,
            "username": username,
            "name": username,
            "state": "active",
            "access_level": access_level,
            "web_url": format!("https://gitlab.example.com/{username}"),
        });
        let mut state = self.state.lock().unwrap();
        state
            .members
            .insert((percent_decode(project), user_id), member);
    }

    /// Sets GitLab `project`'s pipeline trigger token, for
    /// `POST /api/v4/projects/{id}/trigger/pipeline`.
    pub fn set_trigger_token(&self, project: &str, token: &str) {
        let mut state = self.state.lock().unwrap();
        state
            .trigger_tokens
            .insert(percent_decode(project), token.to_owned());
    }

    /// The next requests are answered with these statuses, in order, in the generic
    /// `{"message": "scripted failure"}` shape (then as the vendor would again).
    pub fn fail_next(&self, statuses: &[u16]) {
        self.record.script.lock().unwrap().extend(statuses);
    }

    /// Every request received so far, in order.
    pub fn received(&self) -> Vec<Request> {
        self.record.received()
    }

    /// Waits until at least `count` requests have arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<Request> {
        self.record.wait_for(count).await
    }

    /// The requests with this method whose path (without the query) starts with `path_prefix`.
    pub fn calls(&self, method: &str, path_prefix: &str) -> Vec<Request> {
        self.received()
            .into_iter()
            .filter(|request| {
                let path = request.path.split('?').next().unwrap_or("");
                request.method.as_str().eq_ignore_ascii_case(method)
                    && path.starts_with(path_prefix)
            })
            .collect()
    }

    /// A Jenkins `buildWithParameters` call's parameters, as Jenkins reads them: the query
    /// string's, then the form body's (`application/x-www-form-urlencoded`), in order.
    pub fn jenkins_parameters(request: &Request) -> Vec<(String, String)> {
        let query = request.path.split_once('?').map_or("", |(_, query)| query);
        let mut parameters: Vec<(String, String)> =
            serde_urlencoded::from_str(query).unwrap_or_default();
        if is_form(request) {
            parameters.extend(
                serde_urlencoded::from_bytes::<Vec<(String, String)>>(&request.body)
                    .unwrap_or_default(),
            );
        }
        parameters
    }
}

/// Routes one request to the vendor whose path it is.
fn forge_answer(state: &Mutex<ForgeState>, request: &Request) -> axum::response::Response {
    let mut state = state.lock().unwrap();
    let (path, query) = request
        .path
        .split_once('?')
        .unwrap_or((request.path.as_str(), ""));
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["api", "v4", ..] => state.gitlab(request, &segments, query),
        ["repos", ..] => state.github(request, &segments),
        ["job", .., "buildWithParameters"] => state.jenkins(request, &segments),
        _ => json_response(404, json!({"message": "Not Found"})),
    }
}

impl ForgeState {
    fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    /// GitHub's REST API: `Authorization: Bearer {token}` (or `token {token}`) on every call.
    fn github(&mut self, request: &Request, segments: &[&str]) -> axum::response::Response {
        let authorization = request.header("authorization");
        let token = authorization
            .strip_prefix("Bearer ")
            .or_else(|| authorization.strip_prefix("token "));
        if token != Some(self.github_token.as_str()) {
            return json_response(
                401,
                json!({
                    "message": "Bad credentials",
                    "documentation_url": "https://docs.github.com/rest",
                }),
            );
        }
        let get = request.method == Method::GET;
        let post = request.method == Method::POST;
        match segments {
            ["repos", owner, repo, "pulls", number] if get => {
                let repo = format!("{owner}/{repo}");
                let pull = number
                    .parse::<u64>()
                    .ok()
                    .and_then(|number| self.pulls.get(&(repo, number)));
                match pull {
                    Some(pull) => json_response(200, pull.clone()),
                    None => json_response(
                        404,
                        json!({
                            "message": "Not Found",
                            "documentation_url":
                                "https://docs.github.com/rest/pulls/pulls#get-a-pull-request",
                        }),
                    ),
                }
            }
            ["repos", owner, repo, "collaborators", login, "permission"] if get => {
                let permission = self
                    .permissions
                    .get(&(format!("{owner}/{repo}"), (*login).to_owned()))
                    .cloned()
                    .unwrap_or_else(|| "read".to_owned());
                json_response(
                    200,
                    json!({
                        "permission": permission, "role_name": permission,
                        "user": { "login": login, "type": "User" },
                    }),
                )
            }
            ["repos", owner, repo, "pulls", number, "reviews"] if get => {
                let Ok(number) = number.parse::<u64>() else {
                    return github_not_found();
                };
                let reviews = self
                    .reviews
                    .get(&(format!("{owner}/{repo}"), number))
                    .cloned()
                    .unwrap_or_else(|| json!([]));
                json_response(200, reviews)
            }
            ["repos", owner, repo, "issues", number, "comments"] if post => {
                let Ok(number) = number.parse::<u64>() else {
                    return github_not_found();
                };
                let Ok(sent) = serde_json::from_slice::<Value>(&request.body) else {
                    return github_unparsable();
                };
                let body = sent["body"].as_str().unwrap_or("");
                if body.is_empty() {
                    return json_response(
                        422,
                        json!({
                            "message": "Validation Failed",
                            "errors": [{
                                "resource": "IssueComment",
                                "code": "missing_field",
                                "field": "body",
                            }],
                        }),
                    );
                }
                let id = 1_500_000_000 + self.next_id();
                json_response(
                    201,
                    json!({
                        "id": id,
                        "node_id": format!("IC_kwDOFW{id}"),
                        "html_url": format!(
                            "https://github.com/{owner}/{repo}/pull/{number}#issuecomment-{id}"
                        ),
                        "body": body,
                        "user": {"login": "firewatch[bot]", "type": "Bot"},
                        "created_at": "2026-11-02T09:00:00Z",
                    }),
                )
            }
            ["repos", _, _, "actions", "workflows", _, "dispatches"] if post => {
                let Ok(sent) = serde_json::from_slice::<Value>(&request.body) else {
                    return github_unparsable();
                };
                if !sent["ref"].is_string() {
                    return json_response(
                        422,
                        json!({"message": "Invalid request.\n\n\"ref\" wasn't supplied."}),
                    );
                }
                empty_response(204)
            }
            _ => github_not_found(),
        }
    }

    /// GitLab's REST API v4: `PRIVATE-TOKEN` on all but the pipeline trigger, which carries
    /// its own token; a project `{id}` is a number or a URL-encoded path.
    fn gitlab(
        &mut self,
        request: &Request,
        segments: &[&str],
        query: &str,
    ) -> axum::response::Response {
        let authorized = request.header("private-token") == self.gitlab_token;
        let get = request.method == Method::GET;
        let post = request.method == Method::POST;
        match segments {
            ["api", "v4", "projects", id, "trigger", "pipeline"] if post => {
                self.gitlab_trigger(request, &percent_decode(id), query)
            }
            _ if !authorized => json_response(401, json!({"message": "401 Unauthorized"})),
            ["api", "v4", "projects", id, "members", "all", user_id] if get => {
                let member = user_id
                    .parse::<u64>()
                    .ok()
                    .and_then(|user_id| self.members.get(&(percent_decode(id), user_id)));
                match member {
                    Some(member) => json_response(200, member.clone()),
                    None => json_response(404, json!({"message": "404 Not found"})),
                }
            }
            ["api", "v4", "projects", _, "merge_requests", iid, "notes"] if post => {
                let Ok(iid) = iid.parse::<u64>() else {
                    return json_response(404, json!({"error": "404 Not Found"}));
                };
                let params = gitlab_params(request, query);
                let Some(body) = params
                    .get("body")
                    .and_then(Value::as_str)
                    .filter(|body| !body.is_empty())
                else {
                    return json_response(400, json!({"error": "body is missing"}));
                };
                let id = 7_000 + self.next_id();
                json_response(
                    201,
                    json!({
                        "id": id,
                        "body": body,
                        "author": {"id": 99, "username": "firewatch-bot"},
                        "noteable_type": "MergeRequest",
                        "noteable_iid": iid,
                        "system": false,
                        "created_at": "2026-11-02T09:00:00.000Z",
                    }),
                )
            }
            _ => json_response(404, json!({"error": "404 Not Found"})),
        }
    }

    /// GitLab's `POST /projects/{id}/trigger/pipeline`: `token`, `ref` and `variables` from the
    /// query, a form (`variables[KEY]=value`) or JSON.
    fn gitlab_trigger(
        &mut self,
        request: &Request,
        project: &str,
        query: &str,
    ) -> axum::response::Response {
        let params = gitlab_params(request, query);
        let token = params.get("token").and_then(Value::as_str);
        if token.is_none() || token != self.trigger_tokens.get(project).map(String::as_str) {
            return json_response(404, json!({"message": "404 Not Found"}));
        }
        let Some(git_ref) = params
            .get("ref")
            .and_then(Value::as_str)
            .filter(|git_ref| !git_ref.is_empty())
        else {
            return json_response(400, json!({"error": "ref is missing"}));
        };
        let number = self.next_id();
        json_response(
            201,
            json!({
                "id": number,
                "iid": number,
                "project_id": 1,
                "sha": format!("{:040x}", 0x00f1_4e00_0000_u64 + number),
                "ref": git_ref,
                "status": "created",
                "source": "trigger",
                "web_url": format!("https://gitlab.example.com/{project}/-/pipelines/{number}"),
            }),
        )
    }

    /// Jenkins' `POST /job/{name}(/job/{name})*/buildWithParameters`: basic auth with a user and
    /// API token; 201 with the queue item's URL in `Location`.
    fn jenkins(&mut self, request: &Request, segments: &[&str]) -> axum::response::Response {
        let job = &segments[..segments.len() - 1];
        let job_path = job.len() % 2 == 0 && job.chunks(2).all(|pair| pair[0] == "job");
        if !job_path || request.method != Method::POST {
            return json_response(404, json!({"message": "Not Found"}));
        }
        let expected = (self.jenkins_user.clone(), self.jenkins_token.clone());
        if request.basic_auth() != Some(expected) {
            let mut response = axum::response::Response::new(axum::body::Body::from(
                "<html><head><title>Error 401 Unauthorized</title></head>\
                 <body><h2>HTTP ERROR 401 Unauthorized</h2>\
                 <p>Authentication required</p></body></html>",
            ));
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            response.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("text/html;charset=utf-8"),
            );
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Basic realm=\"Jenkins\""),
            );
            return response;
        }
        let item = self.next_id();
        let mut response = empty_response(201);
        let location = format!("{}/queue/item/{item}/", self.origin);
        response.headers_mut().insert(
            axum::http::header::LOCATION,
            axum::http::HeaderValue::from_str(&location).unwrap(),
        );
        response
    }
}

fn github_not_found() -> axum::response::Response {
    json_response(
        404,
        json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}),
    )
}

fn github_unparsable() -> axum::response::Response {
    json_response(
        400,
        json!({
            "message": "Problems parsing JSON",
            "documentation_url": "https://docs.github.com/rest",
        }),
    )
}

fn empty_response(status: u16) -> axum::response::Response {
    let mut response = axum::response::Response::new(axum::body::Body::empty());
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    response
}

fn is_form(request: &Request) -> bool {
    request
        .header("content-type")
        .starts_with("application/x-www-form-urlencoded")
}

/// A GitLab request's parameters as one JSON object: the query string's, then the body's
/// (a form, whose `variables[KEY]` fields make the `variables` object, or a JSON object).
fn gitlab_params(request: &Request, query: &str) -> serde_json::Map<String, Value> {
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    if is_form(request) {
        pairs.extend(
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(&request.body)
                .unwrap_or_default(),
        );
    }
    let mut params = serde_json::Map::new();
    for (key, value) in pairs {
        match key
            .strip_prefix("variables[")
            .and_then(|rest| rest.strip_suffix(']'))
        {
            Some(name) => {
                let variables = params.entry("variables").or_insert_with(|| json!({}));
                if let Some(variables) = variables.as_object_mut() {
                    variables.insert(name.to_owned(), Value::String(value));
                }
            }
            None => {
                params.insert(key, Value::String(value));
            }
        }
    }
    if !is_form(request) {
        if let Ok(Value::Object(sent)) = serde_json::from_slice::<Value>(&request.body) {
            params.extend(sent);
        }
    }
    params
}

/// `text` with its `%XX` escapes undone (GitLab's `group%2Fproject`); malformed ones are kept.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match (bytes[at], bytes.get(at + 1..at + 3)) {
            (b'%', Some(hex)) if hex.iter().all(u8::is_ascii_hexdigit) => {
                let hex = std::str::from_utf8(hex).unwrap();
                decoded.push(u8::from_str_radix(hex, 16).unwrap());
                at += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Jira's add-comment API, Cloud's REST v3 (`POST /rest/api/3/issue/{key}/comment`, an ADF
/// `body`, basic auth with an email and API token) and Server/Data Center's REST v2
/// (`POST /rest/api/2/issue/{key}/comment`, a string `body`, a bearer personal access token):
/// 201 with the comment's `id` and `self`; 401 without the credentials, 404 for an issue it
/// does not have (`errorMessages`), 400 for a body of the wrong shape.
#[derive(Clone)]
pub struct Jira {
    pub origin: String,
    record: Record,
}

impl Jira {
    /// Answers for `known` issues; `credentials` is `Basic …` or `Bearer …` as sent.
    pub async fn start(known: &[&str], authorization: &str) -> Jira {
        let record = Record::default();
        let known: Arc<Vec<String>> = Arc::new(known.iter().map(|k| (*k).to_owned()).collect());
        let authorization = authorization.to_owned();
        let next = Arc::new(AtomicU64::new(10_000));
        let handler = {
            let record = record.clone();
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let record = record.clone();
                let known = known.clone();
                let authorization = authorization.clone();
                let next = next.clone();
                async move {
                    let path = uri.path().to_owned();
                    let sent = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    let scripted = record.push(Request {
                        method: method.clone(),
                        path: uri.to_string(),
                        headers,
                        body: body.clone(),
                    });
                    if let Some(status) = scripted.filter(|status| *status >= 300) {
                        return json_response(
                            status,
                            json!({"errorMessages": ["scripted failure"]}),
                        );
                    }
                    if sent != authorization {
                        return json_response(
                            401,
                            json!({"errorMessages": ["You are not authenticated."]}),
                        );
                    }
                    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
                    let (version, key) = match segments.as_slice() {
                        [
                            "rest",
                            "api",
                            version @ ("2" | "3"),
                            "issue",
                            key,
                            "comment",
                        ] if method == Method::POST => (*version, *key),
                        _ => return json_response(404, json!({"errorMessages": ["Not found"]})),
                    };
                    if !known.iter().any(|k| k == key) {
                        return json_response(
                            404,
                            json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}),
                        );
                    }
                    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let shaped = match version {
                        "3" => parsed["body"]["type"] == "doc" && parsed["body"]["version"] == 1,
                        _ => parsed["body"].is_string(),
                    };
                    if !shaped {
                        return json_response(
                            400,
                            json!({"errorMessages": [], "errors": {"comment": "Comment body can not be empty!"}}),
                        );
                    }
                    let id = next.fetch_add(1, Ordering::Relaxed);
                    json_response(
                        201,
                        json!({"id": id.to_string(), "self": format!("https://acme.atlassian.net/rest/api/{version}/issue/{key}/comment/{id}"), "body": parsed["body"]}),
                    )
                }
            }
        };
        let origin = serve(axum::Router::new().fallback(handler)).await;
        Jira { origin, record }
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

/// HCP Terraform's run actions (`POST /api/v2/runs/{id}/actions/apply` and `…/discard`, a
/// bearer API token, an optional `{"comment"}`): 202 with no body for a run that waits for
/// confirmation, 409 once it moved on (JSON:API `errors`), 404 for a run it does not have,
/// 401 without the token.
#[derive(Clone)]
pub struct TerraformCloud {
    pub origin: String,
    record: Record,
}

impl TerraformCloud {
    pub async fn start(token: &str, waiting: &[&str]) -> TerraformCloud {
        let record = Record::default();
        let waiting: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(
            waiting.iter().map(|run| (*run).to_owned()).collect(),
        ));
        let authorization = format!("Bearer {token}");
        let handler = {
            let record = record.clone();
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let record = record.clone();
                let waiting = waiting.clone();
                let authorization = authorization.clone();
                async move {
                    let path = uri.path().to_owned();
                    let sent = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    let scripted = record.push(Request {
                        method: method.clone(),
                        path: uri.to_string(),
                        headers,
                        body,
                    });
                    let error = |status: u16, title: &str| {
                        json_response(
                            status,
                            json!({"errors": [{"status": status.to_string(), "title": title}]}),
                        )
                    };
                    if let Some(status) = scripted.filter(|status| *status >= 300) {
                        return error(status, "scripted failure");
                    }
                    if sent != authorization {
                        return error(401, "unauthorized");
                    }
                    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
                    let run = match segments.as_slice() {
                        ["api", "v2", "runs", run, "actions", "apply" | "discard"]
                            if method == Method::POST =>
                        {
                            (*run).to_owned()
                        }
                        _ => return error(404, "not found"),
                    };
                    let mut waiting = waiting.lock().unwrap();
                    match waiting.iter().position(|known| *known == run) {
                        Some(index) => {
                            waiting.remove(index);
                            let mut response =
                                axum::response::Response::new(axum::body::Body::empty());
                            *response.status_mut() = StatusCode::ACCEPTED;
                            response
                        }
                        None => error(409, "transition not allowed"),
                    }
                }
            }
        };
        let origin = serve(axum::Router::new().fallback(handler)).await;
        TerraformCloud { origin, record }
    }

    pub fn received(&self) -> Vec<Request> {
        self.record.received()
    }

    pub async fn wait_for(&self, count: usize) -> Vec<Request> {
        self.record.wait_for(count).await
    }
}
