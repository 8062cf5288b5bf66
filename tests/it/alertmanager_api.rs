//! Alertmanager's API v2 under `/am/{integration}`, driven by the real Prometheus (Debian's
//! `prometheus`) and the real `amtool` (Debian's `prometheus-alertmanager`): alerts arrive,
//! stay firing across re-sends, resolve by their `endsAt` with no resolve sent, and silences
//! made with `amtool` are Firewatch's own.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use firewatch::clock::Clock as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::alerts::{TOKEN, config, titles};
use crate::support::{Destination, TestApp, backends};

/// The real Prometheus, with an always-firing rule and one that fires while the file
/// `toggle.json` lists a scrape target, sending to Firewatch's `/am/prometheus`.
struct Prometheus {
    child: Child,
    dir: tempfile::TempDir,
}

impl Prometheus {
    fn start(firewatch: &str) -> Prometheus {
        let binary = "/usr/bin/prometheus";
        assert!(
            Path::new(binary).exists(),
            "this test needs Debian's prometheus (scripts/test installs it)"
        );
        let dir = tempfile::tempdir().unwrap();
        let host = firewatch.trim_start_matches("http://");
        std::fs::write(
            dir.path().join("rules.yml"),
            r#"
groups:
  - name: firewatch-test
    interval: 1s
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        labels: {severity: warning}
        annotations: {summary: "always firing"}
      - alert: Toggled
        expr: up{job="toggle"} >= 0
        labels: {severity: critical}
        annotations: {summary: "toggled on by a file"}
"#,
        )
        .unwrap();
        write_toggle(dir.path(), Some(host));
        std::fs::write(
            dir.path().join("prometheus.yml"),
            format!(
                r#"
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: [rules.yml]
scrape_configs:
  - job_name: toggle
    metrics_path: /metrics
    file_sd_configs: [{{files: [toggle.json], refresh_interval: 1s}}]
alerting:
  alertmanagers:
    - path_prefix: /am/prometheus
      authorization: {{credentials: {TOKEN}}}
      static_configs: [{{targets: ["{host}"]}}]
"#
            ),
        )
        .unwrap();
        let child = Command::new(binary)
            .current_dir(dir.path())
            .arg("--config.file=prometheus.yml")
            .arg("--storage.tsdb.path=data")
            .arg(format!("--web.listen-address=127.0.0.1:{}", free_port()))
            // Firing alerts re-sent every second (endsAt four seconds ahead), not every minute.
            .arg("--rules.alert.resend-delay=1s")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts");
        Prometheus { child, dir }
    }

