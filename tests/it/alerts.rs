//! Alerts from monitoring tools: Alertmanager's webhook (also from the real Alertmanager
//! binary), de-duplication across re-sends, state changes notified once each through routes,
//! and acknowledge/resolve through the API.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use firewatch::clock::Clock as _;
use firewatch::core::scope::Scope;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Destination, TestApp, backends};

pub const TOKEN: &str = "am-secret-token";

pub fn config(chat: &Destination) -> String {
    format!(
        r#"
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
"#,
        chat.url
    )
}

/// An Alertmanager group as its webhook sends it (payload version 4).
pub fn group(alerts: &[(&str, &str, &str)]) -> String {
    let alerts: Vec<Value> = alerts
        .iter()
        .map(|(fingerprint, instance, status)| {
            json!({
                "status": status,
                "labels": {"alertname": "HighLatency", "instance": instance, "severity": "critical"},
                "annotations": {"summary": format!("p99 above 500 ms on {instance}")},
                "startsAt": "2026-11-02T00:55:00Z",
                "endsAt": if *status == "resolved" { "2026-11-02T01:00:00Z" } else { "0001-01-01T00:00:00Z" },
                "generatorURL": "http://prometheus:9090/graph",
                "fingerprint": fingerprint,
            })
        })
        .collect();
    json!({
        "version": "4",
        "groupKey": "{}:{alertname=\"HighLatency\"}",
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "firewatch",
        "groupLabels": {"alertname": "HighLatency"},
        "commonLabels": {"alertname": "HighLatency"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    })
    .to_string()
}

pub async fn post(app: &TestApp, body: &str) -> StatusCode {
    app.post_hook(
        "prometheus",
        body,
        &[("authorization", &format!("Bearer {TOKEN}"))],
    )
    .await
    .0
}

/// The titles of the webhook notices received so far.
pub fn titles(chat: &Destination) -> Vec<String> {
    chat.received()
        .iter()
        .map(|r| {
            let body = r.json();
            format!(
                "{} {}",
                body["data"]["payload"]["change"].as_str().unwrap_or("?"),
                body["data"]["payload"]["alert"]["labels"]["instance"]
                    .as_str()
                    .unwrap_or("?")
            )
        })
        .collect()
}

async fn alerts(app: &TestApp, query: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/alerts?{query}")).await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn re_sent_groups_notify_each_change_once() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;

        assert_eq!(
            post(&app, &group(&[("f-a", "api-1", "firing")])).await,
            StatusCode::ACCEPTED
        );
        chat.wait_for(1).await;
        // Alertmanager re-sends the whole group on every change: api-1 again, api-2 new.
        let both = group(&[("f-a", "api-1", "firing"), ("f-b", "api-2", "firing")]);
        assert_eq!(post(&app, &both).await, StatusCode::ACCEPTED);
        assert_eq!(post(&app, &both).await, StatusCode::ACCEPTED);
        chat.wait_for(2).await;
        let resolved = group(&[("f-a", "api-1", "resolved"), ("f-b", "api-2", "firing")]);
        assert_eq!(post(&app, &resolved).await, StatusCode::ACCEPTED);
        assert_eq!(post(&app, &resolved).await, StatusCode::ACCEPTED);
        chat.wait_for(3).await;
        // Firing again after resolving is a new cycle.
        assert_eq!(post(&app, &both).await, StatusCode::ACCEPTED);
        chat.wait_for(4).await;
        app.idle().await;
        assert_eq!(
            titles(&chat),
            [
                "fired api-1",
                "fired api-2",
                "resolved api-1",
                "fired api-1"
            ]
        );

        let listed = alerts(&app, "").await;
        assert_eq!(listed.len(), 2);
        let api1 = listed.iter().find(|a| a["fingerprint"] == "f-a").unwrap();
        assert_eq!(api1["state"], "firing");
        assert_eq!(api1["fire_count"], 2);
        assert_eq!(api1["severity"], "critical");
        assert_eq!(
            api1["service"], "platform",
            "the integration's default service"
        );
        assert_eq!(api1["rule"], "HighLatency");
        let detail = app
            .get(&format!("/api/v1/alerts/{}", api1["id"].as_str().unwrap()))
            .await;
        let changes: Vec<&str> = detail["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["change"].as_str().unwrap())
            .collect();
        assert_eq!(changes, ["fired", "resolved", "fired"]);
        assert_eq!(detail["changes"][0]["cause"], "alertmanager:prometheus");

        // Every report is kept as an event, re-sends too.
        let (_, events) = app
            .api(
                Method::GET,
                "/api/v1/events?integration=prometheus&kind=alerts",
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(events["items"].as_array().unwrap().len(), 6);
    }
}

#[tokio::test]
async fn people_acknowledge_and_resolve_through_the_api() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        post(&app, &group(&[("f-a", "api-1", "firing")])).await;
        chat.wait_for(1).await;
        let id = alerts(&app, "state=firing").await[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let reader = app.token(&[Scope::AlertsRead]).await;
        let (status, body) = app
            .api(
                Method::POST,
                &format!("/api/v1/alerts/{id}/acknowledge"),
                Some(&reader),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

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
        let (status, body) = app
            .api(
                Method::POST,
                &format!("/api/v1/alerts/{id}/acknowledge"),
                Some(&writer),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["state"], "acknowledged");
        assert_eq!(body["acknowledged_by"], "token:ana-laptop");
        let (status, body) = app
            .api(
                Method::POST,
                &format!("/api/v1/alerts/{id}/acknowledge"),
                Some(&writer),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body["error"]["code"], "alert_state");
        chat.wait_for(2).await;

        // A re-send while acknowledged changes nothing; the sender's resolve still counts.
        post(&app, &group(&[("f-a", "api-1", "firing")])).await;
        post(&app, &group(&[("f-a", "api-1", "resolved")])).await;
        chat.wait_for(3).await;
        assert_eq!(
            titles(&chat),
            ["fired api-1", "acknowledged api-1", "resolved api-1"]
        );
        let (status, _) = app
            .api(
                Method::POST,
                &format!("/api/v1/alerts/{id}/resolve"),
                Some(&writer),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "already resolved");

        assert_eq!(alerts(&app, "state=open").await.len(), 0);
        assert_eq!(
            alerts(&app, "state=resolved&severity=critical").await.len(),
            1
        );
        assert_eq!(alerts(&app, "service=elsewhere").await.len(), 0);
        let (status, body) = app
            .api(
                Method::GET,
                "/api/v1/alerts?state=sleeping",
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (status, _) = app
            .api(Method::POST, "/api/v1/alerts/nope/resolve", Some(&writer))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn alertmanager_posts_need_the_token_and_a_version_4_payload() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        let body = group(&[("f-a", "api-1", "firing")]);
        let (status, answer) = app.post_hook("prometheus", &body, &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer["error"]["code"], "invalid_token");
        let (status, answer) = app
            .post_hook(
                "prometheus",
                r#"{"version":"4","alerts":[{"status":"pending"}]}"#,
                &[("authorization", &format!("Bearer {TOKEN}"))],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(answer["error"]["code"], "invalid_payload");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("alerts[0].status")
        );
        assert_eq!(app.event_count().await, 0, "nothing stored");
        app.stop().await;
    }
}

/// `TestApp::idle` follows an alert report through the jobs it makes: the report's `alert` job
/// applies it and adds the notice's delivery job in the same transaction, and idle returns only
/// once that delivery has been made, with no polling.
#[tokio::test]
async fn idle_waits_for_the_delivery_an_alert_report_makes() {
    for backend in backends() {
        let chat = Destination::start().await;
        chat.delay_answers(Duration::from_millis(200));
        let app = TestApp::spawn(backend, &config(&chat)).await;
        assert_eq!(
            post(&app, &group(&[("f-a", "api-1", "firing")])).await,
            StatusCode::ACCEPTED
        );
        app.idle().await;
        assert_eq!(titles(&chat), ["fired api-1"]);
        app.stop().await;
    }
}

/// The real Alertmanager (Debian's `prometheus-alertmanager`), sending to Firewatch.
pub struct Alertmanager {
    child: Child,
    pub url: String,
    _dir: tempfile::TempDir,
}

impl Alertmanager {
    /// Sends to Firewatch's `/hooks/prometheus` through its webhook receiver.
    pub async fn start(firewatch: &str) -> Alertmanager {
        Self::start_with(&format!(
            r#"
    webhook_configs:
      - url: {firewatch}/hooks/prometheus
        send_resolved: true
        http_config:
          authorization:
            credentials: {TOKEN}
"#
        ))
        .await
    }

    /// Starts with `receiver` as the `firewatch` receiver's settings (indented four spaces).
    pub async fn start_with(receiver: &str) -> Alertmanager {
        let binary = "/usr/bin/prometheus-alertmanager";
        assert!(
            std::path::Path::new(binary).exists(),
            "this test needs Debian's prometheus-alertmanager (scripts/test installs it)"
        );
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("alertmanager.yml");
        std::fs::write(
            &config,
            format!(
                r#"
route:
  receiver: firewatch
  group_by: ['alertname']
  group_wait: 100ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: firewatch
{receiver}"#
            ),
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            // No gossip: a single instance that talks to nothing but loopback.
            .arg("--cluster.listen-address=")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("alertmanager starts");
        let url = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !client
            .get(format!("{url}/-/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(
                Instant::now() < deadline,
                "alertmanager did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Alertmanager {
            child,
            url,
            _dir: dir,
        }
    }

    /// Pushes alerts the way Prometheus does (`POST /api/v2/alerts`).
    pub async fn push(&self, alerts: Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/api/v2/alerts", self.url))
            .json(&alerts)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{:?}",
            response.text().await
        );
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn prometheus_alert(instance: &str, ends_at: Option<jiff::Timestamp>) -> Value {
    let mut alert = json!({
        "labels": {"alertname": "HighLatency", "instance": instance, "severity": "critical", "service": "api"},
        "annotations": {"summary": format!("p99 above 500 ms on {instance}")},
        "generatorURL": "http://prometheus.example:9090/graph?g0.expr=latency",
    });
    if let Some(ends_at) = ends_at {
        alert["endsAt"] = json!(ends_at.to_string());
    }
    alert
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_alertmanager_groups_resolves_and_its_re_sends_are_deduplicated() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        let alertmanager = Alertmanager::start(&app.url).await;

        alertmanager
            .push(json!([
                prometheus_alert("api-1", None),
                prometheus_alert("api-2", None)
            ]))
            .await;
        chat.wait_for(2).await;
        let mut fired = titles(&chat);
        fired.sort();
        assert_eq!(fired, ["fired api-1", "fired api-2"]);

        // A third alert joins the group: Alertmanager sends all three; one notice is new.
        alertmanager
            .push(json!([prometheus_alert("api-3", None)]))
            .await;
        chat.wait_for(3).await;
        assert_eq!(titles(&chat)[2], "fired api-3");

        // Prometheus resolves api-1 by sending it with an end time that has passed.
        // Alertmanager is a separate process on the wall clock: "ended" means by its clock.
        #[allow(clippy::disallowed_methods)]
        let now = jiff::Timestamp::now();
        alertmanager
            .push(json!([prometheus_alert("api-1", Some(now))]))
            .await;
        chat.wait_for(4).await;
        assert_eq!(titles(&chat)[3], "resolved api-1");

        // Another group interval: nothing changed, nothing more is sent. Alertmanager is a
        // separate process on the wall clock, so its 1 s group interval is waited out in real
        // time; then the worker finishes whatever Alertmanager sent in it.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        app.idle().await;
        assert_eq!(chat.received().len(), 4, "{:?}", titles(&chat));

        let listed = alerts(&app, "").await;
        assert_eq!(listed.len(), 3);
        assert_eq!(alerts(&app, "state=firing&service=api").await.len(), 2);
        let api1 = listed
            .iter()
            .find(|a| a["labels"]["instance"] == "api-1")
            .unwrap();
        assert_eq!(api1["state"], "resolved");
        assert!(api1["group_key"].as_str().unwrap().contains("HighLatency"));
        // Alertmanager's own fingerprints identify the alerts.
        assert_eq!(api1["fingerprint"].as_str().unwrap().len(), 16);
        let (_, events) = app
            .api(
                Method::GET,
                "/api/v1/events?integration=prometheus&kind=alerts",
                Some(&app.admin_token),
            )
            .await;
        assert!(
            events["items"].as_array().unwrap().len() >= 3,
            "every group send is kept"
        );
        drop(alertmanager);
        app.stop().await;
    }
}

/// Grafana's and Datadog's documented payloads, posted to their hooks with a bearer token,
/// become alerts; a Datadog redelivery (the same `$ID`) is a no-op, and its recovery resolves.
#[tokio::test]
async fn grafana_and_datadog_posts_become_alerts() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(
            backend,
            &format!(
                r#"
[[integrations]]
name = "grafana"
kind = "grafana"
token = "gf"

[[integrations]]
name = "datadog"
kind = "datadog"
token = "dd"
default_severity = "error"

[[destinations]]
name = "team-chat"
kind = "webhook"
url = "{}"

[[routes]]
match = {{ kind = "alert" }}
to = ["team-chat"]
"#,
                chat.url
            ),
        )
        .await;
        let seed = |path: &str| {
            std::fs::read_to_string(format!("{}/fuzz/seeds/{path}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
        };
        let (status, answer) = app
            .post_hook("grafana", &seed("grafana_intake/unified.json"), &[])
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
        let (status, answer) = app
            .post_hook(
                "grafana",
                &seed("grafana_intake/unified.json"),
                &[("authorization", "Bearer gf")],
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        let triggered = seed("datadog_intake/triggered.json");
        for _ in 0..2 {
            let (status, answer) = app
                .post_hook("datadog", &triggered, &[("authorization", "Bearer dd")])
                .await;
            assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        }
        // Grafana's example holds two alerts, Datadog's one.
        let received = chat.wait_for(3).await;
        let sources: Vec<String> = received
            .iter()
            .map(|r| {
                r.json()["data"]["source"]
                    .as_str()
                    .unwrap_or("?")
                    .to_owned()
            })
            .collect();
        assert!(sources.contains(&"grafana".to_owned()), "{sources:?}");
        assert!(sources.contains(&"datadog".to_owned()), "{sources:?}");
        let datadog = alerts(&app, "state=firing").await;
        let datadog: Vec<&Value> = datadog
            .iter()
            .filter(|a| a["integration"] == "datadog")
            .collect();
        assert_eq!(datadog.len(), 1, "the redelivery is one alert");
        assert_eq!(datadog[0]["severity"], "critical", "P1 is critical");
        assert_eq!(datadog[0]["service"], "api");

        let (status, _) = app
            .post_hook(
                "datadog",
                &seed("datadog_intake/recovered.json"),
                &[("authorization", "Bearer dd")],
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        chat.wait_for(4).await;
        let resolved = alerts(&app, "state=resolved").await;
        assert_eq!(resolved.len(), 1, "{resolved:?}");
        assert_eq!(resolved[0]["integration"], "datadog");
        app.stop().await;
    }
}

/// Issue 29: a resolving report's wording ("disk 78% full", "recovered") replaced what the
/// alert said while it fired, so the list showed a resolved alert by its all-clear.
#[tokio::test]
async fn a_resolved_alert_keeps_the_summary_it_fired_with_and_the_page_lists_the_latest_fire_first()
{
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        let report = |fingerprint: &str, status: &str, summary: &str| {
            let mut body: Value =
                serde_json::from_str(&group(&[(fingerprint, "db-1", status)])).unwrap();
            body["alerts"][0]["annotations"]["summary"] = json!(summary);
            body.to_string()
        };
        assert_eq!(
            post(&app, &report("f-disk", "firing", "disk 91% full")).await,
            StatusCode::ACCEPTED
        );
        app.idle().await;
        app.advance(60);
        assert_eq!(
            post(&app, &report("f-other", "firing", "p99 above 500 ms")).await,
            StatusCode::ACCEPTED
        );
        app.idle().await;
        app.advance(60);
        assert_eq!(
            post(&app, &report("f-disk", "resolved", "disk 78% full")).await,
            StatusCode::ACCEPTED
        );
        app.idle().await;
        let listed = alerts(&app, "state=resolved").await;
        let disk = listed
            .iter()
            .find(|a| a["fingerprint"] == "f-disk")
            .unwrap();
        assert_eq!(disk["state"], "resolved");
        assert_eq!(disk["summary"], "disk 91% full");

        // Firing again: the newest fire leads the page, though its alert is the oldest.
        app.advance(60);
        assert_eq!(
            post(&app, &report("f-disk", "firing", "disk 95% full")).await,
            StatusCode::ACCEPTED
        );
        app.idle().await;
        let mut viewer =
            crate::web::signed_in(&app, "vic", firewatch::core::role::Role::Viewer).await;
        let page = viewer.get("/alerts").await;
        let first = page
            .body
            .find("disk 95% full")
            .expect("the re-fired alert is listed");
        let second = page
            .body
            .find("p99 above 500 ms")
            .expect("the other is listed");
        assert!(first < second, "the latest fire first");
        app.stop().await;
    }
}
