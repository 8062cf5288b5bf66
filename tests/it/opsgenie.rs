//! Opsgenie's Alert API and PagerDuty's Change Events: tools written for those services work
//! unchanged. Opsgenie is driven by its own Python SDK (opsgenie-sdk, from PyPI, installed by
//! `scripts/ensure-test-tools.sh`) with its host pointed at Firewatch.

use std::process::Command;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Destination, TestApp, backends};

const KEY: &str = "4f2b6e38-0c1d-4d7a-9a51-8c0e5b3f7d21";
const ROUTING_KEY: &str = "737ea619db564d41bd9824063e1f6b08";

fn config(chat: &Destination) -> String {
    format!(
        r#"
[[integrations]]
name = "legacy-opsgenie"
kind = "opsgenie"
token = "{KEY}"
service = "db"

[[integrations]]
name = "pd"
kind = "pagerduty"
routing_key = "{ROUTING_KEY}"
service = "db"

[[services]]
id = "db"

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

/// The SDK's answer (or error) as JSON, and whether it succeeded.
fn sdk(app: &TestApp, key: &str, action: &str, alias: &str) -> (bool, Value) {
    let python = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/tools/opsgenie/bin/python"
    );
    assert!(
        std::path::Path::new(python).exists(),
        "this test needs opsgenie-sdk in target/tools/opsgenie (scripts/ensure-test-tools.sh installs it)"
    );
    let output = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/clients/opsgenie_sdk_client.py"
        ))
        .args([&app.url, key, action, alias])
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let answer = stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| {
            panic!(
                "no answer from the SDK: {stdout} {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    (output.status.success(), answer)
}

async fn the_alert(app: &TestApp) -> Value {
    let items = app.get("/api/v1/alerts?limit=10").await["items"].clone();
    assert_eq!(items.as_array().unwrap().len(), 1, "{items}");
    items[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opsgenies_sdk_creates_acknowledges_and_closes_by_alias() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;

        let (ok, answer) = sdk(&app, KEY, "create", "backup-db-1");
        assert!(ok, "{answer}");
        assert_eq!(answer["result"], "Request will be processed");
        assert!(
            answer["request_id"]
                .as_str()
                .is_some_and(|id| !id.is_empty())
        );
        app.idle().await;
        let alert = the_alert(&app).await;
        assert_eq!(alert["state"], "firing");
        assert_eq!(alert["fingerprint"], "backup-db-1");
        assert_eq!(alert["summary"], "Nightly backup of db-1 failed");
        assert_eq!(alert["severity"], "critical");
        assert_eq!(alert["service"], "db");
        assert_eq!(alert["labels"]["host"], "db-1");
        assert_eq!(alert["labels"]["tags"], "backup,db");
        assert_eq!(alert["labels"]["priority"], "P1");

        // The same alias again is the same alert, as Opsgenie de-duplicates.
        let (ok, _) = sdk(&app, KEY, "create", "backup-db-1");
        assert!(ok);
        app.idle().await;
        assert_eq!(the_alert(&app).await["fire_count"], 1);

        let (ok, answer) = sdk(&app, KEY, "acknowledge", "backup-db-1");
        assert!(ok, "{answer}");
        app.idle().await;
        assert_eq!(the_alert(&app).await["state"], "acknowledged");
        let (ok, answer) = sdk(&app, KEY, "close", "backup-db-1");
        assert!(ok, "{answer}");
        app.idle().await;
        assert_eq!(the_alert(&app).await["state"], "resolved");

        // A wrong key is refused in Opsgenie's shape, and stores nothing.
        let events = app.event_count().await;
        let (ok, answer) = sdk(&app, "not-the-key", "create", "x");
        assert!(!ok);
        assert_eq!(answer["status"], 401, "{answer}");
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
        assert!(
            body["message"].as_str().unwrap().contains("GenieKey"),
            "{body}"
        );
        assert_eq!(app.event_count().await, events);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_documented_requests_are_taken_and_bad_ones_explained() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        let post = |path: &str, body: Value| {
            app.http
                .post(format!("{}{path}", app.url))
                .header("authorization", format!("GenieKey {KEY}"))
                .json(&body)
                .send()
        };
        // Opsgenie's documented create request, as `curl` sends it.
        let response = post(
            "/v2/alerts",
            json!({"message": "An example alert message", "alias": "Life is too short for no alias",
                   "description": "Every alert needs a description",
                   "responders": [{"name": "NOC", "type": "team"}],
                   "tags": ["OverwriteQuietHours", "Critical"],
                   "details": {"key1": "value1", "key2": "value2"},
                   "entity": "An example entity", "priority": "P1"}),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["result"], "Request will be processed");
        assert!(answer["took"].is_number());

        let response = post("/v2/alerts", json!({"priority": "P7"})).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(
            answer["message"],
            "Request body is not processable. Please check the errors."
        );
        assert_eq!(
            answer["errors"]["message"],
            "Message can not be empty. Priority should be one of [P1, P2, P3, P4, P5]."
        );
        // Without identifierType, Opsgenie reads an id; Firewatch says it needs the alias.
        let response = post("/v2/alerts/abc/close", json!({})).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let answer: Value = response.json().await.unwrap();
        assert!(
            answer["errors"]["message"]
                .as_str()
                .unwrap()
                .starts_with("identifierType must be alias"),
            "{answer}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_pagerduty_change_event_shows_in_an_incidents_what_changed() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        // PagerDuty's documented Change Events example.
        let response = app
            .http
            .post(format!("{}/v2/change/enqueue", app.url))
            .json(&json!({
              "routing_key": ROUTING_KEY,
              "payload": {
                "summary": "Build Success: Increase snapshot create timeout to 30 seconds",
                "timestamp": "2020-07-17T08:42:58.315+0000",
                "source": "acme-build-pipeline-tool-default-i-9999",
                "custom_details": {"build_state": "passed", "build_number": "2", "run_time": "1236s"}
              },
              "links": [{"href": "https://acme.pagerduty.dev/build/2", "text": "View more details in Acme!"}]
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["status"], "success");
        app.advance(600);
        let (status, incident) = app
            .api_json(
                Method::POST,
                "/api/v1/incidents",
                &app.admin_token,
                &json!({"title": "Snapshots time out", "severity": "SEV3", "services": ["db"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{incident}");
        let detail = app
            .get(&format!(
                "/api/v1/incidents/{}",
                incident["id"].as_str().unwrap()
            ))
            .await;
        let changed = &detail["what_changed"][0];
        assert_eq!(changed["kind"], "change", "{detail}");
        assert_eq!(
            changed["title"],
            "Build Success: Increase snapshot create timeout to 30 seconds"
        );
        assert_eq!(changed["url"], "https://acme.pagerduty.dev/build/2");
        assert_eq!(changed["before"], "10m before");

        let response = app
            .http
            .post(format!("{}/v2/change/enqueue", app.url))
            .json(&json!({"routing_key": "0".repeat(32), "payload": {"summary": "x"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let answer: Value = response.json().await.unwrap();
        assert!(
            answer["errors"][0]
                .as_str()
                .unwrap()
                .contains("routing_key")
        );
        app.stop().await;
    }
}
