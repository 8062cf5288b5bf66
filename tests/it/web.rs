//! The web UI over HTTP, as a browser speaks it (cookies, URL-encoded forms, redirects): sign
//! in and out, session cookies, expiry, rate limits, CSRF and roles on every state-changing
//! route, and what the pages show. Browser tests (browser.rs) drive the same pages in Chromium.

use firewatch::clock::Clock as _;
use firewatch::core::role::Role;
use firewatch::core::scope::Scope;
use firewatch::store::{NotificationFilter, NotificationState};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

use crate::support::{Destination, TestApp, backends};

pub const PASSWORD: &str = "correct horse battery staple";

/// Adds a user straight to the store, as `firewatch user add` does.
pub async fn add_user(app: &TestApp, name: &str, role: Role) -> String {
    firewatch::accounts::users::add(
        &app.store,
        name,
        role,
        PASSWORD,
        &firewatch::core::audit::Actor::new("cli", firewatch::core::audit::Channel::Cli),
        app.clock.now(),
    )
    .await
    .unwrap()
}

/// A browser's cookie jar for one app, kept by hand so tests see every Set-Cookie.
pub struct Browser<'a> {
    app: &'a TestApp,
    http: reqwest::Client,
    pub cookies: Vec<(String, String)>,
    /// Sent as `X-Forwarded-For`, as a proxy in front of the server would.
    pub forwarded_for: Option<String>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub error_code: Option<String>,
    pub body: String,
}

impl Page {
    /// The value of the first `<input … name="NAME" value="…">` on the page.
    pub fn input(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(unescape(&self.body[start..end]))
    }

    /// The text inside the element carrying `data-testid="ID"`, tags stripped.
    pub fn testid(&self, id: &str) -> Option<String> {
        let marker = format!("data-testid=\"{id}\"");
        let at = self.body.find(&marker)?;
        let open_end = self.body[at..].find('>')? + at + 1;
        let rest = &self.body[open_end..];
        let mut text = String::new();
        let mut depth = 0_i32;
        let mut in_tag = false;
        for (index, c) in rest.char_indices() {
            if c == '<' {
                in_tag = true;
                text.push(' ');
                if rest[index..].starts_with("</") {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                } else if !rest[index..].starts_with("<br") && !rest[index..].starts_with("<input")
                {
                    depth += 1;
                }
            } else if c == '>' {
                in_tag = false;
            } else if !in_tag {
                text.push(c);
            }
        }
        Some(unescape(
            &text.split_whitespace().collect::<Vec<_>>().join(" "),
        ))
    }
}

/// Undoes the HTML escaping templates apply to text.
pub fn unescape(text: &str) -> String {
    text.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Vec::new(),
            forwarded_for: None,
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let mut request = request.header("accept", "text/html");
        if let Some(forwarded) = &self.forwarded_for {
            request = request.header("x-forwarded-for", forwarded);
        }
        if !self.cookies.is_empty() {
            let header: Vec<String> = self
                .cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            request = request.header(COOKIE, header.join("; "));
        }
        let response = request.send().await.unwrap();
        let set_cookies: Vec<String> = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for cookie in &set_cookies {
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            if !cookie.contains("Max-Age=0") {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        Page {
            status: response.status(),
            location: response
                .headers()
                .get(LOCATION)
                .map(|v| v.to_str().unwrap().to_owned()),
            error_code: response
                .headers()
                .get("x-firewatch-error")
                .map(|v| v.to_str().unwrap().to_owned()),
            set_cookies,
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.http.get(format!("{}{path}", self.app.url));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let request = self.http.post(format!("{}{path}", self.app.url)).form(form);
        self.send(request).await
    }

    /// Signs in through the form; returns the answer to the POST.
    pub async fn sign_in(&mut self, name: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let csrf = form.input("_csrf").expect("login form has a CSRF token");
        self.post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("username", name),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }

    /// The session's CSRF token, as every form on a page carries it.
    pub async fn csrf(&mut self) -> String {
        self.get("/").await.input("_csrf").expect("signed in")
    }
}

/// A browser signed in as a new user with `role`.
pub async fn signed_in<'a>(app: &'a TestApp, name: &str, role: Role) -> Browser<'a> {
    add_user(app, name, role).await;
    let mut browser = Browser::new(app);
    let answer = browser.sign_in(name, PASSWORD).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    browser
}

