//! The forges' own published example payloads (tests/fixtures/*/published/, with their sources
//! and licences beside them), delivered the way each forge sends them: what the answer is,
//! what is stored (normalized kind and action, or why it is ignored), and what chat is sent,
//! as snapshots. The hand-trimmed fixtures are in github.rs and gitlab.rs; these are whole.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::Value;

use crate::chat::{assert_discord_limits, assert_mattermost_limits, assert_teams_card};
use crate::github::{assert_block_kit_limits, deliver as deliver_github};
use crate::support::smtp::SmtpServer;
use crate::support::{Destination, TestApp, backends};

const SECRET: &str = "published-secret";
const TOKEN: &str = "published-gitlab-token";

fn fixture(forge: &str, name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{forge}/published/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|error| panic!("fixture {forge}/published/{name}: {error}"))
}

/// Posts like GitLab does: the hook name, the secret token, the instance and the event's UUIDs.
async fn deliver_gitlab(app: &TestApp, hook: &str, body: &str, key: &str) -> (StatusCode, Value) {
    app.post_hook(
        "gitlab",
        body,
        &[
            ("x-gitlab-event", hook),
            ("x-gitlab-token", TOKEN),
            ("x-gitlab-instance", "https://gitlab.example.com"),
            ("x-gitlab-event-uuid", &format!("uuid-{key}")),
            (
                "x-gitlab-webhook-uuid",
                "4b2a5f6e-0000-4000-8000-000000000002",
            ),
            ("idempotency-key", key),
            ("user-agent", "GitLab/18.6.0"),
        ],
    )
    .await
}

/// One published payload and what Firewatch is expected to make of it.
struct Case {
    /// `X-GitHub-Event` or `X-Gitlab-Event`.
    header: &'static str,
    /// The file in tests/fixtures/<forge>/published/.
    file: &'static str,
    /// The stored event's kind (the normalized kind, or the event name when nothing is normalized).
    kind: &'static str,
    /// The normalized action; empty when there is no normalized record.
    action: &'static str,
    /// Why the event is stored as `ignored`; `None` when it is acted on (a chat message).
    ignored: Option<&'static str>,
}

const fn case(
    header: &'static str,
    file: &'static str,
    kind: &'static str,
    action: &'static str,
    ignored: Option<&'static str>,
) -> Case {
    Case {
        header,
        file,
        kind,
        action,
        ignored,
    }
}

const GITHUB: &[Case] = &[
    case(
        "ping",
        "ping.json",
        "ping",
        "",
        Some("GitHub's ping: the webhook is set up"),
    ),
    case(
        "pull_request",
        "pull_request.opened.json",
        "pull_request",
        "opened",
        None,
    ),
    case(
        "pull_request",
        "pull_request.opened.with-null-body.json",
        "pull_request",
        "opened",
        None,
    ),
    case(
        "pull_request",
        "pull_request.review_requested.json",
        "pull_request",
        "review_requested",
        None,
    ),
    case(
        "pull_request",
        "pull_request.synchronize.json",
        "pull_request",
        "synchronize",
        None,
    ),
    // The only published `closed` example has "merged": false: a PR closed unmerged.
    case(
        "pull_request",
        "pull_request.closed.json",
        "pull_request",
        "closed",
        None,
    ),
    // The only published `submitted` review is a "commented" one, not an approval.
    case(
        "pull_request_review",
        "pull_request_review.submitted.json",
        "review",
        "commented",
        None,
    ),
    case("push", "push.with-new-branch.json", "push", "pushed", None),
    case(
        "push",
        "push.with-no-username-committer.json",
        "push",
        "pushed",
        None,
    ),
    case("push", "push.tag-deleted.json", "tag", "deleted", None),
    case(
        "push",
        "push.tag-created.github-docs.json",
        "tag",
        "created",
        None,
    ),
    case(
        "check_run",
        "check_run.completed.failure.json",
        "build",
        "completed",
        None,
    ),
    case(
        "check_run",
        "check_run.completed.success.json",
        "build",
        "completed",
        None,
    ),
    case(
        "check_suite",
        "check_suite.completed.json",
        "build",
        "completed",
        None,
    ),
    case(
        "workflow_run",
        "workflow_run.completed.json",
        "build",
        "completed",
        None,
    ),
    case(
        "workflow_run",
        "workflow_run.completed.with-pull-requests.json",
        "build",
        "completed",
        None,
    ),
    case("status", "status.success.json", "build", "completed", None),
    case(
        "release",
        "release.published.json",
        "release",
        "published",
        None,
    ),
    case(
        "deployment_status",
        "deployment_status.success.json",
        "deployment",
        "success",
        None,
    ),
    case(
        "deployment_status",
        "deployment_status.in_progress.gh-pages.json",
        "deployment",
        "in_progress",
        Some("deployment state \"in_progress\" is not a final outcome"),
    ),
    case(
        "issue_comment",
        "issue_comment.created.json",
        "comment",
        "created",
        None,
    ),
];