    /// The file no longer lists the target: the toggled rule stops firing.
    fn toggle_off(&self) {
        write_toggle(self.dir.path(), None);
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Lists `target` for the `toggle` job, or nothing; replaced whole, as file discovery wants.
fn write_toggle(dir: &Path, target: Option<&str>) {
    let targets = match target {
        Some(target) => json!([{"targets": [target]}]),
        None => json!([]),
    };
    let temporary = dir.join("toggle.json.new");
    std::fs::write(&temporary, targets.to_string()).unwrap();
    std::fs::rename(temporary, dir.join("toggle.json")).unwrap();
}

/// The real time, which the real Prometheus and amtool stamp what they send with.
fn real_now() -> jiff::Timestamp {
    firewatch::clock::SystemClock.now()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET /am/prometheus/api/v2/alerts` with the integration's token.
async fn am_alerts(app: &TestApp, query: &str) -> Vec<Value> {
    let response = app
        .http
        .get(format!("{}/am/prometheus/api/v2/alerts{query}", app.url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .cloned()
        .unwrap()
}

fn names(alerts: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = alerts
        .iter()
        .map(|a| a["labels"]["alertname"].as_str().unwrap_or("?").to_owned())
        .collect();
    names.sort();
    names
}

/// Waits until `check` holds, keeping the test's clock at the real time meanwhile: Prometheus
/// stamps what it sends with the real time, and an `endsAt` is read against the clock.
async fn wait_until<F: std::future::Future<Output = bool>>(
    app: &TestApp,
    what: &str,
    mut check: impl FnMut() -> F,
) {
    let deadline = Instant::now() + Duration::from_secs(40);
    while {
        app.clock.set(real_now());
        !check().await
    } {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn stored(app: &TestApp, rule: &str) -> Value {
    let items = app.get("/api/v1/alerts?limit=50").await["items"]
        .as_array()
        .cloned()
        .unwrap();
    items
        .into_iter()
        .find(|alert| alert["rule"] == rule)
        .unwrap_or_else(|| panic!("no alert {rule}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_prometheus_fires_re_sends_and_its_alerts_resolve_by_ends_at() {
    for backend in backends() {
        let chat = Destination::start().await;
        // Prometheus stamps alerts with the real time: the clock follows it while Prometheus
        // runs (`wait_until`), and is moved by hand once it has stopped.
        let app = TestApp::spawn_at(backend, &config(&chat), real_now()).await;
        let mut prometheus = Prometheus::start(&app.url);

        wait_until(&app, "both rules fire at Firewatch", || async {
            names(&am_alerts(&app, "").await) == ["AlwaysFiring", "Toggled"]
        })
        .await;
        let first = stored(&app, "AlwaysFiring").await;
        assert_eq!(first["state"], "firing");
        assert_eq!(first["service"], "platform");
        // Prometheus re-sends every second (each push is an event): the alert fires once.
        let pushes = app.event_count().await;
        wait_until(&app, "re-sends arrive", || async {
            app.event_count().await >= pushes + 3
        })
        .await;
        app.idle().await;
        assert_eq!(stored(&app, "AlwaysFiring").await["fire_count"], 1);

        // The file no longer lists the target: the rule stops, Prometheus says it resolved.
        prometheus.toggle_off();
        wait_until(&app, "Toggled resolves", || async {
            stored(&app, "Toggled").await["state"] == "resolved"
        })
        .await;
        assert_eq!(names(&am_alerts(&app, "").await), ["AlwaysFiring"]);

        // Prometheus stops for good: no resolve is ever sent. Once the clock passes the last
        // endsAt (four seconds after the last re-send), the alert resolves by itself.
        prometheus.kill();
        app.idle().await;
        let ends_at: jiff::Timestamp = am_alerts(&app, "").await[0]["endsAt"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        // Just before its end nothing changes; just after, it resolves.
        app.clock
            .set(ends_at - jiff::SignedDuration::from_millis(500));
        app.idle().await;
        assert_eq!(stored(&app, "AlwaysFiring").await["state"], "firing");
        app.clock.set(ends_at + jiff::SignedDuration::from_secs(2));
        app.idle().await;
        let expired = stored(&app, "AlwaysFiring").await;
        assert_eq!(expired["state"], "resolved");
        assert_eq!(expired["fire_count"], 1);
        let changes = app
            .get(&format!(
                "/api/v1/alerts/{}",
                expired["id"].as_str().unwrap()
            ))
            .await;
        let causes: Vec<String> = changes["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    c["change"].as_str().unwrap(),
                    c["cause"].as_str().unwrap()
                )
            })
            .collect();
        assert!(
            causes
                .iter()
                .any(|c| c.starts_with("resolved") && c.contains("endsAt passed")),
            "{causes:?}"
        );
        assert!(am_alerts(&app, "").await.is_empty());

        // Each change told once: two fired, two resolved, whatever the re-sends.
        chat.wait_for(4).await;
        app.idle().await;
        let mut told: Vec<String> = chat
            .received()
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
            .collect();
        told.sort();
        assert_eq!(
            told,
            [
                "fired AlwaysFiring",
                "fired Toggled",
                "resolved AlwaysFiring",
                "resolved Toggled"
            ],
            "{:?}",
            titles(&chat)
        );
        app.stop().await;
    }
}

/// `amtool` against `/am/prometheus`, with the token in its HTTP config file: whether it
/// succeeded, and what it printed (with its errors when it failed).
fn amtool(app: &TestApp, config: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new("/usr/bin/amtool")
        .arg(format!("--alertmanager.url={}/am/prometheus", app.url))
        .arg(format!("--http.config.file={}", config.display()))
        .args(args)
        .output()
        .expect("amtool runs (Debian's prometheus-alertmanager; scripts/test installs it)");
    // amtool warns on stderr that its version is not the server's; what it prints is stdout.
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        (true, stdout)
    } else {
        (false, stdout + &String::from_utf8_lossy(&output.stderr))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amtool_queries_alerts_and_adds_queries_and_expires_silences() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn_at(backend, &config(&chat), real_now()).await;
        let dir = tempfile::tempdir().unwrap();
        let http_config = dir.path().join("http.yml");
        std::fs::write(
            &http_config,
            format!("authorization:\n  credentials: {TOKEN}\n"),
        )
        .unwrap();
        let ends = app.clock.now() + jiff::SignedDuration::from_mins(10);
        let push = |alerts: Value| {
            app.http
                .post(format!("{}/am/prometheus/api/v2/alerts", app.url))
                .basic_auth("prometheus", Some(TOKEN))
                .json(&alerts)
                .send()
        };
        let response = push(json!([
            {"labels": {"alertname": "DiskFull", "instance": "db-1", "severity": "critical"},
             "annotations": {"summary": "disk 97% full"}, "endsAt": ends.to_string()},
            {"labels": {"alertname": "HighLatency", "instance": "api-1", "severity": "warning"},
             "annotations": {"summary": "p99 above 2 s"}, "endsAt": ends.to_string()},
        ]))
        .await
        .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.text().await.unwrap(), "");
        app.idle().await;

        let (ok, out) = amtool(&app, &http_config, &["alert", "query", "-o", "json"]);
        assert!(ok, "{out}");
        let json_start = out.find('[').expect("a JSON list");
        let listed: Value = serde_json::Deserializer::from_str(&out[json_start..])
            .into_iter::<Value>()
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(
            names(listed.as_array().unwrap()),
            ["DiskFull", "HighLatency"]
        );
        let (ok, out) = amtool(&app, &http_config, &["alert", "query", "instance=~db-.*"]);
        assert!(
            ok && out.contains("DiskFull") && !out.contains("HighLatency"),
            "{out}"
        );

        let (ok, out) = amtool(
            &app,
            &http_config,
            &[
                "silence",
                "add",
                "alertname=DiskFull",
                "--comment=resizing the volume",
                "--duration=1h",
            ],
        );
        assert!(ok, "{out}");
        let id = out.lines().next().unwrap().trim().to_owned();
        // amtool starts the silence at its own (real) time; the test's clock catches up.
        app.clock.set(real_now());
        // amtool's silence is Firewatch's: the API (and so the Silences page) shows it.
        let silence = app.get(&format!("/api/v1/silences/{id}")).await;
        assert_eq!(silence["comment"], "resizing the volume");
        assert_eq!(silence["matchers_text"], "{alertname=\"DiskFull\"}");
        app.idle().await;
        let (ok, out) = amtool(&app, &http_config, &["silence", "query", "-q"]);
        assert!(ok && out.trim() == id, "{out}");
        let (ok, out) = amtool(&app, &http_config, &["alert", "query", "--silenced"]);
        assert!(
            ok && out.contains("DiskFull") && out.contains("suppressed"),
            "{out}"
        );
        let (ok, out) = amtool(&app, &http_config, &["alert", "query"]);
        assert!(ok && !out.contains("DiskFull"), "{out}");

        let (ok, out) = amtool(&app, &http_config, &["silence", "expire", &id]);
        assert!(ok, "{out}");
        // amtool tells expired silences by their end against its own clock.
        app.clock.set(real_now());
        assert_eq!(
            app.get(&format!("/api/v1/silences/{id}")).await["status"],
            "expired"
        );
        let (ok, out) = amtool(&app, &http_config, &["silence", "query", "-q"]);
        assert!(ok && out.trim().is_empty(), "{out}");
        let (ok, out) = amtool(&app, &http_config, &["silence", "query", "--expired", "-q"]);
        assert!(ok && out.trim() == id, "{out}");
        app.idle().await;
        assert_eq!(stored(&app, "DiskFull").await["state"], "firing");

        // A silence made on Firewatch's side shows to amtool.
        let (status, made) = app
            .api_json(
                reqwest::Method::POST,
                "/api/v1/silences",
                &app.admin_token,
                &json!({"matchers": "instance=\"api-1\"", "duration": "2h", "comment": "load test"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let (ok, out) = amtool(&app, &http_config, &["silence", "query", "instance=api-1"]);
        assert!(
            ok && out.contains(made["id"].as_str().unwrap()) && out.contains("load test"),
            "{out}"
        );

        let (ok, out) = amtool(&app, &http_config, &["config", "routes"]);
        assert!(ok && out.contains("prometheus"), "{out}");

        // Wrong credentials and an unknown integration are refused in Alertmanager's way.
        std::fs::write(&http_config, "authorization:\n  credentials: wrong\n").unwrap();
        let (ok, out) = amtool(&app, &http_config, &["alert", "query"]);
        assert!(!ok && out.contains("401"), "{out}");
        let response = app
            .http
            .get(format!("{}/am/nope/api/v2/alerts", app.url))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()["firewatch-error"], "unknown_integration");
        assert!(response.json::<Value>().await.unwrap().is_string());
        app.stop().await;
    }
}

#[tokio::test]
async fn a_bad_push_names_each_bad_alert_and_stores_nothing() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        let response = app
            .http
            .post(format!("{}/am/prometheus/api/v2/alerts", app.url))
            .bearer_auth(TOKEN)
            .json(&json!([{"labels": {"alertname": "Fine"}}, {"labels": {}}]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()["firewatch-error"], "invalid_payload");
        let message = response.json::<Value>().await.unwrap();
        assert_eq!(message, "alerts[1]: at least one label pair required");
        assert_eq!(app.event_count().await, 0);
        // The health endpoints Prometheus and load balancers ask.
        for path in ["-/healthy", "-/ready"] {
            let response = app
                .http
                .get(format!("{}/am/prometheus/{path}", app.url))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
        }
        let status: Value = app
            .http
            .get(format!("{}/am/prometheus/api/v2/status", app.url))
            .bearer_auth(&app.admin_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(status["cluster"]["status"], "disabled");
        assert!(status["versionInfo"]["version"].is_string());
        app.stop().await;
    }
}

#[tokio::test]
async fn an_alert_not_re_sent_resolves_at_its_ends_at_across_a_restart() {
    for backend in backends() {
        let chat = Destination::start().await;
        let start = crate::support::start_time();
        let app = TestApp::spawn_at(backend, &config(&chat), start).await;
        let push = |app: &TestApp, ends: jiff::Timestamp| {
            let request = app
                .http
                .post(format!("{}/am/prometheus/api/v2/alerts", app.url))
                .bearer_auth(TOKEN)
                .json(
                    &json!([{"labels": {"alertname": "QueueStuck", "queue": "billing"},
                               "startsAt": start.to_string(), "endsAt": ends.to_string()}]),
                );
            async move { request.send().await.unwrap().status() }
        };
        let minutes = |n: i64| start + jiff::SignedDuration::from_mins(n);
        assert_eq!(push(&app, minutes(5)).await, StatusCode::OK);
        app.idle().await;
        // Re-sent at minute 4 with a later end: it keeps firing past minute 5.
        app.clock.set(minutes(4));
        assert_eq!(push(&app, minutes(9)).await, StatusCode::OK);
        app.idle().await;
        app.clock.set(minutes(6));
        app.idle().await;
        assert_eq!(stored(&app, "QueueStuck").await["state"], "firing");

        // Firewatch is down over the end; the timer is in the database and fires on restart.
        let app = app.restart_at(minutes(12)).await;
        app.idle().await;
        let alert = stored(&app, "QueueStuck").await;
        assert_eq!(alert["state"], "resolved");
        assert_eq!(alert["fire_count"], 1);
        // A push that comes too late for its own end is a resolve, and changes nothing more.
        assert_eq!(push(&app, minutes(11)).await, StatusCode::OK);
        app.idle().await;
        assert_eq!(stored(&app, "QueueStuck").await["fire_count"], 1);
        app.stop().await;
    }
}
