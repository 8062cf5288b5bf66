//! GitLab webhooks into the same normalized records as GitHub's, out to a Slack stand-in.

use axum::http::StatusCode;
use serde_json::Value;

use crate::github::assert_block_kit_limits;
use crate::support::{Destination, TestApp, backends};

const TOKEN: &str = "gitlab-secret-token";

fn config(chat: &Destination) -> String {
    format!(
        r#"
[[integrations]]
name = "gitlab"
kind = "gitlab"
token = "{TOKEN}"

[[destinations]]
name = "chat"
kind = "slack"
url = "{}"

[[routes]]
match = {{ source = "gitlab", repo = "acme/*" }}
to = ["chat"]
"#,
        chat.url
    )
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/gitlab/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|error| panic!("fixture {name}: {error}"))
}

/// Posts like GitLab does: the hook name, the secret token, and the event's UUIDs.
pub async fn deliver(
    app: &TestApp,
    hook: &str,
    body: &str,
    key: &str,
    token: &str,
) -> (StatusCode, Value) {
    app.post_hook(
        "gitlab",
        body,
        &[
            ("x-gitlab-event", hook),
            ("x-gitlab-token", token),
            ("x-gitlab-event-uuid", &format!("uuid-{key}")),
            (
                "x-gitlab-webhook-uuid",
                "4b2a5f6e-0000-4000-8000-000000000001",
            ),
            ("idempotency-key", key),
            ("user-agent", "GitLab/18.6.0"),
        ],
    )
    .await
}

/// (X-Gitlab-Event, fixture, normalized kind and action, acted on)
const DELIVERIES: &[(&str, &str, &str, &str, bool)] = &[
    (
        "Merge Request Hook",
        "merge_request.open",
        "pull_request",
        "opened",
        true,
    ),
    (
        "Merge Request Hook",
        "merge_request.update.title",
        "pull_request",
        "updated",
        false,
    ),
    (
        "Pipeline Hook",
        "pipeline.running",
        "build",
        "running",
        false,
    ),
    ("Job Hook", "build.failed", "build", "completed", true),
    (
        "Pipeline Hook",
        "pipeline.failed",
        "build",
        "completed",
        true,
    ),
    (
        "Merge Request Hook",
        "merge_request.update.push",
        "pull_request",
        "synchronize",
        true,
    ),
    (
        "Note Hook",
        "note.merge_request",
        "comment",
        "created",
        true,
    ),
    (
        "Merge Request Hook",
        "merge_request.approved",
        "review",
        "approved",
        true,
    ),
    (
        "Merge Request Hook",
        "merge_request.merge",
        "pull_request",
        "merged",
        true,
    ),
    ("Push Hook", "push", "push", "pushed", true),
    (
        "Pipeline Hook",
        "pipeline.success",
        "build",
        "completed",
        true,
    ),
    ("Tag Push Hook", "tag_push", "tag", "created", true),
    (
        "Deployment Hook",
        "deployment.success",
        "deployment",
        "success",
        true,
    ),
    (
        "Release Hook",
        "release.create",
        "release",
        "published",
        true,
    ),
    ("Issue Hook", "issue.open", "issue", "", false),
];

#[tokio::test]
async fn gitlab_events_normalize_like_github_and_reach_chat() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        for (n, (hook, name, kind, action, acted)) in DELIVERIES.iter().enumerate() {
            let (status, answer) =
                deliver(&app, hook, &fixture(name), &format!("key-{n}"), TOKEN).await;
            assert_eq!(status, StatusCode::ACCEPTED, "{name}: {answer}");
            let event = app
                .get(&format!(
                    "/api/v1/events/{}",
                    answer["id"].as_str().unwrap()
                ))
                .await;
            assert_eq!(
                event["status"],
                if *acted { "accepted" } else { "ignored" },
                "{name}: {event}"
            );
            assert_eq!(event["kind"], *kind, "{name}");
            if !action.is_empty() {
                assert_eq!(event["normalized"]["action"], *action, "{name}");
                assert_eq!(event["normalized"]["repository"], "acme/api", "{name}");
            }
        }
        let acted = DELIVERIES.iter().filter(|d| d.4).count();
        let messages = chat.wait_for(acted).await;
        let rendered: Vec<String> = messages
            .iter()
            .map(|m| serde_json::to_string_pretty(&m.json()).unwrap())
            .collect();
        expect_test::expect_file!["../snapshots/gitlab_to_slack.txt"]
            .assert_eq(&rendered.join("\n---\n"));
        for message in &messages {
            assert_block_kit_limits(&message.json());
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn gitlab_token_and_redelivery() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        let body = fixture("push");
        let (status, answer) = deliver(&app, "Push Hook", &body, "k1", "wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer["error"]["code"], "invalid_token");
        let (status, _) = app
            .post_hook("gitlab", &body, &[("x-gitlab-event", "Push Hook")])
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.event_count().await, 0);

        let (_, first) = deliver(&app, "Push Hook", &body, "k2", TOKEN).await;
        let (_, again) = deliver(&app, "Push Hook", &body, "k2", TOKEN).await;
        assert_eq!(again["id"], first["id"]);
        assert_eq!(again["duplicate"], true);
        let event = app
            .get(&format!("/api/v1/events/{}", first["id"].as_str().unwrap()))
            .await;
        assert_eq!(
            event["headers"]["x-gitlab-token"], "[redacted]",
            "the secret token is never stored"
        );
        assert_eq!(event["normalized"]["push"]["total_commits"], 23);
        chat.wait_for(1).await;
        app.wait_for_notifications("state=delivered", |items| items.len() == 1)
            .await;
        assert_eq!(chat.received().len(), 1);
        app.stop().await;
    }
}
