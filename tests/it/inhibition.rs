//! Inhibition rules and time intervals with Alertmanager's semantics, end to end: a critical
//! alert inhibits its warning (stored, shown as inhibited, never told) and releases it when it
//! resolves; a route is quiet in its mute interval and outside its active one.

use firewatch::clock::Clock as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::alerts::TOKEN;
use crate::support::{Destination, TestApp, backends};

fn config(chat: &Destination, extra: &str) -> String {
    format!(
        r#"
[[integrations]]
name = "prometheus"
kind = "alertmanager"
token = "{TOKEN}"

[[destinations]]
name = "team-chat"
kind = "webhook"
url = "{}"

[[inhibit_rules]]
source_matchers = ['severity="critical"']
target_matchers = ['severity="warning"']
equal = ["alertname", "cluster"]
{extra}
"#,
        chat.url
    )
}

fn alert(cluster: &str, severity: &str, ends_at: jiff::Timestamp) -> Value {
    json!({"labels": {"alertname": "DiskFull", "cluster": cluster, "severity": severity},
           "annotations": {"summary": format!("{severity} on {cluster}")},
           "startsAt": "2026-11-01T00:00:00Z", "endsAt": ends_at.to_string()})
}

async fn push(app: &TestApp, alerts: Value) {
    let response = app
        .http
        .post(format!("{}/am/prometheus/api/v2/alerts", app.url))
        .bearer_auth(TOKEN)
        .json(&alerts)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    app.idle().await;
}

/// Every alert as `summary: state`, sorted.
async fn states(app: &TestApp) -> Vec<String> {
    let items = app.get("/api/v1/alerts?limit=50").await["items"]
        .as_array()
        .cloned()
        .unwrap();
    let mut states: Vec<String> = items
        .iter()
        .map(|a| {
            format!(
                "{}: {}",
                a["summary"].as_str().unwrap(),
                a["state"].as_str().unwrap()
            )
        })
        .collect();
    states.sort();
    states
}

/// What the chat was told, as `change summary`.
fn told(chat: &Destination) -> Vec<String> {
    chat.received()
        .iter()
        .map(|r| {
            let body = r.json();
            format!(
                "{} {}",
                body["data"]["payload"]["change"].as_str().unwrap_or("?"),
                body["data"]["payload"]["alert"]["summary"]
                    .as_str()
                    .unwrap_or("?")
            )
        })
        .collect()
}

#[tokio::test]
async fn a_critical_alert_inhibits_its_warning_and_releases_it_when_it_resolves() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(
            backend,
            &format!(
                "{}\n[[routes]]\nmatch = {{ kind = \"alert\" }}\nto = [\"team-chat\"]\n",
                config(&chat, "")
            ),
        )
        .await;
        let later = app.clock.now() + jiff::SignedDuration::from_hours(1);
        let past = app.clock.now() - jiff::SignedDuration::from_mins(1);

        push(&app, json!([alert("a", "warning", later)])).await;
        push(&app, json!([alert("a", "critical", later)])).await;
        // The warning of another cluster is not the critical's (equal = cluster).
        push(&app, json!([alert("b", "warning", later)])).await;
        // A critical and its warning in one push: the warning is inhibited from the start.
        push(
            &app,
            json!([alert("c", "warning", later), alert("c", "critical", later)]),
        )
        .await;
        assert_eq!(
            states(&app).await,
            [
                "critical on a: firing",
                "critical on c: firing",
                "warning on a: silenced",
                "warning on b: firing",
                "warning on c: silenced",
            ]
        );
        let warning_a = app.get("/api/v1/alerts?limit=50").await["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["summary"] == "warning on a")
            .cloned()
            .unwrap();
        assert!(
            warning_a["silenced_by"]
                .as_str()
                .unwrap()
                .starts_with("inhibit:"),
            "{warning_a}"
        );

        // Alertmanager's API shows it suppressed, inhibited by the critical's fingerprint.
        let listed: Vec<Value> = app
            .http
            .get(format!("{}/am/prometheus/api/v2/alerts", app.url))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let critical_a = listed
            .iter()
            .find(|a| a["labels"]["cluster"] == "a" && a["labels"]["severity"] == "critical")
            .unwrap();
        let inhibited = listed
            .iter()
            .find(|a| a["labels"]["cluster"] == "a" && a["labels"]["severity"] == "warning")
            .unwrap();
        assert_eq!(inhibited["status"]["state"], "suppressed");
        assert_eq!(
            inhibited["status"]["inhibitedBy"],
            json!([critical_a["fingerprint"]])
        );
        assert_eq!(inhibited["status"]["silencedBy"], json!([]));
        let shown: Vec<Value> = app
            .http
            .get(format!(
                "{}/am/prometheus/api/v2/alerts?inhibited=false",
                app.url
            ))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(shown.len(), 3, "{shown:?}");

        // The critical on a resolves: its warning fires again, told as such.
        push(&app, json!([alert("a", "critical", past)])).await;
        app.idle().await;
        assert_eq!(
            states(&app).await,
            [
                "critical on a: resolved",
                "critical on c: firing",
                "warning on a: firing",
                "warning on b: firing",
                "warning on c: silenced",
            ]
        );
        let told = told(&chat);
        assert!(
            !told.iter().any(|t| t.ends_with("warning on c")),
            "{told:?}"
        );
        assert_eq!(
            told.iter().filter(|t| *t == "fired warning on a").count(),
            2,
            "told when it fired, and again when its inhibition ended: {told:?}"
        );
        assert!(
            told.contains(&"resolved critical on a".to_owned()),
            "{told:?}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_route_is_quiet_in_its_mute_interval_and_outside_its_active_one() {
    for backend in backends() {
        let chat = Destination::start().await;
        let night = Destination::start().await;
        let extra = format!(
            r#"
[[destinations]]
name = "night-desk"
kind = "webhook"
url = "{}"

[[time_intervals]]
name = "weekend"
time_intervals = [ {{ weekdays = ["saturday", "sunday"] }} ]

[[time_intervals]]
name = "seoul-nights"
time_intervals = [ {{ times = [ {{ start_time = "18:00", end_time = "24:00" }} ], location = "Asia/Seoul" }} ]

[[routes]]
match = {{ kind = "alert" }}
to = ["team-chat"]
mute_time_intervals = ["weekend"]
continue = true

[[routes]]
match = {{ kind = "alert" }}
to = ["night-desk"]
active_time_intervals = ["seoul-nights"]
"#,
            night.url
        );
        // Saturday 2026-11-07, 10:00 UTC = 19:00 in Seoul: the weekend, and a Seoul night.
        let saturday: jiff::Timestamp = "2026-11-07T10:00:00Z".parse().unwrap();
        let app = TestApp::spawn_at(backend, &config(&chat, &extra), saturday).await;
        let later = saturday + jiff::SignedDuration::from_hours(72);
        push(&app, json!([alert("sat", "warning", later)])).await;
        assert!(chat.received().is_empty());
        assert_eq!(told(&night), ["fired warning on sat"]);

        // Monday 2026-11-09, 01:00 UTC = 10:00 in Seoul: a weekday, daytime in Seoul.
        app.clock.set("2026-11-09T01:00:00Z".parse().unwrap());
        push(&app, json!([alert("mon", "warning", later)])).await;
        chat.wait_for(1).await;
        assert_eq!(told(&chat), ["fired warning on mon"]);
        assert_eq!(told(&night), ["fired warning on sat"]);
        assert_eq!(
            states(&app).await,
            ["warning on mon: firing", "warning on sat: firing"]
        );
        app.stop().await;
    }
}
