//! Heartbeats and the watchdog on a controlled clock: a ping that does not come by its
//! deadline fires an alert through the usual path, the next ping resolves it, `/fail` fires at
//! once, a deadline that passes while Firewatch is down fires on restart, and Prometheus's
//! always-firing Watchdog alert is a heartbeat, not an alert.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::alerts::TOKEN;
use crate::support::{Destination, TestApp, backends, start_time};

const PING_TOKEN: &str = "ping-secret";

/// With the Prometheus integration's watchdog, or without (a watchdog that never heard from
/// Prometheus says the pipeline is down).
fn config(chat: &Destination, watchdog: bool) -> String {
    let watchdog = if watchdog {
        r#"watchdog = { alertname = "Watchdog", grace = "5m" }"#
    } else {
        ""
    };
    format!(
        r#"
[[services]]
id = "db"

[[heartbeats]]
name = "nightly-backup"
service = "db"
every = "1h"
grace = "10m"
token = "{PING_TOKEN}"

[[integrations]]
name = "prometheus"
kind = "alertmanager"
token = "{TOKEN}"
{watchdog}

[[destinations]]
name = "team-chat"
kind = "webhook"
url = "{}"

[[routes]]
match = {{ kind = "alert" }}
to = ["team-chat"]
"#,
        chat.url
    )
}

async fn heartbeat(app: &TestApp, name: &str) -> Value {
    let items = app.get("/api/v1/heartbeats").await["items"].clone();
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no heartbeat {name}: {items}"))
}

async fn alerts(app: &TestApp) -> Vec<String> {
    let items = app.get("/api/v1/alerts?limit=20").await["items"].clone();
    let mut listed: Vec<String> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{}: {}",
                a["rule"].as_str().unwrap(),
                a["state"].as_str().unwrap()
            )
        })
        .collect();
    listed.sort();
    listed
}

fn told(chat: &Destination) -> Vec<String> {
    chat.received()
        .iter()
        .map(|r| {
            let body = r.json();
            format!(
                "{} {}",
                body["data"]["payload"]["change"].as_str().unwrap_or("?"),
                body["data"]["payload"]["alert"]["rule"]
                    .as_str()
                    .unwrap_or("?")
            )
        })
        .collect()
}

