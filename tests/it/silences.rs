//! Silences and maintenance windows on a controlled clock: a silence mutes the alerts its
//! matchers cover (recorded as `silenced`, not notified) and its end fires those still firing;
//! a recurring maintenance window for a service mutes and releases on its schedule, in its
//! time zone; bad requests are refused with a sentence and store nothing.

use std::time::Duration;

use firewatch::core::scope::Scope;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::alerts::{config, group, post, titles};
use crate::support::{Destination, TestApp, backends};

async fn create(app: &TestApp, body: Value) -> Value {
    let (status, answer) = app
        .api_json(Method::POST, "/api/v1/silences", &app.admin_token, &body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer
}

async fn alert_states(app: &TestApp) -> Vec<String> {
    let page = app.get("/api/v1/alerts").await;
    let mut states: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                a["labels"]["instance"].as_str().unwrap(),
                a["state"].as_str().unwrap()
            )
        })
        .collect();
    states.sort();
    states
}

/// Waits until the alerts are in these states (the silence check runs as a background job).
pub async fn wait_for_states(app: &TestApp, expected: &[&str]) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let states = alert_states(app).await;
        if states == expected {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "alerts are {states:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_silence_mutes_what_it_matches_until_it_ends() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        let silence = create(
            &app,
            json!({
                "matchers": [
                    {"name": "alertname", "value": "HighLatency", "isRegex": false, "isEqual": true},
                    {"name": "instance", "value": "api-.*", "isRegex": true}
                ],
                "duration": "1h",
                "createdBy": "ana",
                "comment": "deploying the new load balancer"
            }),
        )
        .await;
        assert_eq!(silence["status"], "active");
        assert_eq!(silence["kind"], "silence");
        assert_eq!(
            silence["matchers_text"],
            r#"{alertname="HighLatency", instance=~"api-.*"}"#
        );

        let body = group(&[("f-a", "api-1", "firing"), ("f-d", "db-1", "firing")]);
        assert_eq!(post(&app, &body).await, StatusCode::ACCEPTED);
        chat.wait_for(1).await;
        wait_for_states(&app, &["api-1 silenced", "db-1 firing"]).await;
        let alerts = app.get("/api/v1/alerts?state=silenced").await;
        assert_eq!(alerts["items"][0]["silenced_by"], silence["id"]);
        // Re-sends while silenced stay quiet.
        assert_eq!(post(&app, &body).await, StatusCode::ACCEPTED);

        // An hour later the silence is over and api-1, still firing, is told at last.
        app.advance(3600);
        chat.wait_for(2).await;
        wait_for_states(&app, &["api-1 firing", "db-1 firing"]).await;
        app.idle().await;
        assert_eq!(titles(&chat), ["fired db-1", "fired api-1"]);
        let listed = app.get("/api/v1/silences").await;
        assert_eq!(
            listed["items"].as_array().unwrap().len(),
            0,
            "expired ones are hidden"
        );
        let all = app.get("/api/v1/silences?status=all").await;
        assert_eq!(all["items"][0]["status"], "expired");

        let detail = app
            .get(&format!(
                "/api/v1/alerts/{}",
                app.get("/api/v1/alerts?state=firing").await["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|a| a["labels"]["instance"] == "api-1")
                    .unwrap()["id"]
                    .as_str()
                    .unwrap()
            ))
            .await;
        let changes: Vec<&str> = detail["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["change"].as_str().unwrap())
            .collect();
        assert_eq!(changes, ["silenced", "fired"]);
        app.stop().await;
    }
}

