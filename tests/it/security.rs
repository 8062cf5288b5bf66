//! What an attacker on the internet, or an insider with a token, tried and must not get: tokens
//! that outlive their person or exceed their role, approvals by the announcer's own hand.

use firewatch::clock::Clock as _;
use firewatch::core::role::Role;
use firewatch::core::scope::Scope;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{TestApp, backends};
use crate::web::add_user;

const CONFIG: &str = r#"
[[services]]
id = "api"
"#;

/// Announces a change that needs approval with `token`; its id.
async fn announce_pending(app: &TestApp, token: &str, summary: &str) -> String {
    let (status, change) = app
        .api_json(
            Method::POST,
            "/api/v1/changes",
            token,
            &json!({"summary": summary, "service": "api", "environment": "production",
                    "risk": "medium", "rollback": "undo it", "needs_approval": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{change}");
    change["id"].as_str().unwrap().to_owned()
}

/// Every `/api/v1/` route, with its path parameters filled in.
fn api_routes() -> Vec<(Method, String)> {
    firewatch::http::ROUTES
        .iter()
        .filter(|(_, path)| path.starts_with("/api/v1/") && *path != "/api/v1/openapi.json")
        .map(|(method, path)| {
            let method = method.to_uppercase().parse().unwrap();
            let mut filled = String::new();
            let mut rest = *path;
            while let Some(start) = rest.find('{') {
                let end = rest[start..].find('}').unwrap() + start;
                filled.push_str(&rest[..start]);
                filled.push_str("x1");
                rest = &rest[end + 1..];
            }
            filled.push_str(rest);
            (method, filled)
        })
        .collect()
}

#[tokio::test]
async fn a_disabled_persons_token_is_refused_on_every_route() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let boss = add_user(&app, "boss", Role::Admin).await;
        let token = app.user_token("boss", &[Scope::Admin]).await;
        let (status, body) = app.api(Method::GET, "/api/v1/tokens", Some(&token)).await;
        assert_eq!(status, StatusCode::OK, "{body}");

        app.store
            .set_user_disabled(&boss, Some(app.clock.now()), &[], app.clock.now())
            .await
            .unwrap();
        let routes = api_routes();
        assert!(routes.len() > 40, "{}", routes.len());
        for (method, path) in routes {
            let response = app
                .http
                .request(method.clone(), format!("{}{path}", app.url))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{backend:?} {method} {path}: {}",
                response.text().await.unwrap()
            );
        }
        // Enabled again, the token works again: it was the person, not the token.
        app.store
            .set_user_disabled(&boss, None, &[], app.clock.now())
            .await
            .unwrap();
        let (status, _) = app.api(Method::GET, "/api/v1/tokens", Some(&token)).await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_token_can_do_no_more_than_its_persons_role() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        add_user(&app, "viewer1", Role::Viewer).await;
        add_user(&app, "ana", Role::Responder).await;
        let viewer = app
            .user_token("viewer1", &[Scope::Admin, Scope::ChangesWrite])
            .await;
        let pipeline = app.token(&[Scope::ChangesWrite]).await;
        let id = announce_pending(&app, &pipeline, "Resize the pool").await;

        let approve = format!("/api/v1/changes/{id}/approve");
        let (status, refused) = app.api(Method::POST, &approve, Some(&viewer)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(refused["error"]["code"], "role_required", "{refused}");
        let (status, refused) = app.api(Method::GET, "/api/v1/tokens", Some(&viewer)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(refused["error"]["code"], "role_required", "{refused}");
        // What a viewer may read, the token reads.
        let reader = app.user_token("viewer1", &[Scope::AlertsRead]).await;
        let (status, _) = app.api(Method::GET, "/api/v1/alerts", Some(&reader)).await;
        assert_eq!(status, StatusCode::OK);
        let (_, still) = app
            .api(
                Method::GET,
                &format!("/api/v1/changes/{id}"),
                Some(&pipeline),
            )
            .await;
        assert_eq!(still["state"], "pending_approval");
    }
}

#[tokio::test]
async fn a_token_the_announcer_made_for_someone_else_cannot_approve_the_announcers_change() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        add_user(&app, "admin1", Role::Admin).await;
        add_user(&app, "resp2", Role::Responder).await;
        add_user(&app, "resp3", Role::Responder).await;
        let admin = app.user_token("admin1", &[Scope::Admin]).await;
        let id = announce_pending(&app, &admin, "Drop the old index").await;

        let (status, minted) = app
            .api_json(
                Method::POST,
                "/api/v1/tokens",
                &admin,
                &json!({"name": "for-resp2", "scopes": ["changes:write"], "user": "resp2"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{minted}");
        let minted = minted["token"].as_str().unwrap().to_owned();
        let approve = format!("/api/v1/changes/{id}/approve");
        let (status, refused) = app.api(Method::POST, &approve, Some(&minted)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(refused["error"]["code"], "self_approval", "{refused}");

        // Every token says who made it.
        let (_, tokens) = app.api(Method::GET, "/api/v1/tokens", Some(&admin)).await;
        let made = tokens["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "for-resp2")
            .unwrap();
        assert_eq!(made["created_by"], "user:admin1 (token admin1-token)");
        assert_eq!(made["user"], "resp2");

        // resp3's own token approves, recorded as resp3.
        let own = app.user_token("resp3", &[Scope::ChangesWrite]).await;
        let (status, approved) = app.api(Method::POST, &approve, Some(&own)).await;
        assert_eq!(status, StatusCode::OK, "{approved}");
        assert_eq!(approved["decided_by"], "user:resp3 (token resp3-token)");
    }
}

#[tokio::test]
async fn after_sign_in_only_a_path_on_this_site_is_followed() {
    let app = TestApp::spawn(crate::support::Backend::Sqlite, CONFIG).await;
    add_user(&app, "ana", Role::Responder).await;
    let mut browser = crate::web::Browser::new(&app);
    browser.sign_in("ana", crate::web::PASSWORD).await;
    for (next, expected) in [
        ("%2F%09%2F127.0.0.1:18091%2Fx", "/"),
        ("%2F%0B%2Fx", "/"),
        ("%2F%5C%2Fevil.example", "/"),
        ("%2F%2Fevil.example", "/"),
        ("https:%2F%2Fevil.example", "/"),
        ("%2Fincidents%3Fstate%3Dopen", "/incidents?state=open"),
    ] {
        let page = browser.get(&format!("/login?next={next}")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(page.location.as_deref(), Some(expected), "{next}");
    }
}

#[tokio::test]
async fn a_senders_javascript_url_never_becomes_a_link() {
    for backend in backends() {
        let slack = crate::support::Destination::start().await;
        let mattermost = crate::support::Destination::start().await;
        let config = format!(
            r#"
[[integrations]]
name = "prometheus"
kind = "alertmanager"
service = "api"

[[services]]
id = "api"

[[destinations]]
name = "slack"
kind = "slack"
url = "{}"

[[destinations]]
name = "mm"
kind = "mattermost"
url = "{}"

[[routes]]
match = {{ kind = "alert" }}
to = ["slack", "mm"]
"#,
            slack.url, mattermost.url
        );
        let app = TestApp::spawn(backend, &config).await;
        let body = crate::alerts::group(&[("c0ffee", "api-1", "firing")]).replace(
            "http://prometheus:9090/graph",
            "javascript:alert(document.cookie)",
        );
        let (status, answer) = app.post_hook("prometheus", &body, &[]).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        slack.wait_for(1).await;
        mattermost.wait_for(1).await;
        for (name, destination) in [("slack", &slack), ("mattermost", &mattermost)] {
            let sent = destination.received()[0].json().to_string();
            assert!(sent.contains("api-1"), "{name}: {sent}");
            assert!(!sent.contains("javascript:"), "{name}: {sent}");
        }
        let (_, alerts) = app
            .api(Method::GET, "/api/v1/alerts", Some(&app.admin_token))
            .await;
        let id = alerts["items"][0]["id"].as_str().unwrap().to_owned();
        add_user(&app, "ana", Role::Viewer).await;
        let mut browser = crate::web::Browser::new(&app);
        browser.sign_in("ana", crate::web::PASSWORD).await;
        let page = browser.get(&format!("/alerts/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("api-1"));
        assert!(!page.body.contains("href=\"javascript:"), "{}", page.body);
    }
}

#[tokio::test]
async fn an_incident_cause_must_name_a_change_and_times_stay_in_a_sensible_range() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let (status, incident) = app
            .api_json(
                Method::POST,
                "/api/v1/incidents",
                &app.admin_token,
                &json!({"title": "Checkout fails", "severity": "SEV2", "services": ["api"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{incident}");
        let path = format!("/api/v1/incidents/{}", incident["id"].as_str().unwrap());
        let (status, refused) = app
            .api_json(
                Method::PATCH,
                &path,
                &app.admin_token,
                &json!({"causing_deployment": "evt_names_nothing"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["code"], "unknown_deployment");
        for (at, ok) in [
            ("0001-01-01T00:00:00Z", false),
            ("9999-01-01T00:00:00Z", false),
            ("1999-12-31T23:59:59Z", false),
            ("2026-11-02T00:30:00Z", true),
        ] {
            let (status, answer) = app
                .api_json(
                    Method::PATCH,
                    &path,
                    &app.admin_token,
                    &json!({"times": {"impact_started": at}}),
                )
                .await;
            if ok {
                assert_eq!(status, StatusCode::OK, "{at}: {answer}");
            } else {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{at}: {answer}");
                assert_eq!(answer["error"]["code"], "time_out_of_range");
            }
        }
        let (_, after) = app.api(Method::GET, &path, Some(&app.admin_token)).await;
        assert_eq!(after["causing_deployment"], serde_json::Value::Null);
        assert_eq!(after["times"]["impact_started"], "2026-11-02T00:30:00Z");
    }
}

#[tokio::test]
async fn the_public_status_routes_send_their_security_headers() {
    let config = r#"
[[services]]
id = "api"

[status_page]
title = "Acme status"
listen = "127.0.0.1:0"

[[status_page.components]]
name = "Public API"
services = ["api"]
"#;
    let app = TestApp::spawn(crate::support::Backend::Sqlite, config).await;
    let own = app.app.as_ref().unwrap().status_address.unwrap();
    for url in [
        format!("{}/status", app.url),
        format!("{}/status.json", app.url),
        format!("{}/status/confirm/sometoken", app.url),
        format!("{}/status/unsubscribe/sometoken", app.url),
        format!("http://{own}/"),
        format!("http://{own}/confirm/sometoken"),
    ] {
        let response = app.http.get(&url).send().await.unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{url}: {csp}");
        assert!(csp.contains("default-src 'none'"), "{url}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{url}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{url}");
    }
    // The API keeps its own headers.
    let response = app
        .http
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("referrer-policy").is_none());
}

#[tokio::test]
async fn over_https_only_the_prefixed_cookies_count() {
    let app = TestApp::spawn(
        crate::support::Backend::Sqlite,
        "[server]\npublic_url = \"https://firewatch.example\"\n",
    )
    .await;
    add_user(&app, "ana", Role::Responder).await;
    let mut browser = crate::web::Browser::new(&app);
    let login = browser.get("/login").await;
    assert!(
        login
            .set_cookies
            .iter()
            .any(|c| c.starts_with("__Host-fw_login=")
                && c.contains("Path=/;")
                && c.contains("Secure")),
        "{:?}",
        login.set_cookies
    );
    browser.sign_in("ana", crate::web::PASSWORD).await;
    let session = browser.cookie("__Host-fw_session").unwrap().to_owned();
    // The same session under the plain name is not accepted.
    let response = app
        .http
        .get(format!("{}/incidents", app.url))
        .header("cookie", format!("fw_session={session}"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(
        response.url().path() == "/login" || response.status() == StatusCode::SEE_OTHER,
        "{} {}",
        response.status(),
        response.url()
    );
    let page = browser.get("/incidents").await;
    assert_eq!(page.status, StatusCode::OK);
}

/// Twenty-five failed sign-ins with made-up names from `browser`.
async fn guess(browser: &mut crate::web::Browser<'_>) {
    for n in 0..25 {
        let page = browser
            .sign_in(&format!("made-up-{n}"), "hunter2-guess")
            .await;
        assert!(
            matches!(
                page.status,
                StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS
            ),
            "{}",
            page.status
        );
    }
}

#[tokio::test]
async fn guesses_from_one_address_never_keep_out_a_browser_that_signed_in_before() {
    for backend in backends() {
        let app = TestApp::spawn(backend, "[server]\ntrusted_proxies = [\"127.0.0.1\"]\n").await;
        add_user(&app, "admin", Role::Admin).await;
        // The admin signed in from this browser last week.
        let mut own = crate::web::Browser::new(&app);
        own.forwarded_for = Some("203.0.113.9".into());
        assert_eq!(
            own.sign_in("admin", crate::web::PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        assert!(own.cookie("fw_device").is_some());
        own.cookies.retain(|(name, _)| name == "fw_device");

        // Someone behind the same office address guesses.
        let mut attacker = crate::web::Browser::new(&app);
        attacker.forwarded_for = Some("203.0.113.9".into());
        guess(&mut attacker).await;
        let refused = attacker.sign_in("admin", crate::web::PASSWORD).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);

        // The admin's own browser still signs in; so does anyone at another address behind
        // the proxy.
        assert_eq!(
            own.sign_in("admin", crate::web::PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        let mut elsewhere = crate::web::Browser::new(&app);
        elsewhere.forwarded_for = Some("198.51.100.2, 127.0.0.1".into());
        assert_eq!(
            elsewhere
                .sign_in("admin", crate::web::PASSWORD)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        // A device cookie is for its user only.
        let mut borrowed = crate::web::Browser::new(&app);
        borrowed.forwarded_for = Some("203.0.113.9".into());
        borrowed.cookies = own
            .cookies
            .iter()
            .filter(|(name, _)| name == "fw_device")
            .cloned()
            .collect();
        add_user(&app, "mina", Role::Viewer).await;
        assert_eq!(
            borrowed.sign_in("mina", crate::web::PASSWORD).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
}

#[tokio::test]
async fn x_forwarded_for_counts_only_from_a_trusted_proxy() {
    let app = TestApp::spawn(crate::support::Backend::Sqlite, "").await;
    add_user(&app, "admin", Role::Admin).await;
    let mut attacker = crate::web::Browser::new(&app);
    attacker.forwarded_for = Some("203.0.113.9".into());
    guess(&mut attacker).await;
    // Not trusted: the header is the client's own word, and the guesses came from the peer.
    let mut other = crate::web::Browser::new(&app);
    other.forwarded_for = Some("198.51.100.2".into());
    assert_eq!(
        other.sign_in("admin", crate::web::PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

const API_CONFIG: &str = r#"
[server]
body_timeout_seconds = 1

[[people]]
id = "mina"
name = "Mina"
timezone = "Asia/Seoul"

[[schedules]]
id = "primary"
timezone = "UTC"
[[schedules.layers]]
rotation = "weekly"
handoff = "mon 10:00"
start = "2026-11-02"
members = ["mina"]

[[services]]
id = "api"
"#;

/// What Schemathesis found: far-off times that overflowed, bodies and paths refused in plain
/// text, a blank title called a bad move, a ruled-out change nobody checked.
#[tokio::test]
async fn the_api_answers_every_bad_request_in_its_own_format() {
    for backend in backends() {
        let app = TestApp::spawn(backend, API_CONFIG).await;
        let token = app.admin_token.clone();
        let expect = |status: StatusCode, code: &str, answer: &(StatusCode, serde_json::Value)| {
            assert_eq!(answer.0, status, "{}", answer.1);
            assert_eq!(answer.1["error"]["code"], code, "{}", answer.1);
        };
        for path in [
            "/api/v1/schedules/primary/shifts?from=9999-12-29T00:00:00Z",
            "/api/v1/oncall?at=9999-12-30T00:00:00Z",
            "/api/v1/oncall?schedule=primary&at=0001-01-01T00:00:00Z",
            "/api/v1/metrics/dora?from=0001-01-01T00:00:00Z",
        ] {
            let answer = app.api(Method::GET, path, Some(&token)).await;
            assert!(
                matches!(
                    answer.0,
                    StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST
                ),
                "{path}: {answer:?}"
            );
            assert!(answer.1["error"]["code"].is_string(), "{path}: {answer:?}");
        }
        let (status, _) = app.api(Method::GET, "/readyz", None).await;
        assert_eq!(status, StatusCode::OK, "the server is still up");

        // A body past the API's limit, and one that never arrives, in the API's format.
        let large = app
            .http
            .post(format!("{}/api/v1/incidents", app.url))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(vec![b' '; 3 * 1024 * 1024])
            .send()
            .await
            .unwrap();
        assert_eq!(large.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body: serde_json::Value = large.json().await.unwrap();
        assert_eq!(body["error"]["code"], "payload_too_large");
        let slow = {
            use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
            let mut stream = tokio::net::TcpStream::connect(app.url.trim_start_matches("http://"))
                .await
                .unwrap();
            stream
                .write_all(
                    format!(
                        "POST /api/v1/incidents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"title\":"
                    )
                    .as_bytes(),
                )
                .await
                .unwrap();
            let mut answer = Vec::new();
            let _ = tokio::time::timeout(
                std::time::Duration::from_secs(10),
                stream.read_to_end(&mut answer),
            )
            .await;
            String::from_utf8_lossy(&answer).into_owned()
        };
        assert!(slow.starts_with("HTTP/1.1 408"), "{slow}");
        assert!(slow.contains("\"body_timeout\""), "{slow}");

        let answer = app
            .api_json(
                Method::PUT,
                "/api/v1/incidents/%FF/roles/commander",
                &token,
                &json!({"person": "mina"}),
            )
            .await;
        expect(StatusCode::BAD_REQUEST, "invalid_parameter", &answer);

        let (_, incident) = app
            .api_json(
                Method::POST,
                "/api/v1/incidents",
                &token,
                &json!({"title": "Checkout fails", "severity": "SEV2", "services": ["api"]}),
            )
            .await;
        let path = format!("/api/v1/incidents/{}", incident["id"].as_str().unwrap());
        for title in ["   ".to_owned(), "x".repeat(301)] {
            let answer = app
                .api_json(Method::PATCH, &path, &token, &json!({"title": title}))
                .await;
            expect(StatusCode::BAD_REQUEST, "invalid_parameter", &answer);
        }
        let answer = app
            .api_json(
                Method::PATCH,
                &path,
                &token,
                &json!({"causing_deployment": "", "ruled_out": "no-such-change"}),
            )
            .await;
        expect(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_deployment",
            &answer,
        );
        let answer = app
            .api_json(
                Method::PATCH,
                &path,
                &token,
                &json!({"causing_deployment": "a", "ruled_out": "b"}),
            )
            .await;
        expect(StatusCode::BAD_REQUEST, "invalid_parameter", &answer);
        // A stored event that is not a deployment is no cause.
        let (_, events) = app.api(Method::GET, "/api/v1/events", Some(&token)).await;
        if let Some(event) = events["items"].as_array().and_then(|items| items.first()) {
            let answer = app
                .api_json(
                    Method::PATCH,
                    &path,
                    &token,
                    &json!({"causing_deployment": event["id"]}),
                )
                .await;
            expect(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_deployment",
                &answer,
            );
        }

        let answer = app
            .api_json(
                Method::POST,
                &format!("{path}/action_items"),
                &token,
                &json!({"title": "Add a canary", "owner": "mina", "due": "0001-01-01", "kind": "prevent"}),
            )
            .await;
        assert_eq!(answer.0, StatusCode::BAD_REQUEST, "{}", answer.1);
        let answer = app
            .api_json(
                Method::POST,
                "/api/v1/silences",
                &token,
                &json!({"matchers": [{"name": "service", "value": "api", "isRegex": false}],
                        "endsAt": "9999-01-01T00:00:00Z", "createdBy": "ana", "comment": "far"}),
            )
            .await;
        assert_eq!(answer.0, StatusCode::BAD_REQUEST, "{}", answer.1);
    }
}
