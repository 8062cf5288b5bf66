//! The open-pull-requests digest on a controlled clock: state kept from GitHub events, a cron
//! in America/New_York across the end of daylight time, nothing sent when nothing is open, and
//! a restart that sends an overdue digest once, late, rather than skipping it.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;

use crate::github::{deliver, fixture};
use crate::support::{Destination, TestApp, backends};

const SECRET: &str = "digest-test-secret";

fn config(chat: &Destination) -> String {
    format!(
        r#"
[[integrations]]
name = "github"
kind = "github"
secret = "{SECRET}"

[[destinations]]
name = "chat"
kind = "slack"
url = "{}"

[tickets]
url = "https://jira.example.com/browse/{{key}}"

[[digests]]
name = "prs"
kind = "open_pull_requests"
cron = "0 10 * * mon-fri"
timezone = "America/New_York"
repos = ["acme/*"]
to = ["chat"]
"#,
        chat.url
    )
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// A GitHub pull request payload from the fixtures with another number, title and head.
fn pull_request(fixture_name: &str, number: u64, title: &str, head_sha: &str) -> String {
    let mut payload: Value = serde_json::from_str(&fixture(fixture_name)).unwrap();
    payload["number"] = number.into();
    let pr = &mut payload["pull_request"];
    pr["number"] = number.into();
    pr["title"] = title.into();
    pr["html_url"] = format!("https://github.com/acme/api/pull/{number}").into();
    pr["head"]["sha"] = head_sha.into();
    payload.to_string()
}

async fn send(app: &TestApp, event: &str, body: &str, delivery: &str) {
    let (status, answer) = deliver(app, event, body, delivery, SECRET).await;
    assert_eq!(status, 202, "{answer}");
}

async fn wait_for_next_due(app: &TestApp, expected: Timestamp) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let due = app.store.next_job_due().await.unwrap();
        if due == Some(expected) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "next job due {due:?}, expected {expected}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn open_pull_request_digest_across_a_dst_change_and_a_restart() {
    for backend in backends() {
        let chat = Destination::start().await;
        // Friday 30 October 2026, 09:00 in New York (EDT, UTC-4).
        let app = TestApp::spawn_at(backend, &config(&chat), at("2026-10-30T13:00:00Z")).await;
        wait_for_next_due(&app, at("2026-10-30T14:00:00Z")).await;

        // #42: CI failed on its head, approved. #43: no CI yet, review requested. #44: merged.
        send(&app, "pull_request", &fixture("pull_request.opened"), "d1").await;
        send(
            &app,
            "workflow_run",
            &fixture("workflow_run.completed.failure"),
            "d2",
        )
        .await;
        send(
            &app,
            "pull_request_review",
            &fixture("pull_request_review.approved"),
            "d3",
        )
        .await;
        let sha43 = "4343434343434343434343434343434343434343";
        send(
            &app,
            "pull_request",
            &pull_request(
                "pull_request.review_requested",
                43,
                "ABC-7 Rate-limit the login endpoint",
                sha43,
            ),
            "d4",
        )
        .await;
        send(
            &app,
            "pull_request",
            &pull_request("pull_request.opened", 44, "Tidy imports", "44"),
            "d5",
        )
        .await;
        send(
            &app,
            "pull_request",
            &pull_request("pull_request.closed.merged", 44, "Tidy imports", "44"),
            "d6",
        )
        .await;

        // 10:00 EDT: the digest goes out.
        app.clock.set(at("2026-10-30T14:00:00Z"));
        let messages = chat.wait_for(1).await;
        let body = serde_json::to_string_pretty(&messages[0].json()).unwrap();
        expect_test::expect_file!["../snapshots/digest_open_pull_requests.txt"].assert_eq(&body);
        crate::github::assert_block_kit_limits(&messages[0].json());

        // Saturday and Sunday are skipped; daylight time ends on Sunday 1 November, so
        // Monday's 10:00 is 15:00 UTC, an hour later in UTC than Friday's.
        wait_for_next_due(&app, at("2026-11-02T15:00:00Z")).await;

        // Everything merged by Monday: the digest is empty and not sent.
        send(
            &app,
            "pull_request",
            &fixture("pull_request.closed.merged"),
            "d7",
        )
        .await;
        send(
            &app,
            "pull_request",
            &pull_request(
                "pull_request.closed.merged",
                43,
                "ABC-7 Rate-limit the login endpoint",
                sha43,
            ),
            "d8",
        )
        .await;
        app.clock.set(at("2026-11-02T15:00:00Z"));
        wait_for_next_due(&app, at("2026-11-03T15:00:00Z")).await;
        assert_eq!(chat.received().len(), 1, "an empty digest is not sent");

        // #43 is reopened, then Firewatch is down through Tuesday's 10:00 and comes back at 10:30:
        // the overdue digest goes out once, late.
        send(
            &app,
            "pull_request",
            &pull_request(
                "pull_request.opened",
                43,
                "ABC-7 Rate-limit the login endpoint",
                sha43,
            )
            .replace("\"opened\"", "\"reopened\""),
            "d9",
        )
        .await;
        let app = app.restart_at(at("2026-11-03T15:30:00Z")).await;
        let messages = chat.wait_for(2).await;
        assert!(
            messages[1].json()["text"]
                .as_str()
                .unwrap()
                .contains("1 open pull request in 1 repository")
        );
        wait_for_next_due(&app, at("2026-11-04T15:00:00Z")).await;
        let digests = app.get("/api/v1/events?source=firewatch").await;
        assert_eq!(
            digests["items"].as_array().unwrap().len(),
            2,
            "one digest event per occurrence"
        );
        app.wait_for_notifications("state=delivered", |items| items.len() == 2)
            .await;
        assert_eq!(chat.received().len(), 2);
        app.stop().await;
    }
}