#[tokio::test]
async fn expiring_by_hand_takes_effect_at_once_and_a_new_silence_mutes_what_fires() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        // Firing first, and told.
        let body = group(&[("f-a", "api-1", "firing"), ("f-b", "api-2", "firing")]);
        assert_eq!(post(&app, &body).await, StatusCode::ACCEPTED);
        chat.wait_for(2).await;
        // A silence created now mutes them without waiting for a re-send.
        let silence = create(
            &app,
            json!({"matchers": "alertname=HighLatency", "duration": "2h", "comment": "known, fixing"}),
        )
        .await;
        wait_for_states(&app, &["api-1 silenced", "api-2 silenced"]).await;
        // One resolves while silenced: it was told as firing, so its resolve is told too.
        let resolved = group(&[("f-a", "api-1", "resolved"), ("f-b", "api-2", "firing")]);
        assert_eq!(post(&app, &resolved).await, StatusCode::ACCEPTED);
        chat.wait_for(3).await;
        // Expiring by hand releases the other at once, without moving the clock.
        let path = format!("/api/v1/silences/{}", silence["id"].as_str().unwrap());
        let (status, answer) = app.api(Method::DELETE, &path, Some(&app.admin_token)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["status"], "expired");
        chat.wait_for(4).await;
        wait_for_states(&app, &["api-1 resolved", "api-2 firing"]).await;
        let (status, answer) = app.api(Method::DELETE, &path, Some(&app.admin_token)).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(answer["error"]["code"], "silence_expired");
        app.idle().await;
        let mut told = titles(&chat);
        told[..2].sort();
        assert_eq!(
            told,
            [
                "fired api-1",
                "fired api-2",
                "resolved api-1",
                "fired api-2"
            ]
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn an_alert_silenced_from_the_start_resolves_without_a_word() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        create(
            &app,
            json!({"matchers": "instance=\"api-1\"", "duration": "1h", "comment": "noisy host"}),
        )
        .await;
        assert_eq!(
            post(&app, &group(&[("f-a", "api-1", "firing")])).await,
            StatusCode::ACCEPTED
        );
        wait_for_states(&app, &["api-1 silenced"]).await;
        assert_eq!(
            post(&app, &group(&[("f-a", "api-1", "resolved")])).await,
            StatusCode::ACCEPTED
        );
        wait_for_states(&app, &["api-1 resolved"]).await;
        app.advance(7200);
        // A later, unrelated alert is told; nothing about api-1 ever was.
        assert_eq!(
            post(&app, &group(&[("f-z", "api-9", "firing")])).await,
            StatusCode::ACCEPTED
        );
        chat.wait_for(1).await;
        app.idle().await;
        assert_eq!(titles(&chat), ["fired api-9"]);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_weekly_maintenance_window_mutes_its_service_on_schedule() {
    for backend in backends() {
        let chat = Destination::start().await;
        // Sunday 22 November 2026, 01:30 in Berlin (00:30 UTC).
        let start: jiff::Timestamp = "2026-11-22T00:30:00Z".parse().unwrap();
        let app = TestApp::spawn_at(backend, &config(&chat), start).await;
        let window = create(
            &app,
            json!({
                "kind": "maintenance",
                "service": "platform",
                "cron": "0 2 * * sun",
                "duration": "2h",
                "timezone": "Europe/Berlin",
                "comment": "weekly database patching"
            }),
        )
        .await;
        assert_eq!(window["status"], "pending");
        assert_eq!(window["starts_at"], "2026-11-22T01:00:00Z");
        assert_eq!(window["ends_at"], "2026-11-22T03:00:00Z");

        // 01:30: before the window, an alert of the service (its integration's default) is told.
        assert_eq!(
            post(&app, &group(&[("f-a", "api-1", "firing")])).await,
            StatusCode::ACCEPTED
        );
        chat.wait_for(1).await;
        // 02:00 Berlin: the window opens and mutes it.
        app.advance(30 * 60);
        wait_for_states(&app, &["api-1 silenced"]).await;
        // 02:30: a new alert during the window is silenced from the start.
        app.advance(30 * 60);
        let both = group(&[("f-a", "api-1", "firing"), ("f-b", "api-2", "firing")]);
        assert_eq!(post(&app, &both).await, StatusCode::ACCEPTED);
        wait_for_states(&app, &["api-1 silenced", "api-2 silenced"]).await;
        // 04:00: the window closes; both still fire and are told.
        app.advance(90 * 60);
        chat.wait_for(3).await;
        wait_for_states(&app, &["api-1 firing", "api-2 firing"]).await;
        // They resolve; a week later, the window opens again for new trouble.
        let resolved = group(&[("f-a", "api-1", "resolved"), ("f-b", "api-2", "resolved")]);
        assert_eq!(post(&app, &resolved).await, StatusCode::ACCEPTED);
        chat.wait_for(5).await;
        app.advance(7 * 24 * 3600 - 2 * 3600 + 60);
        assert_eq!(
            post(&app, &group(&[("f-a", "api-1", "firing")])).await,
            StatusCode::ACCEPTED
        );
        wait_for_states(&app, &["api-1 silenced", "api-2 resolved"]).await;
        let listed = app.get("/api/v1/silences?kind=maintenance").await;
        assert_eq!(listed["items"][0]["status"], "active");
        app.idle().await;
        let mut told = titles(&chat);
        told[1..3].sort();
        told[3..5].sort();
        assert_eq!(
            told,
            [
                "fired api-1",
                "fired api-1",
                "fired api-2",
                "resolved api-1",
                "resolved api-2"
            ]
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_silences_are_refused_with_a_reason() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        for (body, words) in [
            (
                json!({"duration": "1h", "comment": "x"}),
                "at least one matcher",
            ),
            (
                json!({"matchers": "instance=~\"(api\"", "duration": "1h", "comment": "x"}),
                "regex",
            ),
            (json!({"matchers": "a=b", "duration": "1h"}), "comment"),
            (
                json!({"matchers": "a=b", "comment": "x"}),
                "endsAt or a duration",
            ),
            (
                json!({"matchers": "a=b", "duration": "soon", "comment": "x"}),
                "duration",
            ),
            (
                json!({"matchers": "a=b", "cron": "0 2 * * sun", "duration": "2h", "comment": "x"}),
                "only a maintenance window",
            ),
            (
                json!({"kind": "maintenance", "cron": "0 2 * * sun", "duration": "2h", "comment": "x"}),
                "service",
            ),
            (
                json!({"service": "api", "cron": "0 2 * * sun", "duration": "2h", "timezone": "Mars/Olympus", "comment": "x"}),
                "time zone",
            ),
            (
                json!({"matchers": "a=b", "endsAt": "2020-01-01T00:00:00Z", "comment": "x"}),
                "already past",
            ),
        ] {
            let (status, answer) = app
                .api_json(Method::POST, "/api/v1/silences", &app.admin_token, &body)
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
            let message = answer["error"]["message"].as_str().unwrap();
            assert!(message.contains(words), "{body}: {message}");
        }
        let reader = app.token(&[Scope::AlertsRead]).await;
        let (status, _) = app
            .api_json(
                Method::POST,
                "/api/v1/silences",
                &reader,
                &json!({"matchers": "a=b", "duration": "1h", "comment": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let all = app.get("/api/v1/silences?status=all").await;
        assert_eq!(all["items"].as_array().unwrap().len(), 0, "nothing stored");
        app.stop().await;
    }
}

/// The client commands a responder types at 3 a.m.: list alerts, silence one, acknowledge and
/// resolve another, list and expire the silence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_lists_silences_acknowledges_and_resolves() {
    for backend in backends() {
        use crate::cli::client;
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        let token = app.token(&[Scope::AlertsRead, Scope::AlertsWrite]).await;
        let body = group(&[("f-a", "api-1", "firing"), ("f-b", "db-1", "firing")]);
        assert_eq!(post(&app, &body).await, StatusCode::ACCEPTED);
        chat.wait_for(2).await;

        let output = client(&["alert", "list"], &app.url, &token).await;
        assert!(output.status.success(), "{output:?}");
        let listed = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(listed.contains("p99 above 500 ms on db-1"), "{listed}");
        assert_eq!(
            listed.lines().count(),
            3,
            "a header and two alerts: {listed}"
        );

        let output = client(
            &[
                "silence",
                "add",
                "instance=db-1",
                "--duration",
                "30m",
                "--comment",
                "db failover drill",
            ],
            &app.url,
            &token,
        )
        .await;
        assert!(output.status.success(), "{output:?}");
        let created = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(created.contains(r#"{instance="db-1"}"#), "{created}");
        let silence_id = created.split_whitespace().next().unwrap().to_owned();
        wait_for_states(&app, &["api-1 firing", "db-1 silenced"]).await;

        let alerts = app.get("/api/v1/alerts?state=firing").await;
        let api1 = alerts["items"][0]["id"].as_str().unwrap().to_owned();
        let output = client(&["alert", "ack", &api1], &app.url, &token).await;
        assert!(output.status.success(), "{output:?}");
        assert!(String::from_utf8_lossy(&output.stdout).starts_with("acknowledged "));
        let output = client(&["alert", "ack", &api1], &app.url, &token).await;
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("alert_state"));
        let output = client(&["alert", "resolve", &api1], &app.url, &token).await;
        assert!(output.status.success(), "{output:?}");

        let output = client(&["silence", "list"], &app.url, &token).await;
        let listed = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            listed.contains(&silence_id) && listed.contains("db failover drill"),
            "{listed}"
        );
        let output = client(&["silence", "expire", &silence_id], &app.url, &token).await;
        assert!(output.status.success(), "{output:?}");
        wait_for_states(&app, &["api-1 resolved", "db-1 firing"]).await;
        let output = client(&["silence", "add", "--comment", "x"], &app.url, &token).await;
        assert!(!output.status.success());
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("at least one matcher"),
            "{output:?}"
        );
        app.stop().await;
    }
}