async fn ping(app: &TestApp, path: &str, bearer: Option<&str>) -> (StatusCode, Value) {
    let mut request = app.http.post(format!("{}{path}", app.url));
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_missed_ping_fires_the_next_resolves_and_a_failure_fires_at_once() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat, false)).await;
        let at = |minutes: i64| start_time() + jiff::SignedDuration::from_mins(minutes);
        app.idle().await;
        let waiting = heartbeat(&app, "nightly-backup").await;
        assert_eq!(waiting["state"], "waiting");
        assert_eq!(waiting["deadline"], json!(at(70)));

        app.clock.set(at(30));
        let (status, answer) = ping(&app, "/heartbeats/nightly-backup", Some(PING_TOKEN)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["state"], "up");
        assert_eq!(answer["deadline"], json!(at(100)));
        // A crontab's curl: GET with the token in the query.
        let response = app
            .http
            .get(format!(
                "{}/heartbeats/nightly-backup?token={PING_TOKEN}",
                app.url
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let (status, answer) = ping(&app, "/heartbeats/nightly-backup", Some("wrong")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer["error"]["code"], "invalid_token");
        let (status, answer) = ping(&app, "/heartbeats/nope", Some(PING_TOKEN)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(answer["error"]["code"], "unknown_heartbeat");
        app.idle().await;
        assert!(
            alerts(&app).await.is_empty(),
            "an up heartbeat makes no alert"
        );

        // A minute before the deadline nothing; at it, the alert fires.
        app.clock.set(at(99));
        app.idle().await;
        assert!(alerts(&app).await.is_empty());
        app.clock.set(at(100));
        app.idle().await;
        assert_eq!(alerts(&app).await, ["nightly-backup: firing"]);
        let alert = &app.get("/api/v1/alerts?limit=5").await["items"][0];
        assert_eq!(alert["service"], "db");
        assert_eq!(alert["severity"], "critical");
        assert!(
            alert["summary"].as_str().unwrap().starts_with(
                "nightly-backup missed its heartbeat: no ping since 2026-11-02 01:30 UTC"
            ),
            "{alert}"
        );
        assert_eq!(heartbeat(&app, "nightly-backup").await["state"], "late");

        app.clock.set(at(130));
        ping(&app, "/heartbeats/nightly-backup", Some(PING_TOKEN)).await;
        app.idle().await;
        assert_eq!(alerts(&app).await, ["nightly-backup: resolved"]);

        // The job says it failed: the alert fires now, and the next ping resolves it.
        app.clock.set(at(140));
        let (status, answer) =
            ping(&app, "/heartbeats/nightly-backup/fail", Some(PING_TOKEN)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer["state"], "failed");
        app.idle().await;
        assert_eq!(alerts(&app).await, ["nightly-backup: firing"]);
        app.clock.set(at(150));
        ping(&app, "/heartbeats/nightly-backup", Some(PING_TOKEN)).await;
        app.idle().await;
        assert_eq!(alerts(&app).await, ["nightly-backup: resolved"]);
        chat.wait_for(4).await;
        assert_eq!(
            told(&chat),
            [
                "fired nightly-backup",
                "resolved nightly-backup",
                "fired nightly-backup",
                "resolved nightly-backup"
            ]
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_deadline_that_passes_while_firewatch_is_down_fires_on_restart() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat, false)).await;
        ping(&app, "/heartbeats/nightly-backup", Some(PING_TOKEN)).await;
        app.idle().await;
        // Down from minute 0 to hour 3: the deadline (70 minutes) passed meanwhile.
        let app = app
            .restart_at(start_time() + jiff::SignedDuration::from_hours(3))
            .await;
        app.idle().await;
        let listed = alerts(&app).await;
        assert!(
            listed.contains(&"nightly-backup: firing".to_owned()),
            "{listed:?}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn prometheus_watchdog_is_a_heartbeat_and_its_silence_says_the_pipeline_is_down() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat, true)).await;
        let at = |minutes: i64| start_time() + jiff::SignedDuration::from_mins(minutes);
        let watchdog = |app: &TestApp, minute: i64| {
            let request = app
                .http
                .post(format!("{}/am/prometheus/api/v2/alerts", app.url))
                .bearer_auth(TOKEN)
                .json(&json!([
                    {"labels": {"alertname": "Watchdog", "severity": "none"},
                     "startsAt": at(0).to_string(), "endsAt": at(minute + 4).to_string()},
                    {"labels": {"alertname": "DiskFull", "severity": "warning"},
                     "startsAt": at(0).to_string(), "endsAt": at(minute + 60).to_string()},
                ]));
            async move { request.send().await.unwrap().status() }
        };
        assert_eq!(watchdog(&app, 0).await, StatusCode::OK);
        app.idle().await;
        // The Watchdog is not an alert; the other alert of the push is.
        assert_eq!(alerts(&app).await, ["DiskFull: firing"]);
        assert_eq!(heartbeat(&app, "watchdog:prometheus").await["state"], "up");
        app.clock.set(at(3));
        assert_eq!(watchdog(&app, 3).await, StatusCode::OK);
        app.idle().await;
        app.clock.set(at(7));
        app.idle().await;
        assert_eq!(alerts(&app).await, ["DiskFull: firing"]);

        // No Watchdog from minute 3 on: at minute 8 the pipeline is down.
        app.clock.set(at(8));
        app.idle().await;
        let listed = alerts(&app).await;
        assert!(
            listed.contains(&"watchdog:prometheus: firing".to_owned()),
            "{listed:?}"
        );
        let down = app.get("/api/v1/alerts?limit=5").await["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["rule"] == "watchdog:prometheus")
            .cloned()
            .unwrap();
        assert!(
            down["summary"].as_str().unwrap().starts_with(
                "The alerting pipeline is down: Watchdog from prometheus stopped arriving"
            ),
            "{down}"
        );
        assert_eq!(
            heartbeat(&app, "watchdog:prometheus").await["watchdog"],
            true
        );

        app.clock.set(at(9));
        assert_eq!(watchdog(&app, 9).await, StatusCode::OK);
        app.idle().await;
        let listed = alerts(&app).await;
        assert!(
            listed.contains(&"watchdog:prometheus: resolved".to_owned()),
            "{listed:?}"
        );
        app.stop().await;
    }
}
