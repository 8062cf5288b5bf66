//! Notification groups, flapping and team channels on a controlled clock: a route's
//! `group_by` holds fires for `group_wait`, tells later joiners after `group_interval`, repeats
//! after `repeat_interval`, and sends resolves at once; an alert that fires and resolves
//! again and again is told once as flapping and then held back until it is steady; a service's
//! team hears of its alerts in its own channel.

use reqwest::StatusCode;
use serde_json::Value;

use crate::alerts::{TOKEN, group, post};
use crate::silences::wait_for_states;
use crate::support::{Destination, TestApp, backends};

fn grouped_config(chat: &Destination) -> String {
    format!(
        r#"
[[integrations]]
name = "prometheus"
kind = "alertmanager"
token = "{TOKEN}"

[[destinations]]
name = "team-chat"
kind = "webhook"
url = "{}"

[[routes]]
match = {{ kind = "alert" }}
to = ["team-chat"]
group_by = ["alertname"]
group_wait = "30s"
group_interval = "5m"
repeat_interval = "4h"
"#,
        chat.url
    )
}

/// One line per notice: a group's (`group N new: instances`) or one alert's (`change instance`).
fn notices(chat: &Destination) -> Vec<String> {
    chat.received()
        .iter()
        .map(|r| describe(&r.json()))
        .collect()
}

fn describe(body: &Value) -> String {
    let payload = &body["data"]["payload"];
    match payload["alerts"].as_array() {
        Some(alerts) => format!(
            "group {} new: {}",
            payload["new"],
            alerts
                .iter()
                .map(|a| a["labels"]["instance"].as_str().unwrap_or("?"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        None => format!(
            "{}{} {}",
            payload["change"].as_str().unwrap_or("?"),
            if payload["started_flapping"] == true {
                " (flapping)"
            } else {
                ""
            },
            payload["alert"]["labels"]["instance"]
                .as_str()
                .unwrap_or("?")
        ),
    }
}

/// Waits until the worker has done all it has due now (so anything it would wrongly send has
/// been sent), then counts the notices.
async fn quiet(app: &TestApp, chat: &Destination, count: usize) {
    app.idle().await;
    assert_eq!(chat.received().len(), count, "{:?}", notices(chat));
}

/// Waits until the worker has done all it has due now (so anything it would wrongly send has
/// been sent), then checks the notices.
async fn settled(app: &TestApp, chat: &Destination, expected: &[&str]) {
    app.idle().await;
    assert_eq!(notices(chat), expected);
}

#[tokio::test]
async fn groups_wait_batch_repeat_and_resolve_at_once() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &grouped_config(&chat)).await;

        // api-1 opens the group; api-2 joins within the group wait.
        assert_eq!(
            post(&app, &group(&[("f-1", "api-1", "firing")])).await,
            StatusCode::ACCEPTED
        );
        wait_for_states(&app, &["api-1 firing"]).await;
        app.advance(10);
        assert_eq!(
            post(&app, &group(&[("f-2", "api-2", "firing")])).await,
            StatusCode::ACCEPTED
        );
        wait_for_states(&app, &["api-1 firing", "api-2 firing"]).await;
        settled(&app, &chat, &[]).await;

        // 30 s after the first fire: one notice for both.
        app.advance(20);
        chat.wait_for(1).await;
        settled(&app, &chat, &["group 2 new: api-1 api-2"]).await;
        let first = chat.received()[0].json();
        assert_eq!(first["data"]["kind"], "alert_group");
        assert_eq!(
            first["data"]["payload"]["labels"]["alertname"],
            "HighLatency"
        );

        // api-3 joins a minute later: told at the group interval, 5 min after the last notice.
        app.advance(60);
        assert_eq!(
            post(&app, &group(&[("f-3", "api-3", "firing")])).await,
            StatusCode::ACCEPTED
        );
        wait_for_states(&app, &["api-1 firing", "api-2 firing", "api-3 firing"]).await;
        app.advance(180);
        settled(&app, &chat, &["group 2 new: api-1 api-2"]).await;
        app.advance(60);
        chat.wait_for(2).await;
        settled(
            &app,
            &chat,
            &["group 2 new: api-1 api-2", "group 1 new: api-3 api-1 api-2"],
        )
        .await;

        // A resolve is told at once, not at the next flush.
        assert_eq!(
            post(&app, &group(&[("f-1", "api-1", "resolved")])).await,
            StatusCode::ACCEPTED
        );
        chat.wait_for(3).await;
        assert_eq!(notices(&chat)[2], "resolved api-1");

        // Nothing new for the repeat interval: the group is told again, still firing.
        app.advance(4 * 3600);
        chat.wait_for(4).await;
        assert_eq!(notices(&chat)[3], "group 0 new: api-2 api-3");

        // An alert that resolves within its group's wait is never told at all.
        let other = group(&[("f-x", "db-1", "firing")]).replace("HighLatency", "DiskFull");
        assert_eq!(post(&app, &other).await, StatusCode::ACCEPTED);
        wait_for_states(
            &app,
            &[
                "api-1 resolved",
                "api-2 firing",
                "api-3 firing",
                "db-1 firing",
            ],
        )
        .await;
        app.advance(5);
        let resolved = group(&[("f-x", "db-1", "resolved")]).replace("HighLatency", "DiskFull");
        assert_eq!(post(&app, &resolved).await, StatusCode::ACCEPTED);
        wait_for_states(
            &app,
            &[
                "api-1 resolved",
                "api-2 firing",
                "api-3 firing",
                "db-1 resolved",
            ],
        )
        .await;
        app.advance(60);
        quiet(&app, &chat, 4).await;
        app.stop().await;
    }
}

