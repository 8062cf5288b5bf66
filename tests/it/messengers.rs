//! JANDI and Dooray! destinations (issue 31, first step): GitHub events, a firing alert and
//! an incident's update as each is sent, as snapshots; a page through a JANDI team webhook
//! reaching the person by their email.

use axum::http::StatusCode;

use crate::alerts::{TOKEN, group, post};
use crate::github::{deliver, fixture};
use crate::support::messengers::{KAKAOWORK_CONVERSATION, KAKAOWORK_KEY, Kakaowork, Messenger};
use crate::support::{TestApp, backends};

const SECRET: &str = "messenger-secret";

fn config(jandi: &Messenger, dooray: &Messenger, kakaowork: &Kakaowork, locale: &str) -> String {
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
locale = "{locale}"

[[destinations]]
name = "dooray"
kind = "dooray"
url = "{dooray}"
bot_name = "Firewatch"
bot_icon_image = "https://firewatch.example.com/icon.png"
locale = "{locale}"

[[destinations]]
name = "kw"
kind = "kakaowork"
token = "{KAKAOWORK_KEY}"
api_url = "{kakaowork}"
conversation_id = {KAKAOWORK_CONVERSATION}
locale = "{locale}"

[[routes]]
match = {{ source = "github" }}
to = ["jandi", "dooray", "kw"]

[[routes]]
match = {{ kind = "alert" }}
to = ["jandi", "dooray", "kw"]

[incidents]
channels = ["jandi", "dooray", "kw"]

[[people]]
id = "minji"
name = "Minji Park"
email = "minji@acme.example"
locale = "{locale}"
contacts = [
  {{ name = "jandi", kind = "jandi", destination = "jandi" }},
  {{ name = "dooray", kind = "chat", destination = "dooray" }},
  {{ name = "kakao", kind = "kakaowork", destination = "kw" }},
]

[[escalation_policies]]
id = "platform"
steps = [ {{ after = "0m", notify = ["person:minji"] }} ]

[[services]]
id = "platform"
escalation_policy = "platform"
"#,
        jandi = jandi.url,
        dooray = dooray.url,
        kakaowork = kakaowork.api_url,
    )
}

const DELIVERIES: &[(&str, &str)] = &[
    ("pull_request", "pull_request.opened"),
    ("push", "push.branch"),
    ("workflow_run", "workflow_run.completed.failure"),
];