const GITLAB: &[Case] = &[
    case("Push Hook", "push.json", "push", "pushed", None),
    case("Tag Push Hook", "tag_push.json", "tag", "created", None),
    case(
        "Merge Request Hook",
        "merge_request.open.json",
        "pull_request",
        "opened",
        None,
    ),
    case(
        "Pipeline Hook",
        "pipeline.success.json",
        "build",
        "completed",
        None,
    ),
    case(
        "Job Hook",
        "job.created.json",
        "build",
        "created",
        Some("job status \"created\" is not a final outcome"),
    ),
    case(
        "Note Hook",
        "note.merge_request.json",
        "comment",
        "created",
        None,
    ),
    case("Note Hook", "note.commit.json", "comment", "created", None),
    case("Note Hook", "note.issue.json", "comment", "created", None),
    case("Note Hook", "note.snippet.json", "comment", "created", None),
    case(
        "Deployment Hook",
        "deployment.success.json",
        "deployment",
        "success",
        None,
    ),
    case(
        "Release Hook",
        "release.create.json",
        "release",
        "published",
        None,
    ),
    case(
        "Issue Hook",
        "issue.open.json",
        "issue",
        "",
        Some("GitLab event \"issue\" is not one Firewatch acts on"),
    ),
];

fn slack_config(chat: &Destination) -> String {
    format!(
        r#"
[[integrations]]
name = "github"
kind = "github"
secret = "{SECRET}"

[[integrations]]
name = "gitlab"
kind = "gitlab"
token = "{TOKEN}"

[[destinations]]
name = "chat"
kind = "slack"
url = "{chat}"

[[routes]]
match = {{ source = ["github", "gitlab"] }}
to = ["chat"]
"#,
        chat = chat.url
    )
}

