//! GitHub webhooks through the signed endpoint, out to a Slack stand-in: normalization,
//! ignored events, signatures, redelivery, both content types, and route filters.

use axum::http::StatusCode;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::support::{Destination, TestApp, backends};

const SECRET: &str = "It's a Secret to Everybody";
const OLD_SECRET: &str = "rotated-out-next-week";

fn config(chat: &Destination, failures: &Destination) -> String {
    format!(
        r#"
[[integrations]]
name = "github"
kind = "github"
secret = ["{SECRET}", "{OLD_SECRET}"]

[tickets]
url = "https://jira.example.com/browse/{{key}}"
projects = ["CCC"]

[[destinations]]
name = "chat"
kind = "slack"
url = "{chat}"

[[destinations]]
name = "ci-failures"
kind = "slack"
url = "{failures}"
username = "Firewatch"

[[routes]]
match = {{ source = "github", kind = "build", outcome = ["failure"] }}
to = ["ci-failures"]
continue = true

[[routes]]
match = {{ source = "github", repo = "acme/*" }}
to = ["chat"]
"#,
        chat = chat.url,
        failures = failures.url
    )
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/github/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|error| panic!("fixture {name}: {error}"))
}

pub fn github_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Posts like GitHub does: event and delivery headers, signed body.
pub async fn deliver(
    app: &TestApp,
    event: &str,
    body: &str,
    delivery: &str,
    secret: &str,
) -> (StatusCode, Value) {
    let signature = github_signature(secret, body.as_bytes());
    app.post_hook(
        "github",
        body,
        &[
            ("x-github-event", event),
            ("x-github-delivery", delivery),
            ("x-hub-signature-256", &signature),
            ("user-agent", "GitHub-Hookshot/abc123"),
        ],
    )
    .await
}

/// (event header, fixture, acted on)
const DELIVERIES: &[(&str, &str, bool)] = &[
    ("ping", "ping", false),
    ("pull_request", "pull_request.opened", true),
    ("pull_request", "pull_request.labeled", false),
    ("pull_request", "pull_request.review_requested", true),
    ("check_run", "check_run.created", false),
    ("workflow_run", "workflow_run.completed.failure", true),
    ("pull_request_review", "pull_request_review.approved", true),
    ("issue_comment", "issue_comment.created", true),
    ("pull_request", "pull_request.closed.merged", true),
    ("push", "push.branch", true),
    ("push", "push.tag", true),
    ("deployment_status", "deployment_status.success", true),
    ("release", "release.published", true),
    ("star", "star.created", false),
];

#[tokio::test]
async fn github_events_become_readable_slack_messages() {
    for backend in backends() {
        let chat = Destination::start().await;
        let failures = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat, &failures)).await;
        for (n, (event, name, acted)) in DELIVERIES.iter().enumerate() {
            let (status, answer) = deliver(
                &app,
                event,
                &fixture(name),
                &format!("delivery-{n}"),
                SECRET,
            )
            .await;
            assert_eq!(status, StatusCode::ACCEPTED, "{name}: {answer}");
            let stored = app
                .get(&format!(
                    "/api/v1/events/{}",
                    answer["id"].as_str().unwrap()
                ))
                .await;
            assert_eq!(
                stored["status"],
                if *acted { "accepted" } else { "ignored" },
                "{name}: {stored}"
            );
            assert_eq!(stored["source"], "github");
        }
        let acted = DELIVERIES.iter().filter(|(_, _, acted)| *acted).count();
        let messages = chat.wait_for(acted).await;
        let rendered: Vec<String> = messages
            .iter()
            .map(|m| serde_json::to_string_pretty(&m.json()).unwrap())
            .collect();
        expect_test::expect_file!["../snapshots/github_to_slack.txt"]
            .assert_eq(&rendered.join("\n---\n"));
        for message in &messages {
            assert_block_kit_limits(&message.json());
        }
        // Only the failed build matched the failures route.
        let failed = failures.wait_for(1).await;
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].json()["username"], "Firewatch");
        assert!(
            failed[0].json()["text"]
                .as_str()
                .unwrap()
                .contains("CI failed")
        );

        // Ignored events say why, and keep their normalized record.
        let ignored = app.get("/api/v1/events?status=ignored").await;
        let reasons: Vec<&str> = ignored["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["ignored_reason"].as_str().unwrap())
            .collect();
        assert!(
            reasons.contains(&"GitHub event \"star\" is not one Firewatch acts on"),
            "{reasons:?}"
        );
        assert!(
            reasons.contains(&"check_run action \"created\" is not a final outcome"),
            "{reasons:?}"
        );
        assert!(
            reasons.contains(&"GitHub's ping: the webhook is set up"),
            "{reasons:?}"
        );
        app.stop().await;
    }
}