fn weekly_config(chat: &Destination) -> String {
    format!(
        r#"
[server]
public_url = "https://firewatch.example"

[[integrations]]
name = "github"
kind = "github"
secret = "{SECRET}"

[[integrations]]
name = "prometheus"
kind = "alertmanager"
token = "{token}"

[[destinations]]
name = "chat"
kind = "slack"
url = "{url}"

[[people]]
id = "andrew"
name = "Andrew"
timezone = "America/New_York"

[[teams]]
id = "cloud"
page_budget_per_week = 1

[[services]]
id = "api"
team = "cloud"
repos = ["acme/api"]

[[digests]]
name = "weekly"
kind = "weekly_report"
cron = "0 9 * * mon"
timezone = "America/New_York"
to = ["chat"]
"#,
        token = crate::alerts::TOKEN,
        url = chat.url
    )
}

/// The weekly report on a controlled clock in New York, for the week that ends daylight time:
/// the seven calendar days before Monday 09:00 EST begin at 09:00 EDT, 169 hours earlier, so an
/// incident that began at 09:15 EDT on the first Monday is in it. Merged pull requests,
/// deployments (one rolled back), the five keys against the week before, pages against the
/// budget, an overdue action item and the noisiest rule, as Slack receives them.
#[tokio::test]
async fn the_weekly_report_covers_seven_calendar_days_across_the_end_of_daylight_time() {
    use firewatch::core::scope::Scope;
    use reqwest::Method;
    for backend in backends() {
        let chat = Destination::start().await;
        // Monday 26 October 2026, 09:30 in New York (EDT, UTC-4): just after that week's report.
        let app =
            TestApp::spawn_at(backend, &weekly_config(&chat), at("2026-10-26T13:30:00Z")).await;
        wait_for_next_due(&app, at("2026-11-02T14:00:00Z")).await;
        let token = app
            .token(&[Scope::DeploymentsWrite, Scope::MetricsRead])
            .await;
        const CHANGE: &str = "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1";
        let deploy = |version: &str, sha: &str, kind: &str, finished: &str| {
            serde_json::json!({"service": "api", "environment": "production", "version": version,
                "commit": sha, "status": "success", "kind": kind, "finished_at": finished})
        };
        // A change lands on main on Monday evening.
        let main = crate::metrics::push(
            "refs/heads/main",
            crate::metrics::BEFORE,
            false,
            vec![crate::metrics::commit(
                CHANGE,
                "Retry checkout on 409",
                "2026-10-26T20:00:00Z",
            )],
        );
        send(&app, "push", &main, "w0").await;
        send(
            &app,
            "pull_request",
            &fixture("pull_request.closed.merged"),
            "w1",
        )
        .await;

        // An incident that began at 09:15 EDT on the first Monday, with an action item due on
        // Friday that nobody finishes.
        let admin = app.admin_token.clone();
        let (status, incident) = app
            .api_json(
                Method::POST,
                "/api/v1/incidents",
                &admin,
                &serde_json::json!({"title": "Checkout errors after v1.4.0", "severity": "SEV2", "services": ["api"]}),
            )
            .await;
        assert_eq!(status, 201, "{incident}");
        let id = incident["id"].as_str().unwrap().to_owned();
        let (status, _) = app
            .api_json(
                Method::PATCH,
                &format!("/api/v1/incidents/{id}"),
                &admin,
                &serde_json::json!({"times": {"impact_started": "2026-10-26T13:15:00Z"}}),
            )
            .await;
        assert_eq!(status, 200);
        let (status, item) = app
            .api_json(
                Method::POST,
                &format!("/api/v1/incidents/{id}/action_items"),
                &admin,
                &serde_json::json!({"title": "Alert on checkout 5xx", "owner": "andrew", "due": "2026-10-30", "kind": "prevent"}),
            )
            .await;
        assert_eq!(status, 201, "{item}");

        // The week before: one deployment. This week: one, rolled back an hour later.
        app.clock.set(at("2026-10-27T17:00:00Z"));
        let before = crate::metrics::BEFORE;
        for (version, sha, kind, finished) in [
            ("v1.3.0", before, "planned", "2026-10-21T15:00:00Z"),
            ("v1.4.0", CHANGE, "planned", "2026-10-27T15:00:00Z"),
            ("v1.3.0", before, "rollback", "2026-10-27T16:00:00Z"),
        ] {
            crate::metrics::record(&app, &token, deploy(version, sha, kind, finished)).await;
        }

        // A critical alert on api fires twice: two pages for cloud, over its budget of one.
        for (status, at_time) in [
            ("firing", "2026-10-28T10:00:00Z"),
            ("resolved", "2026-10-28T10:05:00Z"),
            ("firing", "2026-10-29T10:00:00Z"),
        ] {
            app.clock.set(at(at_time));
            let body = serde_json::json!({
                "version": "4", "groupKey": "{}:{alertname=\"CheckoutErrors\"}", "truncatedAlerts": 0,
                "status": status, "receiver": "firewatch",
                "groupLabels": {"alertname": "CheckoutErrors"}, "commonLabels": {}, "commonAnnotations": {},
                "externalURL": "http://alertmanager:9093",
                "alerts": [{
                    "status": status,
                    "labels": {"alertname": "CheckoutErrors", "service": "api", "severity": "critical"},
                    "annotations": {"summary": "checkout 5xx above 2%"},
                    "startsAt": at_time,
                    "endsAt": if status == "resolved" { at_time } else { "0001-01-01T00:00:00Z" },
                    "generatorURL": "http://prometheus:9090/graph", "fingerprint": "c0ffee"
                }]
            });
            assert_eq!(crate::alerts::post(&app, &body.to_string()).await, 202);
            app.idle().await;
        }

        // Monday 2 November, 09:00 EST: the report goes out.
        app.clock.set(at("2026-11-02T14:00:00Z"));
        let messages = chat.wait_for(1).await;
        let body = serde_json::to_string_pretty(&messages[0].json()).unwrap();
        expect_test::expect_file!["../snapshots/weekly_report.txt"].assert_eq(&body);
        crate::github::assert_block_kit_limits(&messages[0].json());
        app.stop().await;
    }
}
