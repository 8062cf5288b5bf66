//! The noise report and tasks: API (JSON and CSV), CLI and the web page.
//!
//! Alerts come in through the Alertmanager hook on a controlled clock, so every number in the
//! report is known: two critical HighLatency fires on the `api` service (team `cloud`, a budget
//! of one page a week), one resolved by the sender after 2 minutes, the other acknowledged
//! after 4 and resolved after 20; and one DiskFull warning on `platform`, which has no team.
//! Tasks: an alert left firing past `task_unacknowledged_after` becomes a task for its team
//! (told in the team's channel) until it is acknowledged; one that fires again and again
//! becomes a task people close by hand.

use std::time::Duration;

use firewatch::clock::Clock as _;
use firewatch::core::role::Role;
use firewatch::core::scope::Scope;
use reqwest::header::{CONTENT_TYPE, COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::alerts::{TOKEN, group, post};
use crate::cli::client;
use crate::silences::wait_for_states;
use crate::support::{Backend, Destination, TestApp, backends};
use crate::web::{Browser, signed_in, unescape};

const MINUTE: i64 = 60;

const UNACKNOWLEDGED_DETAIL: &str = "firing for 30m without anyone acknowledging it";
const RECURRING_DETAIL: &str = "fired 3 times in 24h";

fn noise_config(chat: &Destination) -> String {
    format!(
        r#"
[alerts]
task_unacknowledged_after = "off"

[[integrations]]
name = "prometheus"
kind = "alertmanager"
token = "{TOKEN}"
service = "platform"

[[destinations]]
name = "team-chat"
kind = "webhook"
url = "{}"

[[routes]]
match = {{ kind = "alert" }}
to = ["team-chat"]

[[teams]]
id = "cloud"
page_budget_per_week = 1

[[services]]
id = "api"
team = "cloud"
alerts = ['{{instance=~"api-.*"}}']
"#,
        chat.url
    )
}

/// A DiskFull warning group: same shape as `group`, another rule and severity.
fn disk_full(alerts: &[(&str, &str, &str)]) -> String {
    group(alerts)
        .replace("HighLatency", "DiskFull")
        .replace("critical", "warning")
}

async fn accepted(app: &TestApp, body: &str) {
    assert_eq!(post(app, body).await, StatusCode::ACCEPTED);
}

/// The alert with this `instance` label.
async fn alert_id(app: &TestApp, instance: &str) -> String {
    let page = app.get("/api/v1/alerts").await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|alert| alert["labels"]["instance"] == instance)
        .unwrap_or_else(|| panic!("no alert on {instance}: {page}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Drives the known history (see the module's comment) and leaves the clock a minute after
/// the last change, so the report's window (which ends now, exclusive) holds all of it.
async fn noisy_app(backend: Backend, chat: &Destination) -> TestApp {
    let app = TestApp::spawn(backend, &noise_config(chat)).await;
    accepted(&app, &group(&[("f-a", "api-1", "firing")])).await;
    wait_for_states(&app, &["api-1 firing"]).await;
    app.advance(2 * MINUTE);
    accepted(&app, &group(&[("f-a", "api-1", "resolved")])).await;
    wait_for_states(&app, &["api-1 resolved"]).await;
    app.advance(8 * MINUTE);
    accepted(&app, &group(&[("f-b", "api-2", "firing")])).await;
    wait_for_states(&app, &["api-1 resolved", "api-2 firing"]).await;
    app.advance(4 * MINUTE);
    let writer = app.token(&[Scope::AlertsWrite]).await;
    let api2 = alert_id(&app, "api-2").await;
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/alerts/{api2}/acknowledge"),
            Some(&writer),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.advance(MINUTE);
    accepted(&app, &disk_full(&[("f-d", "db-1", "firing")])).await;
    wait_for_states(
        &app,
        &["api-1 resolved", "api-2 acknowledged", "db-1 firing"],
    )
    .await;
    app.advance(15 * MINUTE);
    accepted(&app, &group(&[("f-b", "api-2", "resolved")])).await;
    wait_for_states(&app, &["api-1 resolved", "api-2 resolved", "db-1 firing"]).await;
    app.advance(MINUTE);
    app
}

/// HighLatency: fired, resolved; fired, acknowledged, resolved: five notices, two pages.
fn high_latency(key: &str, budget: Option<u32>) -> Value {
    json!({
        "key": key,
        "fires": 2,
        "notifications": 5,
        "acknowledged": 1,
        "share_acknowledged": 0.5,
        "auto_resolved": 1,
        "share_auto_resolved": 0.5,
        "flapping": 0,
        "median_seconds_to_acknowledge": 240.0,
        // 2 and 20 minutes.
        "median_seconds_to_resolve": 660.0,
        "pages": 2,
        "pages_per_week": 2.0,
        "page_budget_per_week": budget,
        "over_budget": budget.is_some(),
    })
}

fn disk(key: &str) -> Value {
    json!({
        "key": key,
        "fires": 1,
        "notifications": 1,
        "acknowledged": 0,
        "share_acknowledged": 0.0,
        "auto_resolved": 0,
        "share_auto_resolved": 0.0,
        "flapping": 0,
        "median_seconds_to_acknowledge": null,
        "median_seconds_to_resolve": null,
        "pages": 0,
        "pages_per_week": 0.0,
        "page_budget_per_week": null,
        "over_budget": false,
    })
}

#[tokio::test]
async fn the_noise_report_counts_what_alerts_did_by_rule_service_and_team() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = noisy_app(backend, &chat).await;
        let reader = app.token(&[Scope::AlertsRead]).await;
        let report = |query: &'static str| {
            let app = &app;
            let reader = reader.clone();
            async move {
                let (status, body) = app
                    .api(
                        Method::GET,
                        &format!("/api/v1/reports/noise{query}"),
                        Some(&reader),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{query}: {body}");
                body
            }
        };

        let by_rule = report("").await;
        assert_eq!(by_rule["by"], "rule");
        assert_eq!(by_rule["auto_resolve_minutes"], 5);
        assert_eq!(by_rule["to"], "2026-11-02T01:31:00Z");
        assert_eq!(by_rule["from"], "2026-10-26T01:31:00Z", "7 days by default");
        assert_eq!(
            by_rule["rows"],
            json!([high_latency("HighLatency", None), disk("DiskFull")]),
            "busiest first"
        );
        let by_team = report("?by=team&days=7").await;
        assert_eq!(
            by_team["rows"],
            json!([high_latency("cloud", Some(1)), disk("(none)")])
        );
        let by_service = report("?by=service").await;
        assert_eq!(
            by_service["rows"],
            json!([high_latency("api", Some(1)), disk("platform")])
        );

        // Resolved after 2 minutes is not auto-resolved within 1; over 14 days it is one
        // page a week, within the budget.
        let strict = report("?auto_resolve_minutes=1&days=14&by=team").await;
        let cloud = &strict["rows"][0];
        assert_eq!(
            (
                &cloud["auto_resolved"],
                &cloud["pages_per_week"],
                &cloud["over_budget"]
            ),
            (&json!(0), &json!(1.0), &json!(false)),
            "{strict}"
        );
        // A window that ends before anything happened is empty.
        let before = report("?from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z").await;
        assert_eq!(before["rows"], json!([]));

        let response = app
            .http
            .get(format!(
                "{}/api/v1/reports/noise?by=team&format=csv",
                app.url
            ))
            .bearer_auth(&reader)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
        let csv = response.text().await.unwrap();
        assert_eq!(
            csv,
            "team,fires,notifications,acknowledged,share_acknowledged,auto_resolved,share_auto_resolved,flapping,median_seconds_to_acknowledge,median_seconds_to_resolve,pages,pages_per_week,page_budget_per_week,over_budget\n\
             cloud,2,5,1,0.500,1,0.500,0,240,660,2,2.00,1,true\n\
             (none),1,1,0,0.000,0,0.000,0,,,0,0.00,,false\n"
        );

        let (status, _) = app.api(Method::GET, "/api/v1/reports/noise", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let writer_only = app.token(&[Scope::AlertsWrite]).await;
        let (status, _) = app
            .api(Method::GET, "/api/v1/reports/noise", Some(&writer_only))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_noise_report_parameters_are_refused_with_a_sentence() {
    for backend in backends() {
        let app = TestApp::spawn(backend, "").await;
        for (query, sentence) in [
            ("by=nope", "by must be one of rule, service, team"),
            ("days=0", "days must be a whole number from 1 to 366"),
            ("days=seven", "days must be a whole number from 1 to 366"),
            (
                "from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z",
                "from must be before to",
            ),
            ("from=yesterday", "from must be a time like"),
            (
                "days=3&from=2026-11-01T00:00:00Z",
                "give either days or from, not both",
            ),
            (
                "auto_resolve_minutes=0",
                "auto_resolve_minutes must be a whole number from 1 to 1440",
            ),
            ("format=xml", "format must be json or csv"),
        ] {
            let (status, body) = app
                .api(
                    Method::GET,
                    &format!("/api/v1/reports/noise?{query}"),
                    Some(&app.admin_token),
                )
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
            assert_eq!(body["error"]["code"], "invalid_parameter", "{query}");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.starts_with(sentence), "{query}: {message}");
        }
        let (status, body) = app
            .api(
                Method::GET,
                "/api/v1/tasks?state=closed",
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["code"], "invalid_parameter");

        let spec = app.get("/api/v1/openapi.json").await;
        for (path, method) in [
            ("/api/v1/reports/noise", "get"),
            ("/api/v1/tasks", "get"),
            ("/api/v1/tasks/{id}/close", "post"),
        ] {
            assert!(
                spec["paths"][path][method].is_object(),
                "{path} is documented"
            );
        }
        app.stop().await;
    }
}

fn tasks_config(chat: &Destination, team: &Destination, after: &str) -> String {
    format!(
        r#"
[alerts]
task_unacknowledged_after = "{after}"

[[integrations]]
name = "prometheus"
kind = "alertmanager"
token = "{TOKEN}"

[[destinations]]
name = "team-chat"
kind = "webhook"
url = "{}"

[[destinations]]
name = "cloud-chat"
kind = "webhook"
url = "{}"

[[routes]]
match = {{ kind = "alert" }}
to = ["team-chat"]

[[teams]]
id = "cloud"
channel = "cloud-chat"
page_budget_per_week = 5

[[services]]
id = "api"
team = "cloud"
alerts = ['{{instance=~"api-.*"}}']
"#,
        chat.url, team.url
    )
}

async fn tasks(app: &TestApp, query: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/tasks{query}")).await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Waits until `GET /api/v1/tasks{query}` lists `count` tasks (task checks are timer jobs).
async fn wait_for_tasks(app: &TestApp, query: &str, count: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let items = tasks(app, query).await;
        if items.len() == count {
            return items;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "expected {count} tasks ({query}), found {items:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The task notices a destination received.
fn task_notices(destination: &Destination) -> Vec<Value> {
    destination
        .received()
        .iter()
        .map(|received| received.json())
        .filter(|body| body["data"]["kind"] == "alert_task")
        .collect()
}

/// An `api-1` HighLatency alert fired and left alone past the 30 minutes the config allows:
/// returns the app with its open task.
async fn unacknowledged_task(
    backend: Backend,
    chat: &Destination,
    team: &Destination,
) -> (TestApp, Value) {
    let app = TestApp::spawn(backend, &tasks_config(chat, team, "30m")).await;
    accepted(&app, &group(&[("f-a", "api-1", "firing")])).await;
    wait_for_states(&app, &["api-1 firing"]).await;
    team.wait_for(1).await;
    app.advance(29 * MINUTE);
    app.idle().await;
    assert_eq!(tasks(&app, "").await, Vec::<Value>::new(), "not yet");
    app.advance(MINUTE);
    let task = wait_for_tasks(&app, "", 1).await.remove(0);
    (app, task)
}

#[tokio::test]
async fn an_alert_left_unacknowledged_becomes_a_task_for_its_team_until_acknowledged() {
    for backend in backends() {
        let chat = Destination::start().await;
        let team = Destination::start().await;
        let (app, task) = unacknowledged_task(backend, &chat, &team).await;
        let alert = alert_id(&app, "api-1").await;
        assert_eq!(task["alert_id"], alert.as_str());
        assert_eq!(task["rule"], "HighLatency");
        assert_eq!(task["service"], "api");
        assert_eq!(task["team"], "cloud");
        assert_eq!(task["reason"], "unacknowledged");
        assert_eq!(task["detail"], UNACKNOWLEDGED_DETAIL);
        assert_eq!(task["opened_at"], "2026-11-02T01:30:00Z");
        assert!(task["closed_at"].is_null(), "{task}");

        // The team hears of it in its channel: the fire, then the task.
        team.wait_for(2).await;
        let notices = task_notices(&team);
        assert_eq!(notices.len(), 1, "{notices:?}");
        let payload = &notices[0]["data"]["payload"];
        assert_eq!(payload["task_id"], task["id"]);
        assert_eq!(payload["reason"], "unacknowledged");
        assert_eq!(payload["team"], "cloud");
        assert_eq!(payload["alert"]["labels"]["instance"], "api-1");
        assert!(
            task_notices(&chat).is_empty(),
            "no route sends alert_task to team-chat"
        );

        // Acknowledging the alert closes the task, in the acknowledger's name.
        let writer = firewatch::accounts::tokens::create(
            &app.store,
            "ana-laptop",
            &[Scope::AlertsWrite],
            None,
            &firewatch::store::accounts::TokenCreator::cli(),
            firewatch::core::audit::Channel::Cli,
            app.clock.now(),
        )
        .await
        .unwrap()
        .token;
        app.advance(5 * MINUTE);
        let (status, body) = app
            .api(
                Method::POST,
                &format!("/api/v1/alerts/{alert}/acknowledge"),
                Some(&writer),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        wait_for_tasks(&app, "", 0).await;
        let all = wait_for_tasks(&app, "?state=all", 1).await;
        assert_eq!(all[0]["id"], task["id"]);
        assert_eq!(all[0]["closed_by"], "token:ana-laptop");
        assert_eq!(all[0]["closed_at"], "2026-11-02T01:35:00Z");

        // An acknowledged alert opens no task, however long it stays so.
        app.advance(2 * 60 * MINUTE);
        app.idle().await;
        assert_eq!(tasks(&app, "?state=all").await.len(), 1);
        assert_eq!(task_notices(&team).len(), 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn an_alert_that_keeps_firing_becomes_a_task_that_closes_once() {
    for backend in backends() {
        let chat = Destination::start().await;
        let team = Destination::start().await;
        let app = TestApp::spawn(backend, &tasks_config(&chat, &team, "off")).await;
        let firing = disk_full(&[("f-d", "api-db-1", "firing")]);
        let resolved = disk_full(&[("f-d", "api-db-1", "resolved")]);
        for (body, state) in [
            (&firing, "api-db-1 firing"),
            (&resolved, "api-db-1 resolved"),
            (&firing, "api-db-1 firing"),
            (&resolved, "api-db-1 resolved"),
        ] {
            accepted(&app, body).await;
            wait_for_states(&app, &[state]).await;
            app.advance(MINUTE);
        }
        app.idle().await;
        assert_eq!(tasks(&app, "").await, Vec::<Value>::new(), "two fires");
        accepted(&app, &firing).await;
        let task = wait_for_tasks(&app, "", 1).await.remove(0);
        assert_eq!(task["reason"], "recurring");
        assert_eq!(task["detail"], RECURRING_DETAIL);
        assert_eq!(task["rule"], "DiskFull");
        assert_eq!(task["team"], "cloud");
        let id = task["id"].as_str().unwrap();

        let reader = app.token(&[Scope::AlertsRead]).await;
        let close = format!("/api/v1/tasks/{id}/close");
        let (status, _) = app.api(Method::POST, &close, Some(&reader)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let writer = app.token(&[Scope::AlertsWrite]).await;
        let (status, closed) = app.api(Method::POST, &close, Some(&writer)).await;
        assert_eq!(status, StatusCode::OK, "{closed}");
        assert_eq!(closed["id"], id);
        assert_eq!(closed["closed_by"], "token:test");
        assert!(closed["closed_at"].is_string(), "{closed}");
        let (status, again) = app.api(Method::POST, &close, Some(&writer)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{again}");
        assert_eq!(again["error"]["code"], "task_closed");
        let (status, missing) = app
            .api(Method::POST, "/api/v1/tasks/nope/close", Some(&writer))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(missing["error"]["code"], "not_found");
        assert_eq!(tasks(&app, "").await, Vec::<Value>::new());
        assert_eq!(tasks(&app, "?state=all").await.len(), 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_noise_page_shows_the_report_its_charts_and_its_csv() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = noisy_app(backend, &chat).await;
        let mut anonymous = Browser::new(&app);
        for path in ["/noise", "/noise.csv"] {
            let page = anonymous.get(path).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        }
        let mut viewer = signed_in(&app, "vic", Role::Viewer).await;
        let overview = unescape(&viewer.get("/").await.body);
        assert!(
            overview.contains(r#"<a href="/noise">Alert noise</a>"#),
            "in the navigation"
        );

        let page = viewer.get("/noise").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let table = page.testid("noise").unwrap();
        assert!(
            table.contains("HighLatency 2 5 1 50% 1 50% 0 4m 11m 2 2.0 —"),
            "{table}"
        );
        assert!(
            table.contains("DiskFull 1 1 0 0% 0 0% 0 — — 0 0.0 —"),
            "{table}"
        );
        let activity = page.testid("activity-chart").unwrap();
        assert!(
            activity.contains("HighLatency 2 fired 5 notified 1 acknowledged 1 auto-resolved"),
            "{activity}"
        );
        // Widths are shares of the largest count (HighLatency's 5 notices).
        assert!(page.body.contains(r#"class="fill-fires" width="40.0""#));
        assert!(page.body.contains(r#"class="fill-notified" width="100.0""#));
        assert!(page.body.contains("Budgets belong to teams"));
        let window = page.testid("noise-window").unwrap();
        assert!(window.contains("(7 days)"), "{window}");
        assert!(page.body.contains(r#"href="/noise.csv?""#), "the defaults");

        let by_team = viewer.get("/noise?by=team&days=7").await;
        assert_eq!(by_team.status, StatusCode::OK);
        let table = by_team.testid("noise").unwrap();
        assert!(
            table.contains("cloud 2 5 1 50% 1 50% 0 4m 11m 2 2.0 over budget 1"),
            "{table}"
        );
        let pages = by_team.testid("pages-chart").unwrap();
        assert_eq!(pages, "cloud 2.0 of 1 over", "(none) has no budget");
        // Pages scale to 2.2 (10% room): 2.0 is 90.9%, the budget of 1 at 45.5%.
        assert!(by_team.body.contains(r#"class="fill-over" width="90.91""#));
        assert!(by_team.body.contains(r#"x1="45.45""#));
        assert!(by_team.body.contains(r#"<option value="team" selected>"#));
        assert!(
            by_team
                .body
                .contains(r#"href="/noise.csv?by=team&amp;days=7""#),
            "the CSV link asks for the same report"
        );

        let cookies: Vec<String> = viewer
            .cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let response = app
            .http
            .get(format!("{}/noise.csv?by=team&days=7", app.url))
            .header(COOKIE, cookies.join("; "))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("firewatch-noise-by-team.csv")
        );
        let csv = response.text().await.unwrap();
        assert!(csv.starts_with("team,fires,notifications,"), "{csv}");
        assert!(
            csv.contains("\ncloud,2,5,1,0.500,1,0.500,0,240,660,2,2.00,1,true\n"),
            "{csv}"
        );

        for (query, sentence) in [
            ("days=0", "days must be a whole number from 1 to 366"),
            ("by=nope", "by must be one of rule, service, team"),
            (
                "from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z",
                "from must be before to",
            ),
        ] {
            let refused = viewer.get(&format!("/noise?{query}")).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{query}");
            assert_eq!(
                refused.testid("noise-problem").as_deref(),
                Some(sentence),
                "{query}"
            );
            assert!(
                refused
                    .body
                    .contains("aria-label=\"Noise report settings\"")
            );
            let csv = viewer.get(&format!("/noise.csv?{query}")).await;
            assert_eq!(csv.status, StatusCode::BAD_REQUEST, "{query}");
            assert!(csv.body.contains(sentence), "{query}");
        }

        let empty = viewer
            .get("/noise?from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z")
            .await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(
            empty
                .testid("noise-empty")
                .unwrap()
                .starts_with("No alerts fired"),
            "{}",
            empty.body
        );
        assert_eq!(
            empty.input("from").as_deref(),
            Some("2026-10-01T00:00:00Z"),
            "the form keeps the window"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn the_alerts_page_lists_tasks_and_responders_close_them() {
    for backend in backends() {
        let chat = Destination::start().await;
        let team = Destination::start().await;
        let (app, task) = unacknowledged_task(backend, &chat, &team).await;
        let id = task["id"].as_str().unwrap().to_owned();
        let alert = task["alert_id"].as_str().unwrap().to_owned();
        let close = format!("/alerts/tasks/{id}/close");

        let mut viewer = signed_in(&app, "vic", Role::Viewer).await;
        let seen = viewer.get("/alerts").await;
        assert_eq!(seen.status, StatusCode::OK);
        let open = seen.testid("open-tasks").unwrap();
        assert!(
            open.contains(&format!(
                "unacknowledged HighLatency {UNACKNOWLEDGED_DETAIL} api · cloud · opened just now"
            )),
            "{open}"
        );
        assert!(
            seen.body.contains(&format!(r#"href="/alerts/{alert}""#)),
            "the task links to its alert"
        );
        assert!(seen.body.contains(&format!(r#"<li id="alert-{alert}">"#)));
        assert!(!seen.body.contains(&close), "viewers get no Close button");
        let viewer_csrf = viewer.csrf().await;
        let refused = viewer.post(&close, &[("_csrf", &viewer_csrf)]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(refused.error_code.as_deref(), Some("forbidden"));

        let mut responder = signed_in(&app, "rita", Role::Responder).await;
        let page = responder.get("/alerts").await;
        assert!(page.body.contains(&format!(r#"action="{close}""#)));
        let forged = responder.post(&close, &[]).await;
        assert_eq!(forged.error_code.as_deref(), Some("csrf_failed"));
        let other = responder.post(&close, &[("_csrf", &viewer_csrf)]).await;
        assert_eq!(other.error_code.as_deref(), Some("csrf_failed"));
        assert_eq!(tasks(&app, "").await.len(), 1, "nothing closed yet");

        let csrf = responder.csrf().await;
        let done = responder.post(&close, &[("_csrf", &csrf)]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(
            done.location.as_deref(),
            Some("/alerts?changed=task_closed")
        );
        let all = tasks(&app, "?state=all").await;
        assert_eq!(all[0]["closed_by"], "user:rita");
        let again = responder.post(&close, &[("_csrf", &csrf)]).await;
        assert_eq!(
            again.location.as_deref(),
            Some("/alerts?changed=task_unchanged")
        );
        let missing = responder
            .post("/alerts/tasks/nope/close", &[("_csrf", &csrf)])
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);

        let after = responder.get("/alerts?changed=task_closed").await;
        assert!(after.body.contains("Task closed."));
        assert!(after.testid("open-tasks").is_none());
        assert!(after.body.contains("No open tasks"));
        let closed = after.testid("closed-tasks").unwrap();
        assert!(closed.contains("user:rita"), "{closed}");
        assert!(closed.contains("HighLatency"), "{closed}");
        app.stop().await;
    }
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The cells of the table line that starts with `key`.
fn table_row(table: &str, key: &str) -> Vec<String> {
    table
        .lines()
        .find(|line| line.starts_with(key))
        .unwrap_or_else(|| panic!("no {key} line in\n{table}"))
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_cli_prints_the_noise_report_as_a_table_or_csv() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = noisy_app(backend, &chat).await;
        let token = app.token(&[Scope::AlertsRead]).await;

        let output = client(&["alert", "noise"], &app.url, &token).await;
        assert!(output.status.success(), "{output:?}");
        let table = stdout(&output);
        let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
        assert_eq!(
            header,
            [
                "RULE",
                "FIRES",
                "NOTIFIED",
                "ACKED",
                "ACKED%",
                "AUTO",
                "AUTO%",
                "FLAPPING",
                "MEDIAN",
                "ACK",
                "MEDIAN",
                "RESOLVE",
                "PAGES",
                "PAGES/WEEK",
                "BUDGET"
            ]
        );
        assert_eq!(table.lines().count(), 3, "{table}");
        assert_eq!(
            table_row(&table, "HighLatency"),
            [
                "HighLatency",
                "2",
                "5",
                "1",
                "50%",
                "1",
                "50%",
                "0",
                "4m",
                "11m",
                "2",
                "2.0",
                "-"
            ]
        );
        assert_eq!(
            table_row(&table, "DiskFull"),
            [
                "DiskFull", "1", "1", "0", "0%", "0", "0%", "0", "-", "-", "0", "0.0", "-"
            ]
        );
        // Columns line up: every line puts FIRES' last digit in the same place.
        let fires_end = table.lines().next().unwrap().find("FIRES").unwrap() + "FIRES".len();
        for line in table.lines().skip(1) {
            assert!(
                line[..fires_end].ends_with(|c: char| c.is_ascii_digit())
                    && line[fires_end..].starts_with(' '),
                "{table}"
            );
        }
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("within 5 min"),
            "{output:?}"
        );

        let output = client(
            &["alert", "noise", "--by", "team", "--days", "14"],
            &app.url,
            &token,
        )
        .await;
        assert!(output.status.success(), "{output:?}");
        assert_eq!(
            table_row(&stdout(&output), "cloud"),
            [
                "cloud", "2", "5", "1", "50%", "1", "50%", "0", "4m", "11m", "2", "1.0", "1"
            ],
            "one page a week over 14 days is within the budget"
        );
        let output = client(&["alert", "noise", "--by", "team"], &app.url, &token).await;
        assert_eq!(table_row(&stdout(&output), "cloud").last().unwrap(), "OVER");

        let output = client(
            &["alert", "noise", "--csv", "--auto-resolve-minutes", "1"],
            &app.url,
            &token,
        )
        .await;
        assert!(output.status.success(), "{output:?}");
        let csv = stdout(&output);
        assert!(csv.starts_with("rule,fires,notifications,"), "{csv}");
        assert!(
            csv.contains("\nHighLatency,2,5,1,0.500,0,0.000,0,240,660,2,2.00,,false\n"),
            "{csv}"
        );

        let output = client(
            &[
                "alert",
                "noise",
                "--from",
                "2026-11-02T00:00:00Z",
                "--to",
                "2026-11-01T00:00:00Z",
            ],
            &app.url,
            &token,
        )
        .await;
        assert!(!output.status.success());
        let error = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            error.contains("invalid_parameter: from must be before to"),
            "{error}"
        );
        let output = client(
            &["alert", "noise", "--csv", "--days", "0"],
            &app.url,
            &token,
        )
        .await;
        assert!(!output.status.success());
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("days must be a whole number"),
            "{output:?}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn the_cli_lists_and_closes_tasks() {
    for backend in backends() {
        let chat = Destination::start().await;
        let team = Destination::start().await;
        let (app, task) = unacknowledged_task(backend, &chat, &team).await;
        let id = task["id"].as_str().unwrap();
        let token = app.token(&[Scope::AlertsRead, Scope::AlertsWrite]).await;

        let output = client(&["alert", "tasks"], &app.url, &token).await;
        assert!(output.status.success(), "{output:?}");
        let listed = stdout(&output);
        assert_eq!(listed.lines().count(), 2, "{listed}");
        assert!(listed.lines().next().unwrap().starts_with("ID"), "{listed}");
        let row = table_row(&listed, id);
        assert_eq!(
            row[..9],
            [
                id,
                "open",
                "unacknowledged",
                "HighLatency",
                "api",
                "cloud",
                "2026-11-02",
                "01:30:00",
                "UTC"
            ]
        );
        assert!(listed.contains(UNACKNOWLEDGED_DETAIL), "{listed}");

        let output = client(&["alert", "close-task", id], &app.url, &token).await;
        assert!(output.status.success(), "{output:?}");
        assert!(stdout(&output).starts_with(&format!("closed {id}: HighLatency")));
        let output = client(&["alert", "close-task", id], &app.url, &token).await;
        assert!(!output.status.success());
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("409 Conflict: task_closed"),
            "{output:?}"
        );

        let output = client(&["alert", "tasks"], &app.url, &token).await;
        assert_eq!(stdout(&output).lines().count(), 1, "only the header");
        let output = client(&["alert", "tasks", "--all"], &app.url, &token).await;
        let listed = stdout(&output);
        assert!(listed.lines().next().unwrap().contains("CLOSED BY"));
        let row = table_row(&listed, id);
        assert_eq!(row[1], "closed");
        assert_eq!(row[9], "token:test");
        app.stop().await;
    }
}
