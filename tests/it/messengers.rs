//! JANDI and Dooray! destinations (issue 31, first step): GitHub events, a firing alert and
//! an incident's update as each is sent, as snapshots; a page through a JANDI team webhook
//! reaching the person by their email.

use axum::http::StatusCode;

use crate::alerts::{TOKEN, group, post};
use crate::github::{deliver, fixture};
use crate::support::messengers::Messenger;
use crate::support::{TestApp, backends};

const SECRET: &str = "messenger-secret";

fn config(jandi: &Messenger, dooray: &Messenger) -> String {
    format!(
        r#"
[[integrations]]
name = "github"
kind = "github"
secret = "{SECRET}"

[[integrations]]
name = "prometheus"
kind = "alertmanager"
token = "{TOKEN}"
service = "platform"

[[destinations]]
name = "jandi"
kind = "jandi"
url = "{jandi}"

[[destinations]]
name = "dooray"
kind = "dooray"
url = "{dooray}"
bot_name = "Firewatch"
bot_icon_image = "https://firewatch.example.com/icon.png"

[[routes]]
match = {{ source = "github" }}
to = ["jandi", "dooray"]

[[routes]]
match = {{ kind = "alert" }}
to = ["jandi", "dooray"]

[incidents]
channels = ["jandi", "dooray"]

[[people]]
id = "minji"
name = "Minji Park"
email = "minji@acme.example"
contacts = [ {{ name = "jandi", kind = "jandi", destination = "jandi" }} ]

[[escalation_policies]]
id = "platform"
steps = [ {{ after = "0m", notify = ["person:minji"] }} ]

[[services]]
id = "platform"
escalation_policy = "platform"
"#,
        jandi = jandi.url,
        dooray = dooray.url,
    )
}

const DELIVERIES: &[(&str, &str)] = &[
    ("pull_request", "pull_request.opened"),
    ("push", "push.branch"),
    ("workflow_run", "workflow_run.completed.failure"),
];

#[tokio::test]
async fn events_alerts_pages_and_incident_updates_reach_jandi_and_dooray() {
    for backend in backends() {
        let jandi = Messenger::jandi().await;
        let dooray = Messenger::dooray().await;
        let app = TestApp::spawn(backend, &config(&jandi, &dooray)).await;
        for (n, (event, name)) in DELIVERIES.iter().enumerate() {
            let (status, answer) =
                deliver(&app, event, &fixture(name), &format!("m-{n}"), SECRET).await;
            assert_eq!(status, StatusCode::ACCEPTED, "{name}: {answer}");
            // One at a time, so the snapshots keep the order.
            jandi.wait_for(n + 1).await;
            dooray.wait_for(n + 1).await;
        }
        // A critical alert: its notice to both, and Minji's page through the team webhook.
        post(&app, &group(&[("f-a", "api-1", "firing")])).await;
        app.idle().await;
        let (status, _) = app
            .api_json(
                reqwest::Method::POST,
                "/api/v1/incidents",
                &app.admin_token,
                &serde_json::json!({"title": "Checkout is slow", "severity": "SEV3"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = app
            .api_json(
                reqwest::Method::POST,
                "/api/v1/incidents/1/updates",
                &app.admin_token,
                &serde_json::json!({"status": "identified", "message": "A slow query on the orders table", "public": false}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        app.idle().await;

        let jandi_calls = jandi.received();
        for call in &jandi_calls {
            assert_eq!(
                call.header("accept"),
                "application/vnd.tosslab.jandi-v2+json"
            );
        }
        let page = jandi_calls
            .iter()
            .map(|call| call.json())
            .find(|body| body.get("email").is_some())
            .expect("Minji is paged through the team webhook");
        assert_eq!(page["email"], "minji@acme.example");
        assert!(
            page.to_string().contains("/a/"),
            "the page carries its link: {page}"
        );

        // Pages carry one-time links: the snapshots keep the rest, with this run's address and
        // incident id put as names.
        let incident = app.get("/api/v1/incidents/1").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let snapshot = |messenger: &Messenger| {
            messenger
                .received()
                .iter()
                .map(|m| m.json())
                .filter(|body| body.get("email").is_none())
                .map(|body| serde_json::to_string_pretty(&body).unwrap())
                .collect::<Vec<_>>()
                .join("\n---\n")
                .replace(&app.url, "http://firewatch.example.com")
                .replace(&incident, "INCIDENT")
        };
        expect_test::expect_file!["../snapshots/messengers_to_jandi.txt"]
            .assert_eq(&snapshot(&jandi));
        expect_test::expect_file!["../snapshots/messengers_to_dooray.txt"]
            .assert_eq(&snapshot(&dooray));
        app.stop().await;
    }
}