/// Each kind's rendering of a pull request, a push, a failed build, a firing alert, a page and
/// an incident's update, in English and in Korean (the destinations' and the person's
/// `locale`), as snapshots.
#[tokio::test]
async fn events_alerts_pages_and_incident_updates_reach_jandi_dooray_and_kakaowork_in_each_language()
 {
    let link = regex::Regex::new(r"/a/[A-Za-z0-9_-]+").unwrap();
    let signed = regex::Regex::new(r#""value": "([a-z]+):[^ "]+ \d+ [0-9a-f]+""#).unwrap();
    for backend in backends() {
        for locale in ["en", "ko"] {
            let jandi = Messenger::jandi().await;
            let dooray = Messenger::dooray().await;
            let kakaowork = Kakaowork::start().await;
            let app = TestApp::spawn(backend, &config(&jandi, &dooray, &kakaowork, locale)).await;
            for (n, (event, name)) in DELIVERIES.iter().enumerate() {
                let (status, answer) =
                    deliver(&app, event, &fixture(name), &format!("m-{n}"), SECRET).await;
                assert_eq!(status, StatusCode::ACCEPTED, "{name}: {answer}");
                // One at a time, so the snapshots keep the order.
                jandi.wait_for(n + 1).await;
                dooray.wait_for(n + 1).await;
                app.idle().await;
            }
            // A critical alert: its notice to all three, and Minji's page through each (JANDI's
            // team webhook and KakaoWork's 1:1 chat by her email, Dooray!'s room).
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
            // Its link opens a page in Minji's language.
            let path = link
                .find(&page.to_string())
                .expect("the page carries its link")
                .as_str()
                .to_owned();
            let confirm = reqwest::get(format!("{}{path}", app.url))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let (asks, lang) = match locale {
                "en" => ("Acknowledge this page?", r#"<html lang="en">"#),
                _ => ("이 호출을 확인할까요?", r#"<html lang="ko">"#),
            };
            assert!(
                confirm.contains(asks) && confirm.contains(lang),
                "{confirm}"
            );

            // Pages carry one-time links and KakaoWork's buttons a signed expiry: the snapshots
            // keep the rest, with this run's address, incident id, links and signatures put as
            // names.
            let incident = app.get("/api/v1/incidents/1").await["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let alerts = app.get("/api/v1/alerts").await;
            let alert = alerts["items"][0]["id"].as_str().unwrap().to_owned();
            // Each body with this run's address, ids, links and signatures named; the page
            // (the one body with a link) last, as it races the alert's notice.
            let snapshot = |bodies: Vec<serde_json::Value>| {
                let named: Vec<String> = bodies
                    .iter()
                    .map(|body| {
                        let text = serde_json::to_string_pretty(body)
                            .unwrap()
                            .replace(&app.url, "http://firewatch.example.com")
                            .replace(&incident, "INCIDENT")
                            .replace(&alert, "ALERT");
                        let text = link.replace_all(&text, "/a/TOKEN");
                        signed
                            .replace_all(&text, r#""value": "$1:ID EXPIRES SIGNATURE""#)
                            .into_owned()
                    })
                    .collect();
                let (pages, rest): (Vec<String>, Vec<String>) = named
                    .into_iter()
                    .partition(|text| text.contains("/a/TOKEN"));
                rest.into_iter()
                    .chain(pages)
                    .collect::<Vec<_>>()
                    .join("\n---\n")
            };
            let bodies = |messenger: &Messenger| {
                messenger
                    .received()
                    .iter()
                    .map(|m| m.json())
                    .collect::<Vec<_>>()
            };
            let kakaowork_bodies: Vec<serde_json::Value> =
                kakaowork.received().iter().map(|m| m.json()).collect();
            let (jandi_file, dooray_file, kakaowork_file) = match locale {
                "en" => (
                    expect_test::expect_file!["../snapshots/messengers_to_jandi.txt"],
                    expect_test::expect_file!["../snapshots/messengers_to_dooray.txt"],
                    expect_test::expect_file!["../snapshots/messengers_to_kakaowork.txt"],
                ),
                _ => (
                    expect_test::expect_file!["../snapshots/messengers_to_jandi.ko.txt"],
                    expect_test::expect_file!["../snapshots/messengers_to_dooray.ko.txt"],
                    expect_test::expect_file!["../snapshots/messengers_to_kakaowork.ko.txt"],
                ),
            };
            jandi_file.assert_eq(&snapshot(bodies(&jandi)));
            dooray_file.assert_eq(&snapshot(bodies(&dooray)));
            kakaowork_file.assert_eq(&snapshot(kakaowork_bodies));
            app.stop().await;
        }
    }
}

#[tokio::test]
async fn a_critical_alert_pages_by_kakaowork_dm_and_its_button_acknowledges_as_that_person() {
    for backend in backends() {
        let kakaowork = Kakaowork::start().await;
        let config = format!(
            r#"
[[integrations]]
name = "prometheus"
kind = "alertmanager"
token = "{TOKEN}"
service = "platform"

[[destinations]]
name = "kw"
kind = "kakaowork"
token = "{KAKAOWORK_KEY}"
api_url = "{api}"
conversation_id = {KAKAOWORK_CONVERSATION}

[[routes]]
match = {{ kind = "alert" }}
to = ["kw"]

[[people]]
id = "minji"
name = "Minji Park"
email = "minji@acme.example"
user = "minji"
contacts = [ {{ name = "kakao", kind = "kakaowork", destination = "kw" }} ]

[[escalation_policies]]
id = "platform"
steps = [ {{ after = "0m", notify = ["person:minji"] }} ]

[[services]]
id = "platform"
escalation_policy = "platform"
"#,
            api = kakaowork.api_url,
        );
        let app = TestApp::spawn(backend, &config).await;
        crate::web::add_user(&app, "minji", firewatch::core::role::Role::Responder).await;
        post(&app, &group(&[("f-a", "api-1", "firing")])).await;
        app.idle().await;
        let alert = app.get("/api/v1/alerts").await["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();

        // The team's conversation hears of the alert, with its buttons.
        let calls = kakaowork.received();
        let notice = calls
            .iter()
            .find(|r| r.path == "/v1/messages.send")
            .expect("the alert is told")
            .json();
        let actions = |body: &serde_json::Value| -> Vec<String> {
            body["blocks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|b| b["type"] == "action")
                .flat_map(|b| b["elements"].as_array().unwrap().clone())
                .map(|e| e["action_name"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(actions(&notice), ["ack", "resolve", "escalate"], "{notice}");

        // Minji is paged 1:1 by email, with Acknowledge.
        let page = calls
            .iter()
            .find(|r| r.path == "/v1/messages.send_by_email")
            .expect("Minji is paged")
            .json();
        assert_eq!(page["email"], "minji@acme.example");
        assert_eq!(actions(&page), ["ack", "resolve", "escalate"], "{page}");
        let ack = page["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["type"] == "action")
            .unwrap()["elements"][0]
            .clone();
        assert_eq!(ack["action_type"], "submit_action");
        let value = ack["value"].as_str().unwrap().to_owned();

        let click = |value: &str, trigger: &str| {
            let body = serde_json::json!({
                "type": "submit_action", "action_time": trigger, "action_name": "ack",
                "value": value, "react_user_id": 2_600_123,
                "message": {"id": 2, "text": "page", "user_id": 1, "conversation_id": 9_000_001},
            });
            let url = format!("{}/chat/kakaowork/kw/actions", app.url);
            async move {
                reqwest::Client::new()
                    .post(url)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        // A forged value is refused and changes nothing.
        let forged = value.replacen("escalation:", "escalation:0", 1);
        assert_eq!(click(&forged, "2026-11-02T01:00:01Z").await, 401);
        assert_eq!(
            app.get(&format!("/api/v1/alerts/{alert}")).await["state"],
            "firing"
        );
        // Minji's click: found by her email, it acknowledges as her.
        assert_eq!(click(&value, "2026-11-02T01:00:02Z").await, 200);
        let shown = app.get(&format!("/api/v1/alerts/{alert}")).await;
        assert_eq!(shown["state"], "acknowledged", "{shown}");
        assert_eq!(shown["acknowledged_by"], "user:minji");
        assert!(
            kakaowork
                .received()
                .iter()
                .any(|r| r.path.starts_with("/v1/users.find_by_email")),
            "Minji is found by email"
        );
        // The same button a month on has expired.
        app.advance(31 * 24 * 60 * 60);
        assert_eq!(click(&value, "2026-12-03T01:00:03Z").await, 401);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_changes_approve_through_kakaowork_keeps_the_two_person_rule() {
    use firewatch::core::role::Role;
    for backend in backends() {
        let kakaowork = Kakaowork::start().await;
        let config = format!(
            r#"
[[destinations]]
name = "kw"
kind = "kakaowork"
token = "{KAKAOWORK_KEY}"
api_url = "{api}"
conversation_id = {KAKAOWORK_CONVERSATION}
locale = "ko"

[changes]
channels = ["kw"]

[[services]]
id = "api"

[[people]]
id = "minji"
email = "minji@acme.example"
user = "minji"

[[people]]
id = "joon"
user = "joon"
chat = [ {{ app = "kw", user = "2600456" }} ]
"#,
            api = kakaowork.api_url,
        );
        let app = TestApp::spawn(backend, &config).await;
        crate::web::add_user(&app, "minji", Role::Responder).await;
        crate::web::add_user(&app, "joon", Role::Responder).await;
        let token = app
            .user_token("minji", &[firewatch::core::scope::Scope::ChangesWrite])
            .await;
        let (status, change) = app
            .api_json(
                reqwest::Method::POST,
                "/api/v1/changes",
                &token,
                &serde_json::json!({"summary": "Upgrade api's PostgreSQL to 16", "service": "api",
                        "environment": "production", "risk": "high",
                        "rollback": "fail over to the 15 replica", "needs_approval": true}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{change}");
        let id = change["id"].as_str().unwrap().to_owned();
        app.idle().await;
        let announced = kakaowork
            .received()
            .into_iter()
            .find(|r| r.path == "/v1/messages.send")
            .expect("the announcement")
            .json();
        let approve = announced["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["type"] == "action")
            .expect("buttons")["elements"][0]
            .clone();
        assert_eq!(approve["action_name"], "approve");
        assert_eq!(approve["text"], "승인", "the conversation speaks Korean");
        let value = approve["value"].as_str().unwrap().to_owned();
        let click = |user: i64, at: &str| {
            let body = serde_json::json!({
                "type": "submit_action", "action_time": at, "action_name": "approve",
                "value": value, "react_user_id": user,
                "message": {"id": 1, "conversation_id": KAKAOWORK_CONVERSATION},
            });
            let url = format!("{}/chat/kakaowork/kw/actions", app.url);
            async move {
                reqwest::Client::new()
                    .post(url)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        // Minji announced it: her Approve is refused, and the conversation is told why, in its
        // language.
        assert_eq!(click(2_600_123, "2026-11-02T01:00:01Z").await, 200);
        let shown = app.get(&format!("/api/v1/changes/{id}")).await;
        assert_eq!(shown["state"], "pending_approval", "{shown}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let told = loop {
            let told = kakaowork
                .received()
                .into_iter()
                .filter(|r| r.path == "/v1/messages.send")
                .map(|r| r.json())
                .find(|body| body.get("blocks").is_none() && body["text"].is_string());
            if let Some(told) = told {
                break told;
            }
            assert!(std::time::Instant::now() < deadline, "Minji is told why");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
        assert!(
            told["text"]
                .as_str()
                .unwrap()
                .starts_with("바뀐 것이 없습니다:"),
            "{told}"
        );
        // Joon's Approve decides it.
        assert_eq!(click(2_600_456, "2026-11-02T01:00:02Z").await, 200);
        let shown = app.get(&format!("/api/v1/changes/{id}")).await;
        assert_eq!(shown["state"], "approved", "{shown}");
        assert_eq!(shown["decided_by"], "user:joon");
        app.stop().await;
    }
}
