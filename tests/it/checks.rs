//! Built-in checks on a controlled clock: an HTTP check against a stand-in server runs on its
//! interval, alerts after three failures in a row, resolves after two successes, and keeps
//! its results as rollups; a failing check is notified like any other alert.

use std::time::Duration;

use serde_json::Value;

use firewatch::core::role::Role;
use reqwest::StatusCode;

use crate::support::{Destination, TestApp, backends};
use crate::web::{signed_in, unescape};

fn config(target: &Destination, chat: &Destination) -> String {
    format!(
        r#"
[[destinations]]
name = "team-chat"
kind = "webhook"
url = "{}"

[[routes]]
match = {{ kind = "alert" }}
to = ["team-chat"]

[[checks]]
name = "api-health"
kind = "http"
method = "POST"
url = "{}"
interval = "60s"
timeout = "5s"
severity = "critical"
service = "api"
"#,
        chat.url, target.url
    )
}

async fn check(app: &TestApp) -> Value {
    app.get("/api/v1/checks").await["items"][0].clone()
}

/// Moves the clock a run ahead and waits until the worker recorded that run.
async fn next_run(app: &TestApp) -> Value {
    let before = check(app).await["last_run_at"].clone();
    app.advance(63);
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let now = check(app).await;
        if now["last_run_at"] != before {
            return now;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the check did not run: {now}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_failing_check_alerts_after_three_failures_and_resolves_after_two_passes() {
    for backend in backends() {
        let target = Destination::start().await;
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&target, &chat)).await;
        assert_eq!(check(&app).await["status"], "pending");

        let first = next_run(&app).await;
        assert_eq!(first["status"], "passing", "{first}");
        for _ in 0..3 {
            target.respond_with(503, &[]);
        }
        for failures in 1..=3 {
            let state = next_run(&app).await;
            assert_eq!(state["last_outcome"]["ok"], false);
            assert_eq!(
                state["last_outcome"]["detail"], "status 503, expected 2xx",
                "{state}"
            );
            assert_eq!(
                state["status"],
                if failures < 3 { "passing" } else { "failing" }
            );
        }
        chat.wait_for(1).await;
        let alert = &app.get("/api/v1/alerts").await["items"][0];
        assert_eq!(alert["integration"], "checks");
        assert_eq!(alert["rule"], "api-health");
        assert_eq!(alert["severity"], "critical");
        assert_eq!(alert["service"], "api");
        assert_eq!(alert["state"], "firing");
        let notice = chat.received()[0].json();
        assert_eq!(notice["data"]["payload"]["change"], "fired");
        assert_eq!(notice["data"]["source"], "check");

        // One pass is not enough; the second resolves.
        assert_eq!(next_run(&app).await["status"], "failing");
        assert_eq!(next_run(&app).await["status"], "passing");
        chat.wait_for(2).await;
        assert_eq!(
            chat.received()[1].json()["data"]["payload"]["change"],
            "resolved"
        );
        assert_eq!(target.received().len(), 6, "one request per run, no more");

        let history = app
            .get("/api/v1/checks/api-health/history?resolution=hour&days=1")
            .await;
        let runs: u64 = history["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["runs"].as_u64().unwrap())
            .sum();
        let failures: u64 = history["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["failures"].as_u64().unwrap())
            .sum();
        assert_eq!((runs, failures), (6, 3), "{history}");
        assert_eq!(check(&app).await["availability_24h"], 0.5);

        // The Checks page shows the same to anyone signed in, and today's bar of the strip.
        let mut viewer = signed_in(&app, "vic", Role::Viewer).await;
        let page = viewer.get("/checks").await;
        assert_eq!(page.status, StatusCode::OK);
        let body = unescape(&page.body);
        let row = body
            .split("<tr id=\"check-api-health\">")
            .nth(1)
            .and_then(|rest| rest.split("</tr>").next())
            .expect("a row for the check");
        assert!(row.contains("badge-ok\">passing"), "{row}");
        assert!(row.contains(target.url.trim_end_matches('/')), "{row}");
        assert!(row.contains("50% up"), "{row}");
        assert!(
            row.contains("<title>2026-11-02: 50% up, 3 of 6 runs failed</title>"),
            "{row}"
        );
        assert!(!body.contains("data-testid=\"checks-failing\""));
        app.stop().await;
    }
}