#[tokio::test]
async fn a_flapping_alert_is_told_once_then_held_until_steady() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &crate::alerts::config(&chat)).await;
        let firing = group(&[("f-1", "api-1", "firing")]);
        let resolved = group(&[("f-1", "api-1", "resolved")]);

        // Fire, resolve, fire, resolve: each told. The third fire within the hour flaps.
        for (step, body) in [&firing, &resolved, &firing, &resolved, &firing]
            .into_iter()
            .enumerate()
        {
            assert_eq!(post(&app, body).await, StatusCode::ACCEPTED);
            chat.wait_for(step + 1).await;
            app.advance(60);
        }
        settled(
            &app,
            &chat,
            &[
                "fired api-1",
                "resolved api-1",
                "fired api-1",
                "resolved api-1",
                "fired (flapping) api-1",
            ],
        )
        .await;
        let flapping = &app.get("/api/v1/alerts").await["items"][0];
        assert!(flapping["flapping_since"].is_string(), "{flapping}");

        // Its next turns are recorded, not told.
        for (body, state) in [
            (&resolved, "api-1 resolved"),
            (&firing, "api-1 firing"),
            (&resolved, "api-1 resolved"),
        ] {
            assert_eq!(post(&app, body).await, StatusCode::ACCEPTED);
            wait_for_states(&app, &[state]).await;
            app.advance(60);
        }
        quiet(&app, &chat, 5).await;

        // The first settle check (an hour after it started flapping) finds it changed since.
        app.advance(3600 - 4 * 60);
        quiet(&app, &chat, 5).await;
        // An hour after its last change it is steady, resolved, and that is told.
        app.advance(3 * 60);
        chat.wait_for(6).await;
        assert_eq!(notices(&chat)[5], "resolved api-1");
        let alert = &app.get("/api/v1/alerts").await["items"][0];
        assert!(alert["flapping_since"].is_null(), "{alert}");
        let detail = app
            .get(&format!("/api/v1/alerts/{}", alert["id"].as_str().unwrap()))
            .await;
        let changes: Vec<&str> = detail["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["change"].as_str().unwrap())
            .collect();
        assert_eq!(
            changes,
            [
                "fired", "resolved", "fired", "resolved", "fired", "flapping", "resolved", "fired",
                "resolved", "steady"
            ]
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_services_team_hears_of_its_alerts_in_its_channel() {
    for backend in backends() {
        let chat = Destination::start().await;
        let team = Destination::start().await;
        let config = format!(
            r#"{}
[[destinations]]
name = "cloud-chat"
kind = "webhook"
url = "{}"

[[teams]]
id = "cloud"
channel = "cloud-chat"
page_budget_per_week = 3

[[services]]
id = "api"
team = "cloud"
repos = ["acme/api"]
alerts = ['{{instance=~"api-.*"}}']
"#,
            crate::alerts::config(&chat),
            team.url
        );
        let app = TestApp::spawn(backend, &config).await;
        // api-1 belongs to "api" by the service's matchers; db-1 to the integration's default.
        let body = group(&[("f-a", "api-1", "firing"), ("f-d", "db-1", "firing")]);
        assert_eq!(post(&app, &body).await, StatusCode::ACCEPTED);
        chat.wait_for(2).await;
        team.wait_for(1).await;
        app.idle().await;
        assert_eq!(notices(&team), ["fired api-1"]);
        let mut services: Vec<String> = app.get("/api/v1/alerts").await["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                format!(
                    "{} {}",
                    a["labels"]["instance"].as_str().unwrap(),
                    a["service"].as_str().unwrap()
                )
            })
            .collect();
        services.sort();
        assert_eq!(services, ["api-1 api", "db-1 platform"]);

        // Info alerts go only where routes send them.
        let info = group(&[("f-i", "api-9", "firing")]).replace("critical", "info");
        assert_eq!(post(&app, &info).await, StatusCode::ACCEPTED);
        chat.wait_for(3).await;
        app.idle().await;
        assert_eq!(team.received().len(), 1);
        app.stop().await;
    }
}

/// A route's grouping taken out by a config reload: the group it made is dropped, not told
/// once more at its flush; alerts after the reload follow the new route.
#[tokio::test]
async fn a_group_whose_route_changed_is_dropped_not_told() {
    for backend in backends() {
        let chat = Destination::start().await;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("firewatch.toml");
        let grouped = grouped_config(&chat);
        std::fs::write(&file, &grouped).unwrap();
        let app = TestApp::spawn_with(backend, &grouped, Some(file.clone())).await;
        assert_eq!(
            post(&app, &group(&[("f-1", "api-1", "firing")])).await,
            StatusCode::ACCEPTED
        );
        wait_for_states(&app, &["api-1 firing"]).await;

        // Within the group wait, the route stops grouping: every alert is told at once.
        let ungrouped = grouped
            .lines()
            .filter(|line| !line.starts_with("group_") && !line.starts_with("repeat_"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(!ungrouped.contains("group_by"), "{ungrouped}");
        std::fs::write(&file, &ungrouped).unwrap();
        app.app
            .as_ref()
            .unwrap()
            .reload_config()
            .await
            .expect("config reloads");

        // The old group's flush comes and goes without a notice, and so does its repeat.
        app.advance(30);
        quiet(&app, &chat, 0).await;
        app.advance(4 * 3600);
        quiet(&app, &chat, 0).await;

        // A new alert follows the new route.
        assert_eq!(
            post(&app, &group(&[("f-2", "api-2", "firing")])).await,
            StatusCode::ACCEPTED
        );
        chat.wait_for(1).await;
        settled(&app, &chat, &["fired api-2"]).await;
        app.stop().await;
    }
}
