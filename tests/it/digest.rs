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