/// Sends every case of one forge, in order, and checks the answer and the stored record.
/// Answers each stored event, as the API shows it.
async fn deliver_all(app: &TestApp, forge: &str, cases: &[Case]) -> Vec<Value> {
    let mut events = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        let body = fixture(forge, case.file);
        let key = format!("published-{forge}-{n}");
        let (status, answer) = match forge {
            "github" => deliver_github(app, case.header, &body, &key, SECRET).await,
            _ => deliver_gitlab(app, case.header, &body, &key).await,
        };
        assert_eq!(status, StatusCode::ACCEPTED, "{}: {answer}", case.file);
        assert_eq!(answer["duplicate"], false, "{}: {answer}", case.file);
        let event = app
            .get(&format!(
                "/api/v1/events/{}",
                answer["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(event["source"], forge, "{}", case.file);
        assert_eq!(event["kind"], case.kind, "{}: {event}", case.file);
        match case.ignored {
            Some(reason) => {
                assert_eq!(event["status"], "ignored", "{}: {event}", case.file);
                assert_eq!(event["ignored_reason"], reason, "{}", case.file);
            }
            None => {
                assert_eq!(event["status"], "accepted", "{}: {event}", case.file);
                assert!(event["ignored_reason"].is_null(), "{}: {event}", case.file);
            }
        }
        if case.action.is_empty() {
            assert!(event["normalized"].is_null(), "{}: {event}", case.file);
        } else {
            assert_eq!(
                event["normalized"]["action"], case.action,
                "{}: {event}",
                case.file
            );
        }
        events.push(event);
    }
    events
}

/// Each stored event as a reviewer reads it: the file, status, kind, and the normalized record.
fn records(cases: &[Case], events: &[Value]) -> String {
    cases
        .iter()
        .zip(events)
        .map(|(case, event)| {
            let record = serde_json::json!({
                "status": event["status"],
                "kind": event["kind"],
                "ignored_reason": event["ignored_reason"],
                "normalized": event["normalized"],
            });
            format!(
                "### {} ({})\n{}",
                case.file,
                case.header,
                serde_json::to_string_pretty(&record).unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The messages, each under the file it was made from (the destination keeps delivery order).
fn messages(cases: &[Case], received: &[crate::support::Received]) -> String {
    let acted: Vec<&Case> = cases.iter().filter(|c| c.ignored.is_none()).collect();
    assert_eq!(received.len(), acted.len(), "one message per acted event");
    acted
        .iter()
        .zip(received)
        .map(|(case, message)| {
            format!(
                "### {}\n{}",
                case.file,
                serde_json::to_string_pretty(&message.json()).unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// What one forge's payloads came to: the records and the messages as snapshots, and each
/// Slack message by the file it was made from.
struct Outcome {
    records: String,
    messages: String,
    slack: BTreeMap<&'static str, Value>,
}

async fn forge_to_slack(forge: &str, cases: &[Case]) -> Outcome {
    let mut outcome: Option<Outcome> = None;
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &slack_config(&chat)).await;
        let events = deliver_all(&app, forge, cases).await;
        let acted: Vec<&Case> = cases.iter().filter(|c| c.ignored.is_none()).collect();
        chat.wait_for(acted.len()).await;
        app.wait_for_notifications("state=delivered", |items| items.len() == acted.len())
            .await;
        let received = chat.received();
        for message in &received {
            assert_block_kit_limits(&message.json());
        }
        let these = Outcome {
            records: records(cases, &events),
            messages: messages(cases, &received),
            slack: acted
                .iter()
                .zip(&received)
                .map(|(case, message)| (case.file, message.json()))
                .collect(),
        };
        // Both backends store and send the same.
        if let Some(first) = &outcome {
            assert_eq!(first.records, these.records, "{backend:?} differs");
            assert_eq!(first.messages, these.messages, "{backend:?} differs");
        }
        outcome = Some(these);
        app.stop().await;
    }
    outcome.unwrap()
}

/// The text of a Slack message's first section: its title line, then its detail lines.
fn section(message: &Value) -> &str {
    message["blocks"][0]["text"]["text"].as_str().unwrap()
}

#[tokio::test]
async fn published_github_payloads_normalize_and_reach_slack() {
    let outcome = forge_to_slack("github", GITHUB).await;
    expect_test::expect_file!["../snapshots/published_github_records.txt"]
        .assert_eq(&outcome.records);
    expect_test::expect_file!["../snapshots/published_github_to_slack.txt"]
        .assert_eq(&outcome.messages);

    // FIXME: GitHub's workflow_run example has `"name": ""` (the workflow is named in
    // `workflow.name`, "test"); the empty name is taken as the build's name, so the message
    // names nothing and has two spaces. Expected "octo-org/octo-repo: test passed on master"
    // (or a fallback such as "build", as for a missing name).
    let workflow = &outcome.slack["workflow_run.completed.json"];
    assert_eq!(workflow["text"], "octo-org/octo-repo:  passed on master");
    assert!(section(workflow).contains("|✅  passed on master>*"));

    // FIXME: a deleted tag links to the payload's `compare` URL,
    // ".../compare/6113728f27ae...000000000000", a comparison with the all-zero SHA that
    // GitHub answers with a 404. Expected the repository (or its tags page), as the GitLab
    // side does for a deletion.
    let deleted = &outcome.slack["push.tag-deleted.json"];
    assert!(
        section(deleted).starts_with(concat!(
            "*<https://github.com/Codertocat/Hello-World/compare/6113728f27ae...000000000000",
            "|Tag simple-tag deleted>*"
        )),
        "{}",
        section(deleted)
    );
}

#[tokio::test]
async fn published_gitlab_payloads_normalize_and_reach_slack() {
    let outcome = forge_to_slack("gitlab", GITLAB).await;
    expect_test::expect_file!["../snapshots/published_gitlab_records.txt"]
        .assert_eq(&outcome.records);
    expect_test::expect_file!["../snapshots/published_gitlab_to_slack.txt"]
        .assert_eq(&outcome.messages);

    // FIXME: a comment on a commit or on a snippet is rendered as a comment on an issue with
    // no number and no title ("commented on issue : "). Expected "commented on commit cfe32cf"
    // (the note's `commit` object) and "commented on snippet $53: test" (its `snippet` object).
    assert_eq!(
        outcome.slack["note.commit.json"]["text"],
        "gitlabhq/gitlab-test: root commented on issue "
    );
    assert!(
        section(&outcome.slack["note.commit.json"]).contains("|💬 root commented on issue : >*")
    );
    assert_eq!(
        outcome.slack["note.snippet.json"]["text"],
        "gitlab-org/gitlab-test: root commented on issue "
    );

    // FIXME: a comment on a GitLab issue numbers the issue with the merge-request sigil:
    // "issue !17". GitLab writes issues #17 (and merge requests !17).
    assert_eq!(
        outcome.slack["note.issue.json"]["text"],
        "gitlab-org/gitlab-test: root commented on issue !17"
    );

    // FIXME: GitLab's Deployment Hook example has no `ref`; the detail line then starts with
    // a stray " at " (" at `279484c` · by *root*"). Expected "`279484c` · by *root*".
    let deployment = section(&outcome.slack["deployment.success.json"]);
    assert!(
        deployment.contains("\n at `279484c` · by *root*\n"),
        "{deployment}"
    );
}

/// GitLab's documentation shows the Job Hook and Release Hook examples with `//` comments (and
/// the job one with a trailing comma), so the text as published is not JSON; the fixtures drop
/// only those. The page's text is refused as GitLab itself would never send it.
#[tokio::test]
async fn published_gitlab_examples_with_comments_are_not_json() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &slack_config(&chat)).await;
        for (hook, file) in [
            ("Job Hook", "job.created.as-published.jsonc"),
            ("Release Hook", "release.create.as-published.jsonc"),
        ] {
            let (status, answer) = deliver_gitlab(&app, hook, &fixture("gitlab", file), file).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{file}: {answer}");
            assert_eq!(answer["error"]["code"], "invalid_json", "{file}: {answer}");
        }
        assert_eq!(app.event_count().await, 0);
        app.stop().await;
    }
}

const SMTP_USER: &str = "firewatch";
const SMTP_PASSWORD: &str = "published fixtures";

fn all_kinds_config(
    mattermost: &Destination,
    discord: &Destination,
    teams: &Destination,
    webhook: &Destination,
    smtp: &SmtpServer,
) -> String {
    format!(
        r#"
[[integrations]]
name = "github"
kind = "github"
secret = "{SECRET}"

[[integrations]]
name = "gitlab"
kind = "gitlab"
token = "{TOKEN}"

[[destinations]]
name = "mm"
kind = "mattermost"
url = "{mattermost}"

[[destinations]]
name = "discord"
kind = "discord"
url = "{discord}"

[[destinations]]
name = "teams"
kind = "teams"
url = "{teams}"

[[destinations]]
name = "hook"
kind = "webhook"
url = "{webhook}"

[[destinations]]
name = "mail"
kind = "email"
host = "127.0.0.1"
port = {port}
tls = "none"
username = "{SMTP_USER}"
password = "{SMTP_PASSWORD}"
from = "Firewatch <firewatch@example.com>"
to = ["oncall@example.com"]

[[routes]]
match = {{ source = ["github", "gitlab"] }}
to = ["mm", "discord", "teams", "hook", "mail"]
"#,
        mattermost = mattermost.url,
        discord = discord.url,
        teams = teams.url,
        webhook = webhook.url,
        port = smtp.port,
    )
}

/// (forge, header, file): a pull request opened and a branch push from each forge. Slack's
/// rendering of the same four is in the `published_*_to_slack` snapshots.
const EVERY_KIND: &[(&str, &str, &str)] = &[
    ("github", "pull_request", "pull_request.opened.json"),
    ("github", "push", "push.with-new-branch.json"),
    ("gitlab", "Merge Request Hook", "merge_request.open.json"),
    ("gitlab", "Push Hook", "push.json"),
];

fn titled(bodies: impl IntoIterator<Item = String>) -> String {
    EVERY_KIND
        .iter()
        .zip(bodies)
        .map(|((forge, _, file), body)| format!("### {forge}/{file}\n{body}"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The card with its buttons' http:// links as https://, for the shape checks.
fn with_https(mut card: Value) -> Value {
    for action in card["attachments"][0]["content"]["actions"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        let url = action["url"].as_str().unwrap().to_owned();
        assert!(
            url.starts_with("http://") || url.starts_with("https://"),
            "{url}"
        );
        action["url"] = url.replacen("http://", "https://", 1).into();
    }
    card
}

fn pretty(received: &[crate::support::Received]) -> impl Iterator<Item = String> + '_ {
    received
        .iter()
        .map(|m| serde_json::to_string_pretty(&m.json()).unwrap())
}

#[tokio::test]
async fn published_pull_request_and_push_reach_every_destination_kind() {
    let mut snapshots: Option<Vec<String>> = None;
    for backend in backends() {
        let mattermost = Destination::start().await;
        let discord = Destination::start().await;
        let teams = Destination::start().await;
        let webhook = Destination::start().await;
        let smtp = SmtpServer::start(Some((SMTP_USER, SMTP_PASSWORD))).await;
        let app = TestApp::spawn(
            backend,
            &all_kinds_config(&mattermost, &discord, &teams, &webhook, &smtp),
        )
        .await;
        let mut ids = Vec::new();
        for (n, (forge, header, file)) in EVERY_KIND.iter().enumerate() {
            let body = fixture(forge, file);
            let key = format!("every-kind-{n}");
            let (status, answer) = match *forge {
                "github" => deliver_github(&app, header, &body, &key, SECRET).await,
                _ => deliver_gitlab(&app, header, &body, &key).await,
            };
            assert_eq!(status, StatusCode::ACCEPTED, "{file}: {answer}");
            ids.push(answer["id"].as_str().unwrap().to_owned());
        }
        let count = EVERY_KIND.len();

        let posts = mattermost.wait_for(count).await;
        for post in &posts {
            assert_mattermost_limits(&post.json());
        }
        let posts = discord.wait_for(count).await;
        for post in &posts {
            assert_discord_limits(&post.json());
        }
        let posts = teams.wait_for(count).await;
        for ((forge, _, _), post) in EVERY_KIND.iter().zip(&posts) {
            assert!(post.body.len() <= 28_000, "{} bytes", post.body.len());
            match *forge {
                "github" => assert_teams_card(&post.json()),
                // GitLab's examples link to http://example.com, which assert_teams_card (https
                // only) would refuse; the card is otherwise the same shape.
                _ => assert_teams_card(&with_https(post.json())),
            }
        }

        // The webhook carries the whole payload as received and the normalized record; the
        // payload is checked against the file, the rest is the snapshot.
        let hooks = webhook.wait_for(count).await;
        let mut envelopes = Vec::new();
        for (((forge, _, file), id), hook) in EVERY_KIND.iter().zip(&ids).zip(&hooks) {
            let mut envelope = hook.json();
            assert_eq!(envelope["type"], "event.received");
            assert_eq!(&envelope["data"]["id"], id.as_str());
            assert_eq!(hook.header("webhook-id"), format!("{id}.hook"));
            let sent: Value = serde_json::from_str(&fixture(forge, file)).unwrap();
            assert_eq!(envelope["data"]["payload"], sent, "{file}");
            let data = envelope["data"].as_object_mut().unwrap();
            data.insert("id".into(), "[event id]".into());
            data.insert("payload".into(), "[the published payload]".into());
            envelopes.push(serde_json::to_string_pretty(&envelope).unwrap());
        }

        let mails = smtp.wait_for(count).await;
        let mut rendered_mails = Vec::new();
        for mail in &mails {
            assert!(mail.accepted());
            let email = mail.parsed();
            rendered_mails.push(format!(
                "Subject: {}\n\n--- text/plain ---\n{}\n--- text/html ---\n{}",
                email.header("Subject"),
                email.part("text/plain").body,
                email.part("text/html").body
            ));
        }

        app.wait_for_notifications("state=delivered", |items| items.len() == 5 * count)
            .await;
        let these = vec![
            titled(pretty(&mattermost.received())),
            titled(pretty(&discord.received())),
            titled(pretty(&teams.received())),
            titled(envelopes),
            titled(rendered_mails),
        ];
        if let Some(first) = &snapshots {
            assert_eq!(first, &these, "{backend:?} differs");
        }
        snapshots = Some(these);
        app.stop().await;
    }
    let [mattermost, discord, teams, webhook, email] = <[String; 5]>::try_from(snapshots.unwrap())
        .unwrap_or_else(|_| unreachable!("five snapshots"));
    expect_test::expect_file!["../snapshots/published_to_mattermost.txt"].assert_eq(&mattermost);
    expect_test::expect_file!["../snapshots/published_to_discord.txt"].assert_eq(&discord);
    expect_test::expect_file!["../snapshots/published_to_teams.txt"].assert_eq(&teams);
    expect_test::expect_file!["../snapshots/published_to_webhook.txt"].assert_eq(&webhook);
    expect_test::expect_file!["../snapshots/published_to_email.txt"].assert_eq(&email);
}