pub fn assert_block_kit_limits(message: &Value) {
    let blocks = message["blocks"].as_array().expect("blocks");
    assert!(blocks.len() <= 50, "{} blocks", blocks.len());
    for block in blocks {
        if let Some(text) = block["text"]["text"].as_str() {
            assert!(
                text.chars().count() <= 3000,
                "section of {} characters",
                text.chars().count()
            );
        }
        if let Some(elements) = block["elements"].as_array() {
            assert!(elements.len() <= 10);
        }
    }
}

#[tokio::test]
async fn signatures_redeliveries_and_content_types() {
    for backend in backends() {
        let chat = Destination::start().await;
        let failures = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat, &failures)).await;
        let body = fixture("pull_request.opened");

        // A wrong or missing signature is refused and stores nothing.
        let (status, answer) = deliver(&app, "pull_request", &body, "d-1", "not the secret").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer["error"]["code"], "invalid_signature");
        let (status, _) = app
            .post_hook("github", &body, &[("x-github-event", "pull_request")])
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.event_count().await, 0);

        // The secret being rotated out still verifies; a redelivery sends nothing twice.
        let (status, first) = deliver(&app, "pull_request", &body, "d-2", OLD_SECRET).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let (_, again) = deliver(&app, "pull_request", &body, "d-2", SECRET).await;
        assert_eq!(again["id"], first["id"]);
        assert_eq!(again["duplicate"], true);

        // GitHub's form encoding: the JSON is in the `payload` field, the signature over the form.
        let form = serde_urlencoded::to_string([("payload", fixture("push.branch"))]).unwrap();
        let signature = github_signature(SECRET, form.as_bytes());
        let response = app
            .http
            .post(format!("{}/hooks/github", app.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-github-event", "push")
            .header("x-github-delivery", "d-3")
            .header("x-hub-signature-256", signature)
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let answer: Value = response.json().await.unwrap();
        let event = app
            .get(&format!(
                "/api/v1/events/{}",
                answer["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(event["normalized"]["kind"], "push");
        assert_eq!(event["normalized"]["push"]["total_commits"], 3);

        // Without X-GitHub-Event the request is not a GitHub webhook.
        let (status, answer) = app
            .post_hook(
                "github",
                "{}",
                &[("x-hub-signature-256", &github_signature(SECRET, b"{}"))],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(answer["error"]["code"], "invalid_payload");

        chat.wait_for(2).await;
        app.wait_for_notifications("state=delivered", |items| items.len() == 2)
            .await;
        assert_eq!(chat.received().len(), 2, "the redelivery sent nothing");
        app.stop().await;
    }
}

/// Slack throttles, then fails, then takes the message: it arrives once, not before Slack's
/// Retry-After, and the message behind it waits its turn.
#[tokio::test]
async fn slack_faults_are_retried_in_order_and_delivered_once() {
    for backend in backends() {
        let chat = Destination::start().await;
        let failures = Destination::start().await;
        chat.respond_with(429, &[("retry-after", "30")]);
        chat.respond_with(500, &[]);
        let app = TestApp::spawn(backend, &config(&chat, &failures)).await;
        let first = app.clock_now();
        deliver(
            &app,
            "pull_request",
            &fixture("pull_request.opened"),
            "f1",
            SECRET,
        )
        .await;
        deliver(&app, "push", &fixture("push.branch"), "f2", SECRET).await;
        chat.wait_for(1).await;
        let retrying = app
            .wait_for_notifications("state=retrying", |items| items.len() == 1)
            .await;
        let next: jiff::Timestamp = retrying[0]["next_attempt_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            next.duration_since(first).as_secs() >= 30,
            "retried before Slack's Retry-After"
        );
        assert_eq!(
            chat.received().len(),
            1,
            "the push waits behind the throttled message"
        );
        app.clock.set(next);
        chat.wait_for(2).await;
        let retrying = app
            .wait_for_notifications("state=retrying", |items| {
                items.len() == 1 && items[0]["attempts"] == 2
            })
            .await;
        let next: jiff::Timestamp = retrying[0]["next_attempt_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        app.clock.set(next);
        let received = chat.wait_for(4).await;
        app.wait_for_notifications("state=delivered", |items| items.len() == 2)
            .await;
        let texts: Vec<String> = received
            .iter()
            .map(|r| r.json()["text"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            texts[..3].iter().all(|t| t.contains("PR #42 opened")),
            "{texts:?}"
        );
        assert!(texts[3].contains("pushed 3 commits"), "{texts:?}");
        app.stop().await;
    }
}

impl TestApp {
    fn clock_now(&self) -> jiff::Timestamp {
        use firewatch::clock::Clock;
        self.clock.now()
    }
}