/// A page's language: the signed-in person's `locale`, else the browser's `Accept-Language`,
/// else `[server] locale`.
#[tokio::test]
async fn a_page_speaks_the_persons_then_the_browsers_then_the_servers_language() {
    for backend in backends() {
        let app = TestApp::spawn(
            backend,
            r#"
[server]
locale = "ko"

[[people]]
id = "andrew"
name = "Andrew"
user = "andrew"
locale = "en"
"#,
        )
        .await;
        // Nobody signed in and no language asked for: the server's Korean.
        let mut anonymous = Browser::new(&app);
        let page = anonymous.get("/login").await;
        assert!(page.body.contains(r#"<html lang="ko">"#), "{}", page.body);
        assert!(page.body.contains("로그인"), "{}", page.body);
        // A browser that asks for English, then French, gets English.
        let request = anonymous
            .http
            .get(format!("{}/login", app.url))
            .header("accept-language", "fr-FR,fr;q=0.9,en;q=0.8");
        let page = anonymous.send(request).await;
        assert!(page.body.contains(r#"<html lang="en">"#), "{}", page.body);
        assert!(page.body.contains(">Sign in<"), "{}", page.body);
        // Mina is no person: the server's Korean, dates included.
        let mut mina = signed_in(&app, "mina", Role::Viewer).await;
        let page = mina.get("/").await;
        assert!(page.body.contains("<h1>개요</h1>"), "{}", page.body);
        // Andrew's person speaks English, though his browser asks for Korean.
        let mut andrew = signed_in(&app, "andrew", Role::Viewer).await;
        let request = andrew
            .http
            .get(format!("{}/", app.url))
            .header("accept-language", "ko-KR,ko");
        let page = andrew.send(request).await;
        assert!(page.body.contains("<h1>Overview</h1>"), "{}", page.body);
        assert!(page.body.contains(r#"<html lang="en">"#), "{}", page.body);
        app.stop().await;
    }
}

#[tokio::test]
async fn sign_in_sets_a_hardened_session_cookie_and_sign_out_ends_it() {
    for backend in backends() {
        let app = TestApp::spawn(backend, "").await;
        add_user(&app, "ana", Role::Admin).await;
        let mut browser = Browser::new(&app);

        let page = browser.get("/events?kind=push").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(
            page.location.as_deref(),
            Some("/login?next=%2Fevents%3Fkind%3Dpush")
        );

        let form = browser.get("/login?next=%2Fevents").await;
        assert_eq!(form.status, StatusCode::OK);
        let login_cookie = form
            .set_cookies
            .iter()
            .find(|c| c.starts_with("fw_login="))
            .unwrap();
        assert!(login_cookie.contains("HttpOnly") && login_cookie.contains("SameSite=Lax"));
        let csrf = form.input("_csrf").unwrap();
        assert_eq!(form.input("next").as_deref(), Some("/events"));

        let answer = browser
            .post(
                "/login",
                &[
                    ("_csrf", &csrf),
                    ("username", "ana"),
                    ("password", PASSWORD),
                    ("next", "/events"),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        assert_eq!(answer.location.as_deref(), Some("/events"));
        let session = answer
            .set_cookies
            .iter()
            .find(|c| c.starts_with("fw_session="))
            .unwrap();
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(session.contains(attribute), "{session}");
        }
        assert!(
            !session.contains("Secure"),
            "plain HTTP public URL: {session}"
        );
        let token = browser.cookie("fw_session").unwrap().to_owned();
        assert!(token.len() >= 43, "256 random bits");

        // The store keeps a hash, not the token.
        let found = app
            .store
            .find_session(&firewatch::accounts::tokens::hash(&token), app.clock.now())
            .await
            .unwrap();
        assert_eq!(found.user.name, "ana");
        assert!(
            app.store
                .find_session(&token, app.clock.now())
                .await
                .is_err()
        );

        let overview = browser.get("/").await;
        assert_eq!(overview.status, StatusCode::OK);
        assert_eq!(
            overview.testid("signed-in-as").as_deref(),
            Some("ana admin")
        );
        let csrf = overview.input("_csrf").unwrap();
        let out = browser.post("/logout", &[("_csrf", &csrf)]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(out.location.as_deref(), Some("/login"));

        // The old cookie no longer signs anyone in.
        browser.cookies.push(("fw_session".into(), token));
        assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn over_https_the_session_cookie_is_secure_and_host_only() {
    for backend in backends() {
        let app = TestApp::spawn(
            backend,
            "[server]\npublic_url = \"https://firewatch.example.com\"\n",
        )
        .await;
        add_user(&app, "ana", Role::Viewer).await;
        let mut browser = Browser::new(&app);
        let answer = browser.sign_in("ana", PASSWORD).await;
        let session = answer
            .set_cookies
            .iter()
            .find(|c| c.starts_with("__Host-fw_session="))
            .unwrap_or_else(|| panic!("{:?}", answer.set_cookies));
        assert!(
            session.contains("; Secure")
                && session.contains("Path=/")
                && !session.contains("Domain")
        );
        assert_eq!(browser.get("/").await.status, StatusCode::OK);
        app.stop().await;
    }
}

#[tokio::test]
async fn wrong_passwords_are_refused_alike_and_rate_limited() {
    for backend in backends() {
        let app = TestApp::spawn(backend, "").await;
        add_user(&app, "ana", Role::Viewer).await;
        let mut browser = Browser::new(&app);

        let unknown = browser.sign_in("nobody", PASSWORD).await;
        let wrong = browser.sign_in("ana", "not the password at all").await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.body.contains("Wrong user name or password."));
        assert!(unknown.body.contains("Wrong user name or password."));

        for _ in 0..4 {
            assert_eq!(
                browser.sign_in("ana", "still wrong guess").await.status,
                StatusCode::UNAUTHORIZED
            );
        }
        // Five tries for a name: the right password is not even checked now.
        let limited = browser.sign_in("ana", PASSWORD).await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            limited.body.contains("Too many sign-in attempts"),
            "{}",
            limited.body
        );
        assert!(browser.cookie("fw_session").is_none());

        app.advance(61);
        assert_eq!(
            browser.sign_in("ana", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );

        // A form without the login cookie's token is refused before any password check.
        let mut stranger = Browser::new(&app);
        let answer = stranger
            .post("/login", &[("username", "ana"), ("password", PASSWORD)])
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert_eq!(answer.error_code.as_deref(), Some("csrf_failed"));
    }
}

#[tokio::test]
async fn sessions_end_after_the_idle_time_and_when_the_user_is_disabled() {
    for backend in backends() {
        let app = TestApp::spawn(backend, "[server]\nsession_hours = 2\n").await;
        let mut viewer = signed_in(&app, "vic", Role::Viewer).await;
        app.advance(3600);
        assert_eq!(
            viewer.get("/").await.status,
            StatusCode::OK,
            "used within 2 h"
        );
        app.advance(3600 + 1800);
        assert_eq!(
            viewer.get("/").await.status,
            StatusCode::OK,
            "renewed by the last use"
        );
        app.advance(2 * 3600 + 1);
        let expired = viewer.get("/events").await;
        assert_eq!(expired.status, StatusCode::SEE_OTHER);
        assert_eq!(expired.location.as_deref(), Some("/login?next=%2Fevents"));

        let mut viewer = Browser::new(&app);
        viewer.sign_in("vic", PASSWORD).await;
        let mut admin = signed_in(&app, "ana", Role::Admin).await;
        let vic = app
            .store
            .list_users()
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.name == "vic")
            .unwrap();
        let csrf = admin.csrf().await;
        let answer = admin
            .post(
                &format!("/users/{}", vic.id),
                &[("_csrf", &csrf), ("action", "disable")],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        assert_eq!(
            viewer.get("/").await.status,
            StatusCode::SEE_OTHER,
            "signed out at once"
        );
        assert_eq!(
            viewer.sign_in("vic", PASSWORD).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
}

#[tokio::test]
async fn pages_need_a_session_and_admin_pages_need_an_admin() {
    for backend in backends() {
        let app = TestApp::spawn(backend, "").await;
        let mut anonymous = Browser::new(&app);
        for path in [
            "/",
            "/alerts",
            "/incidents",
            "/incidents/1",
            "/incidents/1/postmortem",
            "/postmortems",
            "/action_items",
            "/checks",
            "/events",
            "/events/x",
            "/events/x/raw",
            "/deliveries",
            "/tokens",
            "/users",
        ] {
            let page = anonymous.get(path).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
            assert!(page.location.unwrap().starts_with("/login?next="), "{path}");
        }
        let mut viewer = signed_in(&app, "vic", Role::Viewer).await;
        let overview = viewer.get("/").await;
        assert!(
            !overview.body.contains("href=\"/users\""),
            "no admin links for a viewer"
        );
        for path in ["/tokens", "/users"] {
            let page = viewer.get(path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(page.error_code.as_deref(), Some("forbidden"));
            assert!(page.body.contains("This needs the admin role"));
        }
        for path in [
            "/",
            "/alerts",
            "/alerts?state=all",
            "/incidents",
            "/incidents?state=all&severity=SEV2",
            "/postmortems",
            "/action_items",
            "/checks",
            "/events",
            "/deliveries",
        ] {
            assert_eq!(viewer.get(path).await.status, StatusCode::OK, "{path}");
        }
        let missing = viewer.get("/no/such/page").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(missing.body.contains("<html"));
    }
}

/// Every route that changes something, the role it needs, and a form that would succeed.
/// A route: its path, the role it needs, and a form that would succeed.
type Route = (String, Role, Vec<(&'static str, String)>);

fn state_changing_routes(ids: &Ids) -> Vec<Route> {
    vec![
        ("/logout".into(), Role::Viewer, vec![]),
        ("/deliveries/redrive".into(), Role::Responder, vec![]),
        (
            format!("/deliveries/{}/redrive", ids.dead_letter),
            Role::Responder,
            vec![],
        ),
        (
            "/tokens".into(),
            Role::Admin,
            vec![("name", "ci".into()), ("scopes", "events:read".into())],
        ),
        (format!("/tokens/{}/revoke", ids.token), Role::Admin, vec![]),
        // Before the acknowledge, which closes the alert's task itself.
        (
            format!("/alerts/tasks/{}/close", ids.task),
            Role::Responder,
            vec![],
        ),
        (
            format!("/alerts/{}/acknowledge", ids.alert),
            Role::Responder,
            vec![],
        ),
        (
            format!("/alerts/{}/resolve", ids.alert),
            Role::Responder,
            vec![],
        ),
        (
            "/silences".into(),
            Role::Responder,
            vec![
                ("matchers", "instance=db-2".into()),
                ("duration", "1h".into()),
                ("comment", "disk swap".into()),
            ],
        ),
        (
            format!("/silences/{}/expire", ids.silence),
            Role::Responder,
            vec![],
        ),
        (
            "/users".into(),
            Role::Admin,
            vec![
                ("name", "newcomer".into()),
                ("role", "viewer".into()),
                ("password", PASSWORD.into()),
            ],
        ),
        (
            format!("/users/{}", ids.user),
            Role::Admin,
            vec![("role", "responder".into())],
        ),
        (
            "/account/password".into(),
            Role::Viewer,
            vec![
                ("current", PASSWORD.into()),
                ("password", "a brand new passphrase 7".into()),
                ("again", "a brand new passphrase 7".into()),
            ],
        ),
    ]
}

struct Ids {
    alert: String,
    task: String,
    silence: String,
    dead_letter: i64,
    token: String,
    user: String,
}

/// What the state-changing routes change, so a refused request can be shown to change nothing.
async fn snapshot(app: &TestApp) -> String {
    let users: Vec<String> = app
        .store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| format!("{}:{}:{:?}", u.name, u.role, u.disabled_at))
        .collect();
    let tokens: Vec<String> = app
        .store
        .list_tokens()
        .await
        .unwrap()
        .into_iter()
        .map(|t| format!("{}:{:?}", t.name, t.revoked_at))
        .collect();
    let dead = app
        .store
        .list_notifications(&NotificationFilter {
            state: Some(NotificationState::Dead),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .len();
    let alerts: Vec<String> = app
        .store
        .list_alerts(&firewatch::store::alerts::AlertFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|a| format!("{}:{}", a.fingerprint, a.state.as_str()))
        .collect();
    let silences: Vec<String> = app
        .store
        .list_silences()
        .await
        .unwrap()
        .into_iter()
        .map(|s| format!("{}:{:?}", s.id, s.expired_at))
        .collect();
    let tasks: Vec<String> = app
        .store
        .list_tasks(false, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|t| format!("{}:{:?}", t.id, t.closed_at))
        .collect();
    format!("{users:?} {tokens:?} dead={dead} {alerts:?} {silences:?} {tasks:?}")
}

/// Posts an Alertmanager group with one firing alert; returns the alert's id once applied.
pub async fn firing_alert(app: &TestApp) -> String {
    let body = serde_json::json!({
        "version": "4",
        "groupKey": "{}:{alertname=\"DiskFull\"}",
        "status": "firing",
        "alerts": [{
            "status": "firing",
            "labels": {"alertname": "DiskFull", "instance": "db-2", "severity": "warning"},
            "annotations": {"summary": "disk 91% full on db-2"},
            "startsAt": "2026-11-02T00:58:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": "d15cf011d15cf011"
        }]
    });
    let (status, _) = app
        .post_hook(
            "prometheus",
            &body.to_string(),
            &[("authorization", "Bearer am")],
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let alerts = app
            .store
            .list_alerts(&firewatch::store::alerts::AlertFilter {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        if let Some(alert) = alerts
            .into_iter()
            .find(|a| a.fingerprint == "d15cf011d15cf011")
        {
            return alert.id;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the alert was not applied"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn make_dead_letter(app: &TestApp, destination: &Destination) -> i64 {
    destination.respond_with(400, &[]);
    let (status, _) = app
        .post_hook(
            "generic",
            r#"{"title":"disk full"}"#,
            &[("authorization", "Bearer in")],
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let dead = app
        .wait_for_notifications("state=dead", |items| !items.is_empty())
        .await;
    dead[0]["id"].as_i64().unwrap()
}

pub fn chat_config(destination: &Destination) -> String {
    format!(
        r#"
[[integrations]]
name = "generic"
kind = "generic"
token = "in"

[[integrations]]
name = "github"
kind = "github"
secret = "gh-secret"

[[integrations]]
name = "prometheus"
kind = "alertmanager"
token = "am"

[[destinations]]
name = "team-chat"
kind = "webhook"
url = "{}"

[[routes]]
match = {{ source = "generic" }}
to = ["team-chat"]
"#,
        destination.url
    )
}

#[tokio::test]
async fn every_state_changing_route_rejects_a_missing_csrf_token_and_a_wrong_role() {
    for backend in backends() {
        let destination = Destination::start().await;
        let app = TestApp::spawn(backend, &chat_config(&destination)).await;
        let dead_letter = make_dead_letter(&app, &destination).await;
        let token = firewatch::accounts::tokens::create(
            &app.store,
            "deploys",
            &[Scope::EventsRead],
            None,
            &firewatch::store::accounts::TokenCreator::cli(),
            firewatch::core::audit::Channel::Cli,
            app.clock.now(),
        )
        .await
        .unwrap()
        .id;
        let user = add_user(&app, "target", Role::Viewer).await;
        let alert = firing_alert(&app).await;
        let (status, silence) = app
            .api_json(
                reqwest::Method::POST,
                "/api/v1/silences",
                &app.admin_token,
                &serde_json::json!({"matchers": "instance=web-9", "duration": "2h", "comment": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{silence}");
        // A task on the alert, as the task check opens one for an alert nobody acknowledged.
        let task = firewatch::store::alerts::Task {
            seq: 0,
            id: firewatch::store::new_id(app.clock.now()),
            alert_id: alert.clone(),
            rule: "DiskFull".into(),
            service: None,
            team: None,
            reason: "unacknowledged".into(),
            detail: "firing for 1h without anyone acknowledging it".into(),
            opened_at: app.clock.now(),
            closed_at: None,
            closed_by: None,
        };
        let task = app
            .store
            .open_task(&task, None, app.clock.now())
            .await
            .unwrap()
            .expect("the alert's first task")
            .id;
        let ids = Ids {
            alert,
            task,
            silence: silence["id"].as_str().unwrap().to_owned(),
            dead_letter,
            token,
            user,
        };

        for (index, (path, needed, form)) in state_changing_routes(&ids).into_iter().enumerate() {
            // The right role without the token, and with someone else's token.
            let mut allowed = signed_in(&app, &format!("ok-{index}"), needed).await;
            let mut other = signed_in(&app, &format!("other-{index}"), needed).await;
            let other_csrf = other.csrf().await;
            let lower = match needed {
                Role::Admin => Some(Role::Responder),
                Role::Responder => Some(Role::Viewer),
                Role::Viewer => None,
            };
            let mut below = match lower {
                Some(role) => Some((role, signed_in(&app, &format!("low-{index}"), role).await)),
                None => None,
            };
            let before = snapshot(&app).await;
            let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let missing = allowed.post(&path, &fields).await;
            assert_eq!(
                missing.status,
                StatusCode::FORBIDDEN,
                "{path} without a CSRF token"
            );
            assert_eq!(missing.error_code.as_deref(), Some("csrf_failed"), "{path}");
            let mut forged = fields.clone();
            forged.push(("_csrf", &other_csrf));
            let wrong = allowed.post(&path, &forged).await;
            assert_eq!(
                wrong.status,
                StatusCode::FORBIDDEN,
                "{path} with another session's token"
            );
            assert_eq!(snapshot(&app).await, before, "{path} changed something");
            assert_eq!(
                allowed.get("/").await.status,
                StatusCode::OK,
                "{path}: still signed in"
            );

            // A valid token but a role below the one needed.
            if let Some((lower, below)) = below.as_mut() {
                let csrf = below.csrf().await;
                let mut fields = fields.clone();
                fields.push(("_csrf", &csrf));
                let refused = below.post(&path, &fields).await;
                assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path} as {lower}");
                assert_eq!(refused.error_code.as_deref(), Some("forbidden"), "{path}");
                assert_eq!(
                    snapshot(&app).await,
                    before,
                    "{path} as {lower} changed something"
                );
            }

            // And with both, it works.
            if path == "/deliveries/redrive" {
                // Leave a dead letter for the per-notification route. The answer is scripted
                // before the redrive: the worker may send as soon as the redrive commits.
                destination.respond_with(400, &[]);
            }
            let csrf = allowed.csrf().await;
            let mut fields = fields.clone();
            fields.push(("_csrf", &csrf));
            let done = allowed.post(&path, &fields).await;
            assert!(
                done.status == StatusCode::SEE_OTHER || done.status == StatusCode::CREATED,
                "{path}: {} {}",
                done.status,
                done.body
            );
            if path == "/deliveries/redrive" {
                app.wait_for_notifications("state=dead", |items| !items.is_empty())
                    .await;
            }
        }
    }
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_disabled() {
    for backend in backends() {
        let app = TestApp::spawn(backend, "").await;
        let mut admin = signed_in(&app, "ana", Role::Admin).await;
        let ana = app.store.list_users().await.unwrap()[0].id.clone();
        let csrf = admin.csrf().await;
        for form in [vec![("role", "viewer")], vec![("action", "disable")]] {
            let mut fields = form.clone();
            fields.push(("_csrf", &csrf));
            let refused = admin.post(&format!("/users/{ana}"), &fields).await;
            assert_eq!(refused.status, StatusCode::CONFLICT);
            assert!(refused.body.contains("last admin"));
        }
        assert_eq!(app.store.get_user(&ana).await.unwrap().role, "admin");
        assert_eq!(admin.get("/users").await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn tokens_made_on_the_tokens_page_work_until_revoked() {
    for backend in backends() {
        let app = TestApp::spawn(backend, "").await;
        let mut admin = signed_in(&app, "ana", Role::Admin).await;
        let csrf = admin.csrf().await;
        let empty = admin
            .post("/tokens", &[("_csrf", &csrf), ("name", "ci")])
            .await;
        assert_eq!(empty.status, StatusCode::BAD_REQUEST);
        assert!(empty.body.contains("Choose at least one scope."));

        let created = admin
            .post(
                "/tokens",
                &[
                    ("_csrf", &csrf),
                    ("name", "ci"),
                    ("scopes", "events:read"),
                    ("scopes", "notifications:read"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
        let shown = created.testid("new-token").unwrap();
        let secret = shown
            .split_whitespace()
            .find(|word| word.starts_with("fw_"))
            .unwrap()
            .to_owned();
        let (status, _) = app
            .api(reqwest::Method::GET, "/api/v1/events", Some(&secret))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app
            .api(reqwest::Method::GET, "/api/v1/tokens", Some(&secret))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "scopes are kept");

        let listed = admin.get("/tokens").await;
        assert!(!listed.body.contains(&secret), "shown once only");
        let id = app
            .store
            .list_tokens()
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.name == "ci")
            .unwrap()
            .id;
        let revoked = admin
            .post(&format!("/tokens/{id}/revoke"), &[("_csrf", &csrf)])
            .await;
        assert_eq!(revoked.status, StatusCode::SEE_OTHER);
        let (status, _) = app
            .api(reqwest::Method::GET, "/api/v1/events", Some(&secret))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn users_added_on_the_users_page_can_sign_in_with_their_role() {
    for backend in backends() {
        let app = TestApp::spawn(backend, "").await;
        let mut admin = signed_in(&app, "ana", Role::Admin).await;
        let csrf = admin.csrf().await;
        let short = admin
            .post(
                "/users",
                &[
                    ("_csrf", &csrf),
                    ("name", "rui"),
                    ("role", "responder"),
                    ("password", "short"),
                ],
            )
            .await;
        assert_eq!(short.status, StatusCode::BAD_REQUEST);
        assert!(short.body.contains("at least 12 characters"));
        let added = admin
            .post(
                "/users",
                &[
                    ("_csrf", &csrf),
                    ("name", "rui"),
                    ("role", "responder"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER);
        let again = admin
            .post(
                "/users",
                &[
                    ("_csrf", &csrf),
                    ("name", "rui"),
                    ("role", "viewer"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST);
        assert!(again.body.contains("already exists"));

        let mut rui = Browser::new(&app);
        assert_eq!(
            rui.sign_in("rui", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            rui.get("/").await.testid("signed-in-as").as_deref(),
            Some("rui responder")
        );
    }
}

#[tokio::test]
async fn the_overview_counts_todays_events_in_the_viewers_time_zone() {
    for backend in backends() {
        let destination = Destination::start().await;
        // Events at 01:00 UTC, viewed at 03:00 UTC: 10:00 today in Seoul, but 23:00 yesterday
        // in Fernando de Noronha (UTC−2), where it is now 01:00.
        let app = TestApp::spawn(backend, &chat_config(&destination)).await;
        for n in 0..3 {
            let (status, _) = app
                .post_hook(
                    "generic",
                    &format!(r#"{{"title":"event {n}"}}"#),
                    &[("authorization", "Bearer in")],
                )
                .await;
            assert_eq!(status, StatusCode::ACCEPTED);
        }
        destination.wait_for(3).await;
        app.wait_for_notifications("state=delivered", |items| items.len() == 3)
            .await;
        app.advance(7200);
        let mut viewer = signed_in(&app, "vic", Role::Viewer).await;

        viewer.cookies.push(("fw_tz".into(), "Asia%2FSeoul".into()));
        let seoul = viewer.get("/").await;
        assert_eq!(seoul.testid("time-zone").as_deref(), Some("Asia/Seoul"));
        assert_eq!(
            seoul.testid("events-today").as_deref(),
            Some("3 events today")
        );
        assert!(seoul.body.contains("event 2"), "recent events are listed");
        // Intake per hour: three events in the 01:00 UTC hour, 2 hours before the last one.
        let intake = between(&seoul.body, "id=\"chart-intake\">", "</script>");
        let chart: serde_json::Value = serde_json::from_str(intake).unwrap();
        assert_eq!(chart["series"][0]["label"], "generic");
        assert_eq!(chart["series"][0]["values"][21], 3.0);
        let latency = between(&seoul.body, "id=\"chart-latency\">", "</script>");
        let latency: serde_json::Value = serde_json::from_str(latency).unwrap();
        assert!(
            latency["series"][0]["values"][21].as_f64().unwrap() <= 50.0,
            "{latency}"
        );

        viewer.cookies.retain(|(n, _)| n != "fw_tz");
        viewer
            .cookies
            .push(("fw_tz".into(), "America%2FNoronha".into()));
        let noronha = viewer.get("/").await;
        assert_eq!(
            noronha.testid("events-today").as_deref(),
            Some("0 events today")
        );
        assert!(
            noronha
                .body
                .contains(">3</span><span class=\"label\">events in 24 h")
        );
    }
}

fn between<'t>(text: &'t str, start: &str, end: &str) -> &'t str {
    let from = text.find(start).unwrap() + start.len();
    let to = text[from..].find(end).unwrap() + from;
    &text[from..to]
}

#[tokio::test]
async fn the_event_feed_filters_by_repository_and_escapes_what_senders_wrote() {
    for backend in backends() {
        let destination = Destination::start().await;
        let app = TestApp::spawn(backend, &chat_config(&destination)).await;
        let (status, _) = app
            .post_hook(
                "generic",
                r#"{"title":"<script>alert(1)</script>"}"#,
                &[("authorization", "Bearer in")],
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let (status, _) = crate::github::deliver(
            &app,
            "pull_request",
            &crate::github::fixture("pull_request.opened"),
            "delivery-1",
            "gh-secret",
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let mut viewer = signed_in(&app, "vic", Role::Viewer).await;

        let all = viewer.get("/events").await;
        assert!(
            !all.body.contains("<script>alert(1)"),
            "sender text is escaped"
        );
        assert!(
            all.body
                .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
            "shown as text"
        );
        let repository = app
            .store
            .list_events(&firewatch::store::EventFilter {
                source: Some("github".into()),
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap()[0]
            .repository
            .clone()
            .unwrap();
        let filtered = viewer
            .get(&format!(
                "/events?repository={}",
                repository.replace('/', "%2F")
            ))
            .await;
        let feed = filtered.testid("event-feed").unwrap();
        assert!(feed.contains("pull_request"), "{feed}");
        assert!(!feed.contains("alert(1)"), "{feed}");
        let none = viewer.get("/events?source=gitlab").await;
        assert!(none.body.contains("No events match these filters."));
    }
}

#[tokio::test]
async fn the_silences_page_creates_lists_and_explains_what_is_wrong() {
    for backend in backends() {
        let destination = Destination::start().await;
        let app = TestApp::spawn(backend, &chat_config(&destination)).await;
        let mut responder = signed_in(&app, "ana", Role::Responder).await;
        let csrf = responder.csrf().await;
        let refused = responder
            .post(
                "/silences",
                &[("_csrf", &csrf), ("duration", "1h"), ("comment", "swap")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(
            refused.body.contains("at least one matcher"),
            "{}",
            refused.body
        );
        assert!(
            refused.body.contains(r#"value="swap""#),
            "the form keeps what was typed"
        );
        let done = responder
            .post(
                "/silences",
                &[
                    ("_csrf", &csrf),
                    ("service", "db"),
                    ("cron", "0 2 * * sun"),
                    ("timezone", "Europe/Berlin"),
                    ("duration", "2h"),
                    ("comment", "<b>weekly</b> patching"),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let page = responder.get("/silences?changed=created").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Silence created"));
        assert!(
            page.body.contains("service=&#34;db&#34;")
                || page.body.contains("service=&quot;db&quot;"),
            "{}",
            page.body
        );
        assert!(page.body.contains("0 2 * * sun"));
        assert!(
            page.body.contains("&lt;b&gt;weekly") && !page.body.contains("<b>weekly"),
            "typed text is escaped"
        );
        assert!(page.body.contains(">Expire<"));
        let mut viewer = signed_in(&app, "vic", Role::Viewer).await;
        let seen = viewer.get("/silences").await;
        assert!(seen.body.contains("0 2 * * sun"));
        assert!(!seen.body.contains(">Expire<") && !seen.body.contains("New silence"));
        app.stop().await;
    }
}

/// A destination that took messages and then refused one for its content is not "failing":
/// it answers, and the dead letter is the message's. A wrong address is.
#[tokio::test]
async fn a_refused_message_is_not_a_failing_destination() {
    for backend in backends() {
        let destination = Destination::start().await;
        let app = TestApp::spawn(backend, &chat_config(&destination)).await;
        let mut viewer = signed_in(&app, "vic", Role::Viewer).await;
        let send = |title: &'static str| {
            let app = &app;
            async move {
                let body = serde_json::json!({ "title": title }).to_string();
                let (status, _) = app
                    .post_hook("generic", &body, &[("authorization", "Bearer in")])
                    .await;
                assert_eq!(status, StatusCode::ACCEPTED);
            }
        };
        send("deploy api v1.4.2").await;
        destination.wait_for(1).await;
        // Slack answers 400 invalid_blocks to a message it cannot show.
        destination.respond_with(400, &[]);
        send("a message the destination cannot show").await;
        app.wait_for_notifications("state=dead", |items| items.len() == 1)
            .await;
        let page = viewer.get("/deliveries").await;
        assert!(page.body.contains("refused a message"), "{}", page.body);
        assert!(!page.body.contains(">failing<"), "{}", page.body);
        assert!(!viewer.get("/").await.body.contains("is failing"));

        // 404: the channel or URL is wrong, and every message would fail.
        destination.respond_with(404, &[]);
        send("disk 91% on db-2").await;
        app.wait_for_notifications("state=dead", |items| items.len() == 2)
            .await;
        assert!(viewer.get("/deliveries").await.body.contains(">failing<"));
        assert!(
            viewer
                .get("/")
                .await
                .body
                .contains("1 destination is failing")
        );
        app.stop().await;
    }
}

/// Services (one with a repository), people and a forge, for the incident pages.
pub const INCIDENTS_CONFIG: &str = r#"
[[integrations]]
name = "github"
kind = "github"
secret = "gh-secret"

[[people]]
id = "andrew"
name = "Andrew"
user = "rui"

[[people]]
id = "mina"
name = "Mina"

[[teams]]
id = "cloud"
members = ["andrew", "mina"]

[[services]]
id = "api"
name = "Public API"
team = "cloud"
repos = ["acme/api"]

[[services]]
id = "billing"
team = "cloud"
"#;

/// What the incident forms change: the incident, its timeline, and the list.
async fn incident_state(
    app: &TestApp,
) -> (serde_json::Value, serde_json::Value, serde_json::Value) {
    (
        app.get("/api/v1/incidents/1").await,
        app.get("/api/v1/incidents/1/timeline").await,
        app.get("/api/v1/incidents?state=all").await,
    )
}

/// Merges pull request #42 of acme/api, a change "what changed" lists for incidents on api.
pub async fn merge_pull_request(app: &TestApp) {
    let (status, _) = crate::github::deliver(
        app,
        "pull_request",
        &crate::github::fixture("pull_request.closed.merged"),
        "merge-42",
        "gh-secret",
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn incident_forms_need_a_responder_and_their_token_and_refusals_say_why() {
    for backend in backends() {
        let app = TestApp::spawn(backend, INCIDENTS_CONFIG).await;
        merge_pull_request(&app).await;
        app.advance(600);
        let mut responder = signed_in(&app, "rui", Role::Responder).await;
        let csrf = responder.csrf().await;

        // A declaration that names no configured service comes back with the sentence and
        // what was typed; a good one lands on the incident's page.
        let refused = responder
            .post(
                "/incidents/new",
                &[
                    ("_csrf", &csrf),
                    ("title", "Checkout <down>"),
                    ("severity", "SEV2"),
                    ("services", "nope"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        let body = unescape(&refused.body);
        assert!(
            body.contains(r#"no service "nope" in [[services]]"#),
            "{body}"
        );
        assert!(refused.body.contains("value=\"Checkout &lt;down&gt;\""));
        let declared = responder
            .post(
                "/incidents/new",
                &[
                    ("_csrf", &csrf),
                    ("title", "Checkout <down>"),
                    ("severity", "SEV2"),
                    ("priority", ""),
                    ("services", "api"),
                    ("services", "billing"),
                    ("customer_impact", "EU customers cannot pay"),
                ],
            )
            .await;
        assert_eq!(declared.status, StatusCode::SEE_OTHER, "{}", declared.body);
        assert_eq!(
            declared.location.as_deref(),
            Some("/incidents/1?changed=declared")
        );
        let incident = app.get("/api/v1/incidents/1").await;
        assert_eq!(incident["services"], serde_json::json!(["api", "billing"]));
        assert_eq!(incident["priority"], "P2", "from the severity");
        let page = responder.get("/incidents/1?changed=declared").await;
        assert!(page.body.contains("#1 Checkout &lt;down&gt;"), "escaped");
        assert!(page.body.contains("Incident declared"));
        // By id as well as by number.
        let id = incident["id"].as_str().unwrap();
        assert_eq!(
            responder.get(&format!("/incidents/{id}")).await.status,
            StatusCode::OK
        );
        assert_eq!(
            responder.get("/incidents/99").await.status,
            StatusCode::NOT_FOUND
        );

        // Every incident form is refused without the session's token, and below responder,
        // and changes nothing.
        let mut viewer = signed_in(&app, "vic", Role::Viewer).await;
        let viewer_csrf = viewer.csrf().await;
        let seen = viewer.get("/incidents/1").await;
        assert_eq!(seen.status, StatusCode::OK);
        assert!(seen.body.contains("EU customers cannot pay"));
        assert!(
            !seen.body.contains("action=\"/incidents/1/"),
            "no forms for a viewer"
        );
        assert!(
            !viewer
                .get("/incidents")
                .await
                .body
                .contains("/incidents/new")
        );
        assert_eq!(
            viewer.get("/incidents/new").await.status,
            StatusCode::FORBIDDEN
        );
        let routes: Vec<(&str, Vec<(&str, &str)>)> = vec![
            ("/incidents/new", vec![("title", "x"), ("severity", "SEV3")]),
            ("/incidents/1/acknowledge", vec![]),
            ("/incidents/1/resolve", vec![]),
            ("/incidents/1/state", vec![("to", "active")]),
            (
                "/incidents/1/roles",
                vec![("role", "commander"), ("person", "andrew")],
            ),
            (
                "/incidents/1/times",
                vec![("mitigated", "2026-11-02T01:30"), ("mitigated_was", "")],
            ),
            (
                "/incidents/1/updates",
                vec![("status", "identified"), ("message", "found it")],
            ),
            ("/incidents/1/notes", vec![("text", "looked at the logs")]),
            ("/incidents/1/cause", vec![("change", "x")]),
            ("/incidents/1/alerts", vec![("alert", "x")]),
        ];
        let before = incident_state(&app).await;
        for (path, fields) in &routes {
            let missing = responder.post(path, fields).await;
            assert_eq!(missing.status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(missing.error_code.as_deref(), Some("csrf_failed"), "{path}");
            let mut with_token = fields.clone();
            with_token.push(("_csrf", &viewer_csrf));
            let below = viewer.post(path, &with_token).await;
            assert_eq!(below.status, StatusCode::FORBIDDEN, "{path} as a viewer");
            assert_eq!(below.error_code.as_deref(), Some("forbidden"), "{path}");
        }
        assert_eq!(
            incident_state(&app).await,
            before,
            "a refused form changed something"
        );

        // Key times out of order are refused with core's sentence, on the page with what was
        // typed; moved together, in order, they are saved. Times the person left alone stay.
        let times = |impact: &'static str, detected: &'static str| {
            vec![
                ("impact_started_was", "2026-11-02T01:10"),
                ("impact_started", impact),
                ("detected_was", "2026-11-02T01:10"),
                ("detected", detected),
                ("acknowledged_was", ""),
                ("acknowledged", ""),
            ]
        };
        let mut fields = times("2026-11-02T01:10", "2026-11-02T01:05");
        fields.push(("_csrf", &csrf));
        let refused = responder.post("/incidents/1/times", &fields).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(
            refused.body.contains("role=\"alert\"") && refused.body.contains("would come before"),
            "{}",
            refused.body
        );
        assert!(refused.body.contains("value=\"2026-11-02T01:05\""));
        let mut fields = times("2026-11-02T01:02", "2026-11-02T01:05");
        fields.push(("_csrf", &csrf));
        let saved = responder.post("/incidents/1/times", &fields).await;
        assert_eq!(
            saved.location.as_deref(),
            Some("/incidents/1?changed=times"),
            "{}",
            saved.body
        );
        let incident = app.get("/api/v1/incidents/1").await;
        assert_eq!(incident["times"]["impact_started"], "2026-11-02T01:02:00Z");
        assert_eq!(incident["times"]["detected"], "2026-11-02T01:05:00Z");
        assert_eq!(incident["times"]["acknowledged"], serde_json::Value::Null);

        // A move the lifecycle does not allow says why.
        let refused = responder
            .post("/incidents/1/state", &[("_csrf", &csrf), ("to", "closed")])
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(
            refused
                .body
                .contains("an incident cannot go from triage to closed"),
            "{}",
            refused.body
        );

        // What changed before it (the merge, 2 minutes before the impact started), marked as
        // the suspected cause.
        let page = responder.get("/incidents/1").await;
        assert!(
            page.body
                .contains("#42 CCC-1580 Retry token refresh on 401 &lt;fast path&gt; merged"),
            "{}",
            page.body
        );
        assert!(
            unescape(&page.body).contains("acme/api · 2m before"),
            "{}",
            page.body
        );
        let change = between(&page.body, "data-change=\"", "\"").to_owned();
        let marked = responder
            .post(
                "/incidents/1/cause",
                &[("_csrf", &csrf), ("change", &change)],
            )
            .await;
        assert_eq!(
            marked.location.as_deref(),
            Some("/incidents/1?changed=cause")
        );
        assert_eq!(
            app.get("/api/v1/incidents/1").await["causing_deployment"],
            change.as_str()
        );
        let page = responder.get("/incidents/1?changed=cause").await;
        assert!(page.body.contains("suspected cause</span>"));
        assert!(!page.body.contains("Mark as suspected cause"));

        // A starred note is marked on the timeline.
        let noted = responder
            .post(
                "/incidents/1/notes",
                &[
                    ("_csrf", &csrf),
                    ("text", "Rolled back to v2.2"),
                    ("starred", "on"),
                ],
            )
            .await;
        assert_eq!(noted.status, StatusCode::SEE_OTHER, "{}", noted.body);
        let page = viewer.get("/incidents/1").await;
        let row = between(&page.body, "<li class=\"kind-note starred\">", "</li>");
        assert!(
            row.contains("★") && row.contains("Rolled back to v2.2"),
            "{row}"
        );
        assert!(row.contains("user:rui"), "{row}");
        app.stop().await;
    }
}

/// Declares incident #1 on api through the API and resolves it: its post-mortem is drafted.
pub async fn resolved_incident(app: &TestApp, title: &str) {
    let (status, body) = app
        .api_json(
            reqwest::Method::POST,
            "/api/v1/incidents",
            &app.admin_token,
            &serde_json::json!({"title": title, "severity": "SEV2", "services": ["api"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.advance(600);
    let number = body["number"].as_i64().unwrap();
    let (status, body) = app
        .api(
            reqwest::Method::POST,
            &format!("/api/v1/incidents/{number}/resolve"),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The draft is made by a job on resolve.
    app.idle().await;
}

/// The editor's text on a post-mortem page, as the person would see it.
fn editor_text(page: &Page) -> String {
    unescape(between(
        &page.body,
        "aria-label=\"The post-mortem in Markdown\">\n",
        "</textarea>",
    ))
}

#[tokio::test]
async fn a_save_from_an_older_version_is_refused_on_the_page_and_keeps_what_was_typed() {
    for backend in backends() {
        let app = TestApp::spawn(backend, INCIDENTS_CONFIG).await;
        resolved_incident(&app, "Certificate expired on api").await;
        let mut rui = signed_in(&app, "rui", Role::Responder).await;
        let mut sam = signed_in(&app, "sam", Role::Responder).await;
        let rui_csrf = rui.csrf().await;
        let sam_csrf = sam.csrf().await;

        // Both open the draft, version 1.
        let opened = rui.get("/incidents/1/postmortem").await;
        assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
        assert_eq!(opened.testid("postmortem-state").as_deref(), Some("draft"));
        assert_eq!(opened.input("version").as_deref(), Some("1"));
        let draft = editor_text(&opened);
        assert!(draft.starts_with("# Post-mortem: Certificate expired on api"));
        assert_eq!(
            editor_text(&sam.get("/incidents/1/postmortem").await),
            draft
        );

        // Rui saves first, with a blaming sentence: saved all the same, and flagged.
        let first = format!("{draft}\nAndrew forgot to renew the certificate.\n");
        let saved = rui
            .post(
                "/incidents/1/postmortem",
                &[("_csrf", &rui_csrf), ("markdown", &first), ("version", "1")],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(
            saved.location.as_deref(),
            Some("/incidents/1/postmortem?changed=saved")
        );
        let page = rui.get("/incidents/1/postmortem?changed=saved").await;
        assert!(
            page.body
                .contains("Saved as version 2. The blameless check found 1 phrase to reword"),
            "{}",
            page.body
        );
        let findings = page.testid("findings").unwrap();
        assert!(
            findings.contains("Andrew forgot") && findings.contains("Say what the system allowed"),
            "{findings}"
        );

        // Sam's save from version 1 is refused: the sentence, Sam's text in the editor, Rui's
        // below it, and the next save made from version 2.
        let second = draft.replace(
            "_What happened, in two or three sentences._",
            "The TLS certificate of api expired at 01:00.\r\nCheckout failed.",
        );
        let refused = sam
            .post(
                "/incidents/1/postmortem",
                &[
                    ("_csrf", &sam_csrf),
                    ("markdown", &second),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
        let conflict = refused.testid("conflict").unwrap();
        assert!(
            conflict.starts_with("user:rui saved version 2 at 2026-11-02 01:10")
                && conflict.contains(
                    "after version 1 that your edit started from, so your edit was not saved."
                ),
            "{conflict}"
        );
        let typed = second.replace("\r\n", "\n");
        assert_eq!(editor_text(&refused), typed);
        assert_eq!(
            unescape(between(
                &refused.body,
                "aria-label=\"The newer saved text\">\n",
                "</textarea>"
            )),
            first
        );
        assert_eq!(refused.input("version").as_deref(), Some("2"));
        let stored = app.get("/api/v1/incidents/1/postmortem").await;
        assert_eq!(stored["markdown"], first.as_str());
        assert_eq!(stored["version"], 2);
        assert_eq!(stored["updated_by"], "user:rui");

        // Merged by hand and saved from version 2, it is stored.
        let merged = format!("{typed}\nThe renewal job had no alert when it failed.\n");
        let saved = sam
            .post(
                "/incidents/1/postmortem",
                &[
                    ("_csrf", &sam_csrf),
                    ("markdown", &merged),
                    ("version", "2"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let stored = app.get("/api/v1/incidents/1/postmortem").await;
        assert_eq!(stored["markdown"], merged.as_str());
        assert_eq!(stored["version"], 3);

        // A form without its version is refused rather than overwriting whatever is stored.
        let unversioned = sam
            .post(
                "/incidents/1/postmortem",
                &[("_csrf", &sam_csrf), ("markdown", "gone")],
            )
            .await;
        assert_eq!(unversioned.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            app.get("/api/v1/incidents/1/postmortem").await["version"],
            3
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn markup_in_a_post_mortem_is_shown_as_text_and_the_preview_says_the_same() {
    for backend in backends() {
        let app = TestApp::spawn(backend, INCIDENTS_CONFIG).await;
        resolved_incident(&app, "Checkout <b>down</b>").await;
        let mut rui = signed_in(&app, "rui", Role::Responder).await;
        let csrf = rui.csrf().await;
        let hostile = "# Summary\n\n<script>alert(1)</script>\n\nSee <img src=x onerror=alert(2)> and [the runbook](javascript:alert(3)) or [the wiki](https://wiki.example/tls).\n";
        rui.get("/incidents/1/postmortem").await;
        let saved = rui
            .post(
                "/incidents/1/postmortem",
                &[("_csrf", &csrf), ("markdown", hostile), ("version", "1")],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

        let mut viewer = signed_in(&app, "vic", Role::Viewer).await;
        let page = viewer.get("/incidents/1/postmortem").await;
        assert_eq!(page.status, StatusCode::OK);
        let article = between(&page.body, "data-testid=\"postmortem\">", "</article>");
        assert!(
            article.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{article}"
        );
        assert!(
            article.contains("&lt;img src=x onerror=alert(2)&gt;"),
            "{article}"
        );
        assert!(
            !article.contains("<script") && !article.contains("<img"),
            "{article}"
        );
        assert!(!page.body.contains("javascript:"), "{article}");
        assert!(article.contains("the runbook"), "the link's text stays");
        assert!(article.contains("<a href=\"https://wiki.example/tls\">the wiki</a>"));
        assert!(page.body.contains("Checkout &lt;b&gt;down") && !page.body.contains("<b>"));
        // The page's only scripts are its own files.
        assert_eq!(
            page.body.matches("<script").count(),
            page.body.matches("<script src=\"").count()
        );
        // A viewer reads, and is offered no editor and no buttons.
        assert!(
            !page
                .body
                .contains("<form method=\"post\" action=\"/incidents/1/")
        );
        assert!(!page.body.contains("postmortem.js"));

        // The preview renders the same way, with the findings beside it.
        let preview = rui
            .post(
                "/incidents/1/postmortem/preview",
                &[
                    ("_csrf", &csrf),
                    (
                        "markdown",
                        "<script>alert(1)</script>\r\n\r\nhuman error, and Andrew forgot",
                    ),
                ],
            )
            .await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        let answer: serde_json::Value = serde_json::from_str(&preview.body).unwrap();
        assert_eq!(
            answer["html"],
            "<p>&lt;script&gt;alert(1)&lt;/script&gt;\n</p>\n<p>human error, and Andrew forgot</p>\n"
        );
        let phrases: Vec<(i64, &str)> = answer["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["line"].as_i64().unwrap(), f["phrase"].as_str().unwrap()))
            .collect();
        assert_eq!(phrases, [(3, "human error"), (3, "Andrew forgot")]);
        assert!(answer["findings"][0]["suggestion"].as_str().unwrap().len() > 10);
        assert_eq!(
            app.get("/api/v1/incidents/1/postmortem").await["markdown"],
            hostile,
            "a preview stores nothing"
        );

        // The export is the Markdown itself, as a file.
        let response = reqwest::Client::new()
            .get(format!("{}/incidents/1/postmortem/export", app.url))
            .header(COOKIE, cookie_header(&viewer))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "text/markdown; charset=utf-8"
        );
        assert_eq!(
            response.headers()["content-disposition"],
            "attachment; filename=\"postmortem-1.md\""
        );
        assert_eq!(response.text().await.unwrap(), hostile);
        app.stop().await;
    }
}

fn cookie_header(browser: &Browser) -> String {
    browser
        .cookies
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn post_mortem_and_action_item_forms_need_a_responder_and_their_token() {
    for backend in backends() {
        let app = TestApp::spawn(backend, INCIDENTS_CONFIG).await;
        resolved_incident(&app, "Queue backlog").await;
        let (status, item) = app
            .api_json(
                reqwest::Method::POST,
                "/api/v1/incidents/1/action_items",
                &app.admin_token,
                &serde_json::json!({"title": "Alert on queue age", "owner": "mina", "due": "2026-11-20", "priority": "P2", "kind": "prevent"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{item}");
        let item_id = item["id"].as_str().unwrap();
        let mut responder = signed_in(&app, "rui", Role::Responder).await;
        let mut viewer = signed_in(&app, "vic", Role::Viewer).await;
        let viewer_csrf = viewer.csrf().await;
        // The viewer reads every page.
        for path in [
            "/incidents/1/postmortem",
            "/postmortems",
            "/postmortems?q=queue&state=draft",
            "/action_items",
            "/action_items?show=mine",
            "/action_items?show=overdue",
            "/incidents/1/postmortem/export",
        ] {
            assert_eq!(viewer.get(path).await.status, StatusCode::OK, "{path}");
        }
        let incident_page = viewer.get("/incidents/1").await;
        assert!(incident_page.body.contains("Alert on queue age"));
        assert!(!incident_page.body.contains("action=\"/incidents/1/"));
        assert!(!incident_page.body.contains("action=\"/action_items/"));

        let status_path = format!("/action_items/{item_id}/status");
        let routes: Vec<(&str, Vec<(&str, &str)>)> = vec![
            (
                "/incidents/1/postmortem",
                vec![("markdown", "# Replaced"), ("version", "1")],
            ),
            ("/incidents/1/postmortem/state", vec![("to", "published")]),
            ("/incidents/1/postmortem/preview", vec![("markdown", "x")]),
            (
                "/incidents/1/action_items",
                vec![
                    ("title", "Page on queue age"),
                    ("owner", "andrew"),
                    ("due", "2026-12-01"),
                    ("priority", "P3"),
                    ("kind", "mitigate"),
                ],
            ),
            (&status_path, vec![("status", "completed")]),
        ];
        let state = || async {
            (
                app.get("/api/v1/incidents/1/postmortem").await,
                app.get("/api/v1/action_items?state=all").await,
                app.get("/api/v1/incidents/1").await["state"].clone(),
            )
        };
        let before = state().await;
        for (path, fields) in &routes {
            let missing = responder.post(path, fields).await;
            assert_eq!(missing.status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(missing.error_code.as_deref(), Some("csrf_failed"), "{path}");
            let mut with_token = fields.clone();
            with_token.push(("_csrf", &viewer_csrf));
            let below = viewer.post(path, &with_token).await;
            assert_eq!(below.status, StatusCode::FORBIDDEN, "{path} as a viewer");
            assert_eq!(below.error_code.as_deref(), Some("forbidden"), "{path}");
        }
        assert_eq!(state().await, before, "a refused form changed something");

        // With both, each works; a bad item comes back with its sentence and what was typed.
        let csrf = responder.csrf().await;
        let refused = responder
            .post(
                "/incidents/1/action_items",
                &[
                    ("_csrf", &csrf),
                    ("title", "Page on <queue> age"),
                    ("owner", "andrew"),
                    ("due", "soon"),
                    ("priority", "P3"),
                    ("kind", "mitigate"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            refused.testid("problem").as_deref(),
            Some("due \"soon\" is not a date like 2026-12-31")
        );
        assert!(refused.body.contains("value=\"Page on &lt;queue&gt; age\""));
        for (path, fields) in &routes {
            let mut with_token = fields.clone();
            with_token.push(("_csrf", &csrf));
            let done = responder.post(path, &with_token).await;
            let expected = if path.ends_with("/preview") {
                StatusCode::OK
            } else {
                StatusCode::SEE_OTHER
            };
            assert_eq!(done.status, expected, "{path}: {}", done.body);
        }
        let items = app.get("/api/v1/action_items?state=all").await;
        assert_eq!(items["items"].as_array().unwrap().len(), 2);
        assert_eq!(items["items"][0]["status"], "completed");
        assert_eq!(
            app.get("/api/v1/incidents/1/postmortem").await["state"],
            "published"
        );
        assert_eq!(app.get("/api/v1/incidents/1").await["state"], "learning");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_lists_of_post_mortems_and_action_items_filter_and_link_to_their_incidents() {
    for backend in backends() {
        let app = TestApp::spawn(backend, INCIDENTS_CONFIG).await;
        resolved_incident(&app, "Certificate expired on api").await;
        let mut rui = signed_in(&app, "rui", Role::Responder).await;
        let csrf = rui.csrf().await;
        for (title, owner, due) in [
            (
                "Alert 14 days before a certificate expires",
                "andrew",
                "2026-11-02",
            ),
            ("Renew certificates automatically", "mina", "2026-12-15"),
        ] {
            let added = rui
                .post(
                    "/incidents/1/action_items",
                    &[
                        ("_csrf", &csrf),
                        ("title", title),
                        ("owner", owner),
                        ("due", due),
                        ("priority", "P2"),
                        ("kind", "prevent"),
                    ],
                )
                .await;
            assert_eq!(
                added.location.as_deref(),
                Some("/incidents/1?changed=item_added#action-items"),
                "{}",
                added.body
            );
        }
        let page = rui.get("/incidents/1?changed=item_added").await;
        assert!(page.body.contains("Action item added."));
        let items = page.testid("action-items").unwrap();
        assert!(
            items.contains("Alert 14 days before a certificate expires Andrew 2026-11-02 P2 prevent outstanding"),
            "{items}"
        );
        assert_eq!(page.testid("postmortem-link").as_deref(), Some("draft"));

        // Mine is Andrew's (rui's person); overdue once the due date's day is over.
        let mine = rui.get("/action_items?show=mine").await;
        let rows = mine.testid("action-items").unwrap();
        assert!(
            rows.contains("Alert 14 days") && !rows.contains("Renew"),
            "{rows}"
        );
        assert!(mine.body.contains("href=\"/incidents/1#action-items\""));
        let overdue = rui.get("/action_items?show=overdue").await;
        assert!(
            overdue.body.contains("Nothing overdue."),
            "{}",
            overdue.body
        );
        // The due date's day ends at midnight UTC (Andrew has no time zone), 22h50m on; the
        // session is used halfway so it does not end meanwhile.
        app.advance(41_400);
        rui.get("/action_items").await;
        app.advance(41_400);
        let overdue = rui.get("/action_items?show=overdue").await;
        let rows = overdue.testid("action-items").unwrap();
        assert!(
            rows.contains("Alert 14 days") && rows.contains("overdue") && !rows.contains("Renew"),
            "{rows}"
        );
        assert_eq!(
            rui.get("/action_items")
                .await
                .body
                .matches("<tr data-item=")
                .count(),
            2
        );
        let mut stranger = signed_in(&app, "sam", Role::Viewer).await;
        assert!(
            stranger
                .get("/action_items?show=mine")
                .await
                .body
                .contains("so no action items are yours")
        );
        assert_eq!(
            rui.get("/action_items?show=everything").await.status,
            StatusCode::BAD_REQUEST
        );

        // The post-mortems list searches the text and the title, and filters by state.
        let list = rui.get("/postmortems").await;
        let rows = list.testid("postmortems").unwrap();
        assert!(
            rows.contains("#1 Certificate expired on api draft"),
            "{rows}"
        );
        assert!(list.body.contains("href=\"/incidents/1/postmortem\""));
        assert!(
            rui.get("/postmortems?q=EXPIRED")
                .await
                .testid("postmortems")
                .is_some()
        );
        assert!(
            rui.get("/postmortems?q=nothing+like+it")
                .await
                .body
                .contains("No post-mortems match.")
        );
        assert!(
            rui.get("/postmortems?state=published")
                .await
                .body
                .contains("No post-mortems match.")
        );
        assert_eq!(
            rui.get("/postmortems?state=final").await.status,
            StatusCode::BAD_REQUEST
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn an_open_incident_has_no_post_mortem_yet_and_says_when_it_will() {
    for backend in backends() {
        let app = TestApp::spawn(backend, INCIDENTS_CONFIG).await;
        let (status, _) = app
            .api_json(
                reqwest::Method::POST,
                "/api/v1/incidents",
                &app.admin_token,
                &serde_json::json!({"title": "Slow search", "severity": "SEV3"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let mut viewer = signed_in(&app, "vic", Role::Viewer).await;
        let incident = viewer.get("/incidents/1").await;
        assert_eq!(
            incident.testid("postmortem-link").as_deref(),
            Some("drafted when the incident resolves")
        );
        let page = viewer.get("/incidents/1/postmortem").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert_eq!(
            page.testid("not-yet").as_deref(),
            Some("Incident #1 is in triage: a post-mortem is drafted when an incident resolves.")
        );
        assert_eq!(
            viewer.get("/incidents/9/postmortem").await.status,
            StatusCode::NOT_FOUND
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn the_incident_list_finds_by_words_or_number_and_shows_commander_and_duration() {
    for backend in backends() {
        let app = TestApp::spawn(backend, INCIDENTS_CONFIG).await;
        let declare = |title: &'static str, summary: &'static str| {
            let app = &app;
            async move {
                let (status, incident) = app
                    .api_json(
                        reqwest::Method::POST,
                        "/api/v1/incidents",
                        &app.admin_token,
                        &serde_json::json!({"title": title, "summary": summary, "severity": "SEV3", "services": ["api"]}),
                    )
                    .await;
                assert_eq!(status, StatusCode::CREATED, "{incident}");
                incident["number"].as_i64().unwrap()
            }
        };
        declare("Checkout fails for EU customers", "card payments time out").await;
        declare("Search results stale", "The INDEX lags by an hour").await;
        declare("Gateway returning 502s", "50% of requests fail").await;
        app.api_json(
            reqwest::Method::PUT,
            "/api/v1/incidents/1/roles/commander",
            &app.admin_token,
            &serde_json::json!({"person": "andrew"}),
        )
        .await;
        app.advance(90 * 60);
        app.api(
            reqwest::Method::POST,
            "/api/v1/incidents/2/resolve",
            Some(&app.admin_token),
        )
        .await;
        app.advance(30 * 60);

        let numbers = |q: &'static str| {
            let app = &app;
            async move {
                let path = format!(
                    "/api/v1/incidents?state=all&q={}",
                    serde_urlencoded::to_string([("", q)])
                        .unwrap()
                        .trim_start_matches('=')
                );
                let (status, listed) = app
                    .api(reqwest::Method::GET, &path, Some(&app.admin_token))
                    .await;
                assert_eq!(status, StatusCode::OK, "{listed}");
                listed["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["number"].as_i64().unwrap())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(numbers("checkout").await, [1]);
        assert_eq!(numbers("index").await, [2], "the summary, any case");
        assert_eq!(numbers("#3").await, [3]);
        assert_eq!(numbers("50%").await, [3]);
        assert_eq!(
            numbers("5_2").await,
            Vec::<i64>::new(),
            "_ is a character, not LIKE's wildcard (which would find 502s)"
        );
        assert_eq!(numbers("nothing like it").await, Vec::<i64>::new());

        let mut viewer = signed_in(&app, "vic", Role::Viewer).await;
        let page = viewer.get("/incidents?state=all&q=eu+customers").await;
        assert_eq!(page.status, StatusCode::OK);
        let list = page.testid("incidents").unwrap();
        assert!(list.contains("Checkout fails for EU customers"), "{list}");
        assert!(!list.contains("Search results stale"), "{list}");
        assert!(list.contains("Andrew"), "the commander: {list}");
        assert!(list.contains("2h so far"), "open for two hours: {list}");
        let page = viewer.get("/incidents?state=all&q=search").await;
        let list = page.testid("incidents").unwrap();
        assert!(list.contains("1h 30m"), "resolved after 90 minutes: {list}");
        assert!(!list.contains("so far"), "{list}");
        assert!(page.body.contains("value=\"search\""), "the search is kept");
        app.stop().await;
    }
}
