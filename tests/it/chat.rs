//! GitHub webhooks through the signed endpoint, out to Mattermost, Discord and Teams
//! stand-ins: what each platform is sent, as snapshots, and that each body keeps to that
//! platform's limits.

use axum::http::StatusCode;
use serde_json::Value;

use crate::github::{deliver, fixture};
use crate::support::{Destination, TestApp, backends};

const SECRET: &str = "chat-secret";

fn config(mattermost: &Destination, discord: &Destination, teams: &Destination) -> String {
    format!(
        r#"
[[integrations]]
name = "github"
kind = "github"
secret = "{SECRET}"

[tickets]
url = "https://jira.example.com/browse/{{key}}"
projects = ["CCC"]

[[destinations]]
name = "mm"
kind = "mattermost"
url = "{mattermost}"
username = "Firewatch"

[[destinations]]
name = "discord"
kind = "discord"
url = "{discord}"

[[destinations]]
name = "teams"
kind = "teams"
url = "{teams}"

[[routes]]
match = {{ source = "github" }}
to = ["mm", "discord", "teams"]
"#,
        mattermost = mattermost.url,
        discord = discord.url,
        teams = teams.url,
    )
}

/// (event header, fixture)
const DELIVERIES: &[(&str, &str)] = &[
    ("pull_request", "pull_request.opened"),
    ("push", "push.branch"),
    ("workflow_run", "workflow_run.completed.failure"),
    ("issue_comment", "issue_comment.created"),
    ("deployment_status", "deployment_status.success"),
    ("release", "release.published"),
];

#[tokio::test]
async fn github_events_become_readable_chat_messages() {
    for backend in backends() {
        let mattermost = Destination::start().await;
        let discord = Destination::start().await;
        let teams = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&mattermost, &discord, &teams)).await;
        for (n, (event, name)) in DELIVERIES.iter().enumerate() {
            let (status, answer) =
                deliver(&app, event, &fixture(name), &format!("chat-{n}"), SECRET).await;
            assert_eq!(status, StatusCode::ACCEPTED, "{name}: {answer}");
        }
        let snapshot = |destination: &Destination| {
            destination
                .received()
                .iter()
                .map(|m| serde_json::to_string_pretty(&m.json()).unwrap())
                .collect::<Vec<_>>()
                .join("\n---\n")
        };

        let posts = mattermost.wait_for(DELIVERIES.len()).await;
        for post in &posts {
            assert_mattermost_limits(&post.json());
        }
        expect_test::expect_file!["../snapshots/github_to_mattermost.txt"]
            .assert_eq(&snapshot(&mattermost));

        let posts = discord.wait_for(DELIVERIES.len()).await;
        for post in &posts {
            assert_discord_limits(&post.json());
        }
        expect_test::expect_file!["../snapshots/github_to_discord.txt"]
            .assert_eq(&snapshot(&discord));

        let posts = teams.wait_for(DELIVERIES.len()).await;
        for post in &posts {
            assert!(post.body.len() <= 28_000, "{} bytes", post.body.len());
            assert_teams_card(&post.json());
        }
        expect_test::expect_file!["../snapshots/github_to_teams.txt"].assert_eq(&snapshot(&teams));

        app.wait_for_notifications("state=delivered", |items| {
            items.len() == 3 * DELIVERIES.len()
        })
        .await;
        app.stop().await;
    }
}

/// The Markdown is in `text`, or in the one colored attachment (with a plain `fallback`).
pub fn assert_mattermost_limits(post: &Value) {
    let text = match post["attachments"].as_array() {
        Some(attachments) => {
            assert_eq!(attachments.len(), 1);
            assert!(post.get("text").is_none());
            let attachment = &attachments[0];
            assert!(!attachment["fallback"].as_str().unwrap().is_empty());
            assert!(attachment["color"].as_str().unwrap().starts_with('#'));
            attachment["text"].as_str().unwrap()
        }
        None => post["text"].as_str().unwrap(),
    };
    assert!(text.chars().count() <= 16383, "{}", text.chars().count());
}

pub fn assert_discord_limits(post: &Value) {
    assert_eq!(post["allowed_mentions"], serde_json::json!({ "parse": [] }));
    let embeds = post["embeds"].as_array().unwrap();
    assert!(!embeds.is_empty() && embeds.len() <= 10);
    let length = |value: &Value| value.as_str().map_or(0, |text| text.encode_utf16().count());
    let mut total = 0;
    for embed in embeds {
        let title = length(&embed["title"]);
        let description = length(&embed["description"]);
        let footer = length(&embed["footer"]["text"]);
        assert!((1..=256).contains(&title), "title of {title}");
        assert!(description <= 4096, "description of {description}");
        assert!(footer <= 2048, "footer of {footer}");
        total += title + description + footer;
    }
    assert!(total <= 6000, "{total} across embeds");
}

pub fn assert_teams_card(post: &Value) {
    assert_eq!(post["type"], "message");
    let attachment = &post["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    let body = card["body"].as_array().unwrap();
    assert_eq!(body[0]["weight"], "Bolder");
    for block in body {
        assert_eq!(block["type"], "TextBlock");
        assert!(!block["text"].as_str().unwrap().is_empty());
        assert_eq!(block["wrap"], true);
    }
    for action in card["actions"].as_array().into_iter().flatten() {
        assert_eq!(action["type"], "Action.OpenUrl");
        assert!(action["url"].as_str().unwrap().starts_with("https://"));
    }
}
