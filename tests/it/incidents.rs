//! Incidents through the API on a controlled clock: declare, move through the lifecycle (the
//! moves that make no sense refused with 409 and a sentence), acknowledge and resolve filling
//! the key times, edits kept in order, notes, and one timeline in order with its actors.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, backends};

const CONFIG: &str = r#"
[[people]]
id = "andrew"
name = "Andrew"

[[teams]]
id = "cloud"

[[services]]
id = "api"
team = "cloud"
"#;

pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    match body {
        Some(body) => app.api_json(method, path, &app.admin_token, &body).await,
        None => app.api(method, path, Some(&app.admin_token)).await,
    }
}

#[tokio::test]
async fn an_incident_moves_through_its_lifecycle_with_key_times_in_order_and_one_timeline() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let (status, incident) = call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            Some(json!({"title": "Checkout fails for EU customers", "severity": "SEV2", "services": ["api"], "customer_impact": "EU checkouts fail"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{incident}");
        assert_eq!(incident["state"], "triage");
        assert_eq!(incident["severity"], "SEV2");
        assert_eq!(incident["priority"], "P2", "from the severity");
        assert_eq!(incident["services"], json!(["api"]));
        assert_eq!(incident["times"]["detected"], "2026-11-02T01:00:00Z");
        assert_eq!(incident["number"], 1);
        assert!(incident["url"].as_str().unwrap().ends_with("/incidents/1"));
        let id = incident["id"].as_str().unwrap().to_owned();

        // Refused moves say why, and change nothing.
        let (status, refused) = call(
            &app,
            Method::PATCH,
            &format!("/api/v1/incidents/{id}"),
            Some(json!({"state": "closed"})),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(refused["error"]["code"], "invalid_transition");
        assert_eq!(
            refused["error"]["message"],
            "an incident cannot go from triage to closed; from triage it can go to active, mitigated, resolved, declined, merged"
        );

        app.advance(120);
        let (status, acknowledged) =
            call(&app, Method::POST, "/api/v1/incidents/1/acknowledge", None).await;
        assert_eq!(status, StatusCode::OK, "{acknowledged}");
        assert_eq!(acknowledged["state"], "active");
        assert_eq!(
            acknowledged["times"]["acknowledged"],
            "2026-11-02T01:02:00Z"
        );
        let (status, again) =
            call(&app, Method::POST, "/api/v1/incidents/1/acknowledge", None).await;
        assert_eq!(status, StatusCode::CONFLICT, "{again}");

        // An edit that breaks the order is refused with a message; one that keeps it is taken.
        let (status, out_of_order) = call(
            &app,
            Method::PATCH,
            &format!("/api/v1/incidents/{id}"),
            Some(json!({"times": {"impact_started": "2026-11-02T01:05:00Z"}})),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(out_of_order["error"]["code"], "times_out_of_order");
        let (status, edited) = call(
            &app,
            Method::PATCH,
            &format!("/api/v1/incidents/{id}"),
            Some(json!({"times": {"impact_started": "2026-11-02T00:40:00Z"}, "severity": "SEV1"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{edited}");
        assert_eq!(edited["times"]["impact_started"], "2026-11-02T00:40:00Z");
        assert_eq!(edited["severity"], "SEV1");

        let (status, _) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/notes"),
            Some(json!({"text": "rolled back v1.4.2", "starred": true})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        app.advance(600);
        let (_, mitigated) = call(
            &app,
            Method::PATCH,
            &format!("/api/v1/incidents/{id}"),
            Some(json!({"state": "mitigated"})),
        )
        .await;
        assert_eq!(mitigated["times"]["mitigated"], "2026-11-02T01:12:00Z");
        app.advance(600);
        let (status, resolved) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/resolve"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{resolved}");
        assert_eq!(resolved["state"], "resolved");
        assert_eq!(
            resolved["times"]["mitigated"], "2026-11-02T01:12:00Z",
            "kept"
        );
        assert_eq!(resolved["times"]["resolved"], "2026-11-02T01:22:00Z");

        let listed = app.get("/api/v1/incidents").await;
        assert_eq!(
            listed["items"].as_array().unwrap().len(),
            0,
            "resolved is not open"
        );
        let all = app.get("/api/v1/incidents?state=all").await;
        assert_eq!(all["items"][0]["id"], id.as_str());

        let timeline = app.get(&format!("/api/v1/incidents/{id}/timeline")).await;
        let lines: Vec<String> = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| {
                format!(
                    "{} {}{}: {}",
                    entry["kind"].as_str().unwrap(),
                    entry["actor"].as_str().unwrap_or("-"),
                    if entry["starred"] == true { " ★" } else { "" },
                    entry["text"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                "state api:test-admin: Declared as SEV2 P2: Checkout fails for EU customers",
                "state api:test-admin: triage → active",
                "acknowledged api:test-admin: Acknowledged by api:test-admin",
                "edit api:test-admin: Severity SEV2 → SEV1",
                "edit api:test-admin: Key time impact started set to 2026-11-02T00:40:00Z",
                "note api:test-admin ★: rolled back v1.4.2",
                "state api:test-admin: active → mitigated",
                "state api:test-admin: mitigated → resolved",
            ]
        );

        // Bad requests: an unknown service, a bad severity, an unknown incident.
        for (body, code) in [
            (
                json!({"title": "x", "severity": "SEV2", "services": ["nope"]}),
                400,
            ),
            (json!({"title": "x", "severity": "SEV9"}), 400),
            (json!({"title": "  ", "severity": "SEV3"}), 400),
        ] {
            let (status, answer) =
                call(&app, Method::POST, "/api/v1/incidents", Some(body.clone())).await;
            assert_eq!(status.as_u16(), code, "{body}: {answer}");
        }
        let (status, _) = call(&app, Method::GET, "/api/v1/incidents/999", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let reader = app
            .token(&[firewatch::core::scope::Scope::IncidentsRead])
            .await;
        let (status, _) = app
            .api_json(
                Method::POST,
                "/api/v1/incidents",
                &reader,
                &json!({"title": "x", "severity": "SEV3"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.stop().await;
    }
}

#[tokio::test]
async fn status_updates_move_the_incident_and_the_cli_carries_it_through() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let run =
            |args: &'static [&'static str]| crate::cli::client(args, &app.url, &app.admin_token);
        let declared = run(&[
            "incident",
            "declare",
            "Search is slow",
            "--severity",
            "SEV3",
            "--service",
            "api",
        ])
        .await;
        assert!(
            declared.status.success(),
            "{}",
            String::from_utf8_lossy(&declared.stderr)
        );
        let out = String::from_utf8_lossy(&declared.stdout).into_owned();
        assert!(
            out.starts_with("#1 SEV3 P3 triage: Search is slow"),
            "{out}"
        );

        let acked = run(&["incident", "ack", "1"]).await;
        assert!(String::from_utf8_lossy(&acked.stdout).contains("active"));
        // "monitoring" means the fix is in: the incident is mitigated.
        let updated = run(&[
            "incident",
            "update",
            "1",
            "--status",
            "monitoring",
            "Index rebuilt; watching latency",
            "--public",
        ])
        .await;
        assert!(
            updated.status.success(),
            "{}",
            String::from_utf8_lossy(&updated.stderr)
        );
        assert!(String::from_utf8_lossy(&updated.stdout).contains("mitigated"));
        let (status, bad) = app
            .api_json(
                Method::POST,
                "/api/v1/incidents/1/updates",
                &app.admin_token,
                &json!({"status": "fixed", "message": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");

        let listed = run(&["incident", "list"]).await;
        let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
        let mut lines = listed.lines();
        let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        assert_eq!(
            header,
            [
                "#",
                "SEV",
                "PRI",
                "STATE",
                "SERVICES",
                "COMMANDER",
                "DECLARED",
                "TITLE"
            ]
        );
        let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        assert_eq!(
            row[..6],
            ["#1", "SEV3", "P3", "mitigated", "api", "-"],
            "{listed}"
        );
        let resolved = run(&["incident", "resolve", "1"]).await;
        assert!(String::from_utf8_lossy(&resolved.stdout).contains("resolved"));
        let refused = run(&["incident", "ack", "1"]).await;
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("already acknowledged"));
        let handed = run(&["incident", "role", "1", "commander", "andrew"]).await;
        assert!(
            handed.status.success(),
            "{}",
            String::from_utf8_lossy(&handed.stderr)
        );
        let noted = run(&["incident", "note", "1", "Index was 3 days stale", "--star"]).await;
        assert!(noted.status.success());
        let shown = run(&["incident", "show", "1"]).await;
        let shown = String::from_utf8_lossy(&shown.stdout).into_owned();
        assert!(shown.contains("commander: andrew"), "{shown}");
        assert!(shown.contains("★ Index was 3 days stale"), "{shown}");

        let timeline = app.get("/api/v1/incidents/1/timeline").await;
        let kinds: Vec<&str> = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "state",
                "state",
                "acknowledged",
                "update",
                "state",
                "state",
                "role",
                "note"
            ]
        );
        assert_eq!(
            timeline["items"][3]["text"],
            "monitoring (public): Index rebuilt; watching latency"
        );
        app.stop().await;
    }
}

use crate::oncall::{Phones, alert_ids, fire, link_path, storm};

/// The on-call config with only the webhook contact for Andrew, and `extra` after the `api`
/// service's keys.
pub fn paging_config(phones: &Phones, extra: &str) -> String {
    crate::oncall::config(phones, "schedule:cloud-primary", extra).replace(
        r#"notify = [ { after = "0m", contact = "phone" }, { after = "0m", contact = "push" }, { after = "5m", contact = "sms" } ]"#,
        r#"notify = [ { after = "0m", contact = "phone" } ]"#,
    )
}

fn kinds_and_texts(timeline: &Value) -> Vec<(String, String)> {
    timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["kind"].as_str().unwrap().to_owned(),
                item["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The incident notices a webhook destination got, as (incident id, what was told).
fn told(destination: &crate::support::Destination) -> Vec<(String, String)> {
    destination
        .received()
        .iter()
        .map(|r| r.json())
        .filter(|body| body["data"]["kind"] == "incident")
        .map(|body| {
            (
                body["data"]["payload"]["incident_id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                body["data"]["payload"]["told"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_storm_of_critical_alerts_opens_one_incident_with_every_alert_on_its_timeline() {
    for backend in backends() {
        let phones = Phones::start().await;
        let app = TestApp::spawn(
            backend,
            &paging_config(&phones, "declare_incident = \"critical\""),
        )
        .await;
        fire(&app, &storm("HighErrorRate", 50, "firing")).await;
        let page = phones.andrew.wait_for(1).await[0].json();
        app.idle().await;
        let listed = app.get("/api/v1/incidents").await;
        let items = listed["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "one group, one incident: {listed}");
        let incident = items[0].clone();
        let id = incident["id"].as_str().unwrap();
        assert_eq!(incident["state"], "triage");
        assert_eq!(incident["severity"], "SEV2", "[incidents] auto_severity");
        assert_eq!(incident["priority"], "P2");
        assert_eq!(incident["services"], json!(["api"]));
        assert_eq!(incident["title"], "HighErrorRate on api-0");
        assert_eq!(
            incident["times"]["impact_started"], "2026-11-02T00:59:00Z",
            "from the alert's startsAt"
        );
        assert_eq!(incident["times"]["detected"], "2026-11-02T01:00:00Z");
        // The alert already pages: the incident takes its escalation instead of paging again.
        assert_eq!(page["data"]["incident_id"], id, "{page}");
        assert_eq!(phones.andrew.received().len(), 1);
        let timeline = app.get(&format!("/api/v1/incidents/{id}/timeline")).await;
        let entries = kinds_and_texts(&timeline);
        let fired = entries
            .iter()
            .filter(|(kind, text)| kind == "alert" && text.starts_with("Alert fired"))
            .count();
        assert_eq!(fired, 50, "{entries:?}");
        assert!(
            entries.iter().any(|(kind, text)| kind == "page"
                && text == "Page to andrew by webhook (phone) delivered"),
            "{entries:?}"
        );
        assert!(
            entries
                .iter()
                .any(|(kind, text)| kind == "escalated" && text.contains("paged")),
            "{entries:?}"
        );
        let alert = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["kind"] == "alert")
            .unwrap()
            .clone();
        assert!(alert["link"].as_str().unwrap().starts_with("/alerts/"));

        // Five more of the group within the window join it; another group opens its own.
        fire(&app, &storm("HighErrorRate", 55, "firing")).await;
        fire(&app, &storm("DiskFull", 1, "firing")).await;
        app.idle().await;
        let listed = app.get("/api/v1/incidents").await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 2, "{listed}");
        let detail = app.get(&format!("/api/v1/incidents/{id}")).await;
        assert_eq!(detail["alerts"].as_array().unwrap().len(), 55);
        let second = listed["items"][0]["id"].as_str().unwrap();
        assert_ne!(second, id);
        let earlier = app.get(&format!("/api/v1/incidents/{second}")).await;
        assert_eq!(
            earlier["earlier"][0]["id"], id,
            "the same service: {earlier}"
        );

        // The page's link acknowledges the incident as well as the escalation.
        let confirmed = app
            .http
            .post(format!("{}{}", app.url, link_path(&page)))
            .form(&[("action", "acknowledge")])
            .send()
            .await
            .unwrap();
        assert_eq!(confirmed.status(), StatusCode::OK);
        let acknowledged = app.get(&format!("/api/v1/incidents/{id}")).await;
        assert_eq!(acknowledged["state"], "active");
        assert_eq!(
            acknowledged["times"]["acknowledged"],
            "2026-11-02T01:00:00Z"
        );

        // Past the join window, a new alert of the same group opens a new incident.
        app.advance(3 * 3600);
        fire(&app, &storm("HighErrorRate", 56, "firing")).await;
        app.idle().await;
        let listed = app.get("/api/v1/incidents").await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 3, "{listed}");
        assert_eq!(alert_ids(&app).await.len(), 57);
        app.stop().await;
    }
}

#[tokio::test]
async fn declaring_pages_through_the_services_policy_and_acknowledging_the_incident_stops_it() {
    for backend in backends() {
        let phones = Phones::start().await;
        let app = TestApp::spawn(backend, &paging_config(&phones, "")).await;
        let (status, incident) = call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            Some(json!({"title": "Checkout fails", "severity": "SEV1", "services": ["api"]})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{incident}");
        let id = incident["id"].as_str().unwrap().to_owned();
        let page = phones.andrew.wait_for(1).await[0].json();
        assert_eq!(page["data"]["incident_id"], id.as_str(), "{page}");
        assert_eq!(page["data"]["summary"], "Checkout fails");
        assert_eq!(page["data"]["severity"], "critical", "SEV1 rings");
        app.idle().await;
        assert_eq!(told(&phones.team), [(id.clone(), "declared".to_owned())]);
        let pages = app.get(&format!("/api/v1/pages?incident={id}")).await;
        assert_eq!(pages["items"].as_array().unwrap().len(), 1, "{pages}");

        let (status, acknowledged) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/acknowledge"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{acknowledged}");
        // The second step's time passes: nobody more is paged.
        app.advance(600);
        app.idle().await;
        assert_eq!(phones.gyeongjun.received().len(), 0);
        assert_eq!(phones.andrew.received().len(), 1);

        let (status, resolved) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/resolve"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{resolved}");
        app.idle().await;
        assert_eq!(
            told(&phones.team),
            [
                (id.clone(), "declared".to_owned()),
                (id.clone(), "resolved".to_owned())
            ]
        );
        let timeline = app.get(&format!("/api/v1/incidents/{id}/timeline")).await;
        let kinds: Vec<String> = kinds_and_texts(&timeline)
            .into_iter()
            .map(|(kind, _)| kind)
            .collect();
        for kind in ["state", "escalated", "page", "acknowledged"] {
            assert!(kinds.iter().any(|k| k == kind), "{kind}: {kinds:?}");
        }
        // The escalation's acknowledgement is the incident's: said once.
        assert_eq!(
            kinds.iter().filter(|k| *k == "acknowledged").count(),
            1,
            "{kinds:?}"
        );
        let texts: Vec<String> = kinds_and_texts(&timeline)
            .into_iter()
            .map(|(_, text)| text)
            .collect();
        assert!(
            texts.iter().any(|t| t == "Ended: the incident is resolved"),
            "{texts:?}"
        );
        app.stop().await;
    }
}

const COMMUNICATION: &str = r#"
[[destinations]]
name = "team-chat"
kind = "slack"
url = "TEAM"

[[destinations]]
name = "announce"
kind = "webhook"
url = "ANNOUNCE"

[[people]]
id = "andrew"
name = "Andrew"

[[people]]
id = "gyeongjun"
name = "Gyeongjun"
contacts = [ { name = "chat", kind = "chat", destination = "team-chat", mention = "<@U0GYEONGJUN>" } ]

[[teams]]
id = "cloud"
channel = "team-chat"

[[services]]
id = "api"
team = "cloud"

[incidents]
heads_up = ["announce"]
update_every = { P2 = "1h", P3 = "4h" }
"#;

fn slack_texts(chat: &crate::support::Destination) -> Vec<String> {
    chat.received()
        .iter()
        .map(|r| r.json()["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn updates_are_told_commanders_reminded_at_the_prioritys_interval_and_heads_up_is_for_sev1_and_sev2()
 {
    for backend in backends() {
        let team = crate::support::Destination::start().await;
        let announce = crate::support::Destination::start().await;
        let config = COMMUNICATION
            .replace("TEAM", &team.url)
            .replace("ANNOUNCE", &announce.url);
        let app = TestApp::spawn(backend, &config).await;
        let declare = |title: &str, severity: &str| json!({"title": title, "severity": severity, "services": ["api"]});
        let (_, minor) = call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            Some(declare("Search is slow", "SEV3")),
        )
        .await;
        let (_, major) = call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            Some(declare("Checkout is down", "SEV2")),
        )
        .await;
        let (minor, major) = (
            minor["id"].as_str().unwrap().to_owned(),
            major["id"].as_str().unwrap().to_owned(),
        );
        app.idle().await;
        assert_eq!(
            told(&announce),
            [(major.clone(), "declared".to_owned())],
            "heads-up for the SEV2 only"
        );
        let texts = slack_texts(&team);
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(
            texts[0].contains("Incident declared: Search is slow"),
            "{texts:?}"
        );
        let declared = team.received()[1].json().to_string();
        assert!(
            declared.contains(&format!("/incidents/{major}")),
            "every message links to the incident: {declared}"
        );

        // Roles, with who held each and when.
        for person in ["andrew", "gyeongjun"] {
            let (status, body) = call(
                &app,
                Method::PUT,
                &format!("/api/v1/incidents/{major}/roles/commander"),
                Some(json!({"person": person})),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            app.advance(60);
        }
        let detail = app.get(&format!("/api/v1/incidents/{major}")).await;
        assert_eq!(detail["roles"]["commander"]["person"], "gyeongjun");
        assert_eq!(detail["roles"]["scribe"], Value::Null);
        let history = detail["role_history"].as_array().unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0]["person"], "andrew");
        assert_eq!(history[0]["until"], "2026-11-02T01:01:00Z");
        assert_eq!(history[1]["until"], Value::Null);
        let (status, refused) = call(
            &app,
            Method::PUT,
            &format!("/api/v1/incidents/{major}/roles/janitor"),
            Some(json!({"person": "andrew"})),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        let (status, refused) = call(
            &app,
            Method::PUT,
            &format!("/api/v1/incidents/{major}/roles/scribe"),
            Some(json!({"person": "nobody"})),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");

        // No update within the hour: the commander is reminded, in their chat's syntax.
        app.advance(3600 - 121);
        app.idle().await;
        assert_eq!(slack_texts(&team).len(), 2);
        app.advance(1);
        team.wait_for(3).await;
        let reminder = team.received()[2].json().to_string();
        assert!(
            reminder.contains("Update due: Checkout is down"),
            "{reminder}"
        );
        assert!(reminder.contains("<@U0GYEONGJUN>"), "{reminder}");
        assert_eq!(told(&announce).len(), 1, "reminders are not broadcast");

        // An update is told everywhere the incident is, and restarts the hour.
        let (status, body) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{major}/updates"),
            Some(json!({"status": "identified", "message": "A bad config push; rolling back", "public": true})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        app.idle().await;
        let texts = slack_texts(&team);
        assert_eq!(texts.len(), 4, "{texts:?}");
        assert!(
            texts[3].contains("Identified: Checkout is down"),
            "{texts:?}"
        );
        assert!(
            team.received()[3]
                .json()
                .to_string()
                .contains("A bad config push; rolling back")
        );
        assert_eq!(told(&announce).len(), 2);
        let detail = app.get(&format!("/api/v1/incidents/{major}")).await;
        assert_eq!(detail["updates"][0]["public"], true);
        assert_eq!(detail["updates"][0]["status"], "identified");
        app.advance(3599);
        app.idle().await;
        assert_eq!(slack_texts(&team).len(), 4, "the update restarted the hour");
        app.advance(1);
        team.wait_for(5).await;

        // The SEV3's reminder comes at four hours, to the team, and no one is mentioned.
        let before = slack_texts(&team).len();
        app.advance(4 * 3600 - (60 * 2 + 3600 - 121 + 1 + 3600));
        app.idle().await;
        let texts = slack_texts(&team);
        let minor_reminders: Vec<&String> = texts[before..]
            .iter()
            .filter(|t| t.contains("Update due: Search is slow"))
            .collect();
        assert_eq!(minor_reminders.len(), 1, "{texts:?}");
        let _ = minor;
        app.stop().await;
    }
}

#[tokio::test]
async fn a_clock_that_jumps_past_two_reminder_timers_reminds_once() {
    for backend in backends() {
        let team = crate::support::Destination::start().await;
        let announce = crate::support::Destination::start().await;
        let config = COMMUNICATION
            .replace("TEAM", &team.url)
            .replace("ANNOUNCE", &announce.url);
        let app = TestApp::spawn(backend, &config).await;
        let (_, incident) = call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            Some(json!({"title": "Checkout is down", "severity": "SEV2", "services": ["api"]})),
        )
        .await;
        let id = incident["id"].as_str().unwrap().to_owned();
        // Declaring set a reminder for the hour; the update nine minutes later set another.
        app.advance(9 * 60);
        let (status, body) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/updates"),
            Some(json!({"status": "identified", "message": "A bad config push"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        app.idle().await;
        // A sleeping laptop, a paused VM: both timers are due at once.
        app.advance(2 * 3600);
        app.idle().await;
        let reminders = |texts: Vec<String>| {
            texts
                .into_iter()
                .filter(|t| t.contains("Update due: Checkout is down"))
                .count()
        };
        assert_eq!(reminders(slack_texts(&team)), 1, "{:?}", slack_texts(&team));
        let timeline = app.get(&format!("/api/v1/incidents/{id}/timeline")).await;
        let reminded: Vec<String> = kinds_and_texts(&timeline)
            .into_iter()
            .filter(|(kind, _)| kind == "reminder")
            .map(|(_, text)| text)
            .collect();
        assert_eq!(reminded, ["No update for 2h: the channels reminded"]);
        // The chain goes on from the reminder: the next one an hour later.
        app.advance(3600);
        app.idle().await;
        assert_eq!(reminders(slack_texts(&team)), 2, "{:?}", slack_texts(&team));
        app.stop().await;
    }
}

const CHANGES: &str = r#"
[[integrations]]
name = "github"
kind = "github"
secret = "github-secret"

[[integrations]]
name = "gitlab"
kind = "gitlab"
token = "gitlab-token"

[[teams]]
id = "cloud"

[[services]]
id = "api"
team = "cloud"
repos = ["acme/api"]

[[services]]
id = "web"
team = "cloud"
repos = ["acme/web"]
"#;

/// A fixture with its JSON changed at `pointer`s, as another delivery of the same sender.
fn edited(text: &str, edits: &[(&str, Value)]) -> String {
    let mut value: Value = serde_json::from_str(text).unwrap();
    for (pointer, new) in edits {
        *value
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer}")) = new.clone();
    }
    value.to_string()
}

#[tokio::test]
async fn what_changed_lists_the_services_merges_deployments_and_default_branch_pushes_closest_first()
 {
    for backend in backends() {
        // A scripted history on the app's clock, from real GitHub and GitLab payloads, before an
        // incident on `api` declared at 2026-11-02T01:00:00Z.
        let start: jiff::Timestamp = "2026-10-03T01:00:00Z".parse().unwrap();
        let app = TestApp::spawn_at(backend, CHANGES, start).await;
        let github = |event: &'static str, body: String, delivery: &'static str| {
            let app = &app;
            async move {
                let (status, answer) =
                    crate::github::deliver(app, event, &body, delivery, "github-secret").await;
                assert!(status.is_success(), "{event}: {answer}");
            }
        };
        let gitlab = |hook: &'static str, body: String, key: &'static str| {
            let app = &app;
            async move {
                let (status, answer) =
                    crate::gitlab::deliver(app, hook, &body, key, "gitlab-token").await;
                assert!(status.is_success(), "{hook}: {answer}");
            }
        };
        let at = |text: &str| -> jiff::Timestamp { text.parse().unwrap() };
        let advance_to = |to: jiff::Timestamp| {
            let seconds = to
                .duration_since(firewatch::clock::Clock::now(&app.clock))
                .as_secs();
            app.advance(seconds);
        };
        // Weeks before: never listed.
        github(
            "pull_request",
            crate::github::fixture("pull_request.closed.merged"),
            "d-old",
        )
        .await;
        advance_to(at("2026-11-01T05:00:00Z"));
        gitlab(
            "Merge Request Hook",
            crate::gitlab::fixture("merge_request.merge"),
            "mr-merge",
        )
        .await;
        advance_to(at("2026-11-01T20:00:00Z"));
        github("push", crate::github::fixture("push.branch"), "d-push-main").await;
        advance_to(at("2026-11-01T22:00:00Z"));
        github(
            "push",
            edited(
                &crate::github::fixture("push.branch"),
                &[("/ref", json!("refs/heads/feature-x"))],
            ),
            "d-push-feature",
        )
        .await;
        advance_to(at("2026-11-01T23:00:00Z"));
        github(
            "pull_request",
            edited(
                &crate::github::fixture("pull_request.closed.merged"),
                &[("/repository/full_name", json!("acme/web"))],
            ),
            "d-web-merge",
        )
        .await;
        advance_to(at("2026-11-02T00:00:00Z"));
        github(
            "deployment_status",
            crate::github::fixture("deployment_status.success"),
            "d-deploy",
        )
        .await;
        advance_to(at("2026-11-02T00:30:00Z"));
        gitlab(
            "Deployment Hook",
            crate::gitlab::fixture("deployment.success"),
            "gl-deploy",
        )
        .await;
        advance_to(at("2026-11-02T01:00:00Z"));
        let (status, incident) = call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            Some(json!({"title": "Checkout fails", "severity": "SEV2", "services": ["api"]})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{incident}");
        let id = incident["id"].as_str().unwrap().to_owned();
        // After impact started: not a cause.
        app.advance(600);
        github(
            "push",
            edited(
                &crate::github::fixture("push.branch"),
                &[("/after", json!("0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"))],
            ),
            "d-push-after",
        )
        .await;

        let detail = app.get(&format!("/api/v1/incidents/{id}")).await;
        let listed: Vec<(String, String, String)> = detail["what_changed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| {
                (
                    entry["kind"].as_str().unwrap().to_owned(),
                    entry["repository"].as_str().unwrap().to_owned(),
                    entry["before"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let expected = [
            ("deployment", "acme/api", "30m before"),
            ("deployment", "acme/api", "1h before"),
            ("push", "acme/api", "5h before"),
            ("merge", "acme/api", "20h before"),
        ]
        .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()));
        assert_eq!(listed, expected, "{detail}");
        for entry in detail["what_changed"].as_array().unwrap() {
            assert!(
                entry["url"].as_str().unwrap().starts_with("https://"),
                "each is a link: {entry}"
            );
        }

        // One is marked as the suspected cause.
        let deployment = detail["what_changed"][0]["id"].as_str().unwrap().to_owned();
        let (status, body) = call(
            &app,
            Method::PATCH,
            &format!("/api/v1/incidents/{id}"),
            Some(json!({"causing_deployment": deployment})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let detail = app.get(&format!("/api/v1/incidents/{id}")).await;
        assert_eq!(detail["causing_deployment"], deployment.as_str());
        assert_eq!(detail["what_changed"][0]["suspected"], true);
        assert_eq!(detail["what_changed"][1]["suspected"], false);
        let timeline = app.get(&format!("/api/v1/incidents/{id}/timeline")).await;
        let changes: Vec<&Value> = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|item| item["kind"] == "change" && item["link"].is_string())
            .collect();
        assert_eq!(changes.len(), 4, "{timeline}");
        assert!(
            changes[0]["text"].as_str().unwrap().contains("merged"),
            "oldest first: {timeline}"
        );
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_alertmanager_opens_an_incident_whose_page_link_acknowledges_it_through_to_resolve()
 {
    for backend in backends() {
        let phones = Phones::start().await;
        let app = TestApp::spawn(
            backend,
            &paging_config(&phones, "declare_incident = \"critical\""),
        )
        .await;
        let alertmanager = crate::alerts::Alertmanager::start(&app.url).await;
        alertmanager
            .push(json!([crate::alerts::prometheus_alert("api-1", None)]))
            .await;
        let page = phones.andrew.wait_for(1).await[0].json();
        let id = page["data"]["incident_id"]
            .as_str()
            .unwrap_or_else(|| panic!("the page is the incident's: {page}"))
            .to_owned();
        let incident = app.get(&format!("/api/v1/incidents/{id}")).await;
        assert_eq!(incident["title"], "p99 above 500 ms on api-1");
        assert_eq!(incident["state"], "triage");
        assert_eq!(incident["alerts"][0]["rule"], "HighLatency");
        assert!(
            page["data"]["acknowledge_url"]
                .as_str()
                .unwrap()
                .contains("/a/")
        );

        // A minute between steps, so the timeline's order is the steps' order.
        app.idle().await;
        app.advance(60);
        let confirmed = app
            .http
            .post(format!("{}{}", app.url, link_path(&page)))
            .form(&[("action", "acknowledge")])
            .send()
            .await
            .unwrap();
        assert_eq!(confirmed.status(), StatusCode::OK);
        let incident = app.get(&format!("/api/v1/incidents/{id}")).await;
        assert_eq!(incident["state"], "active", "{incident}");
        assert!(incident["times"]["acknowledged"].is_string());

        for (status, message) in [
            ("identified", "The 1.4.2 config caps the pool at 2"),
            ("monitoring", "Rolled back; p99 is under 200 ms"),
        ] {
            app.advance(60);
            let (code, body) = call(
                &app,
                Method::POST,
                &format!("/api/v1/incidents/{id}/updates"),
                Some(json!({"status": status, "message": message, "public": true})),
            )
            .await;
            assert_eq!(code, StatusCode::CREATED, "{body}");
        }
        app.advance(60);
        let (code, body) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/resolve"),
            None,
        )
        .await;
        assert_eq!(code, StatusCode::OK, "{body}");
        assert_eq!(body["state"], "resolved");
        app.idle().await;
        let told: Vec<String> = told(&phones.team)
            .into_iter()
            .filter(|(incident, _)| *incident == id)
            .map(|(_, what)| what)
            .collect();
        assert_eq!(told, ["declared", "update", "update", "resolved"]);

        let timeline = app.get(&format!("/api/v1/incidents/{id}/timeline")).await;
        let kinds: Vec<String> = kinds_and_texts(&timeline)
            .into_iter()
            .map(|(kind, _)| kind)
            .collect();
        for kind in [
            "alert",
            "escalated",
            "page",
            "acknowledged",
            "update",
            "state",
        ] {
            assert!(kinds.iter().any(|k| k == kind), "{kind}: {kinds:?}");
        }
        let acknowledged = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["kind"] == "acknowledged")
            .unwrap();
        assert_eq!(acknowledged["actor"], "Andrew (page link)");
        let order: Vec<&str> = kinds
            .iter()
            .map(String::as_str)
            .filter(|kind| ["alert", "acknowledged", "update"].contains(kind))
            .collect();
        assert_eq!(
            order,
            ["alert", "acknowledged", "acknowledged", "update", "update"],
            "the alert and the escalation were acknowledged too: {kinds:?}"
        );
        let texts: Vec<String> = kinds_and_texts(&timeline)
            .into_iter()
            .rev()
            .take(2)
            .map(|(_, text)| text)
            .collect();
        assert_eq!(
            texts,
            ["Ended: the incident is resolved", "mitigated → resolved"],
            "resolving ends the paging"
        );
        drop(alertmanager);
        app.stop().await;
    }
}

/// Issue 29: every actor through the API read `api:<token>`, even for a token that acts for a
/// person (`token create --user`). Such a token's actions name the person, as the page's do;
/// a token of nobody is still named as itself.
#[tokio::test]
async fn a_token_that_acts_for_a_person_names_the_person_on_the_record() {
    use firewatch::core::role::Role;
    use firewatch::core::scope::Scope;
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        crate::web::add_user(&app, "ana", Role::Responder).await;
        let ana = app.user_token("ana", &[Scope::IncidentsWrite]).await;
        let bot = app.token(&[Scope::IncidentsWrite]).await;
        let (status, incident) = app
            .api_json(
                Method::POST,
                "/api/v1/incidents",
                &ana,
                &json!({"title": "Checkout fails", "severity": "SEV3", "services": ["api"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{incident}");
        assert_eq!(incident["declared_by"], "user:ana", "{incident}");
        let id = incident["id"].as_str().unwrap();
        for (token, text) in [(&ana, "Rolled back"), (&bot, "Paged the vendor")] {
            let (status, body) = app
                .api_json(
                    Method::POST,
                    &format!("/api/v1/incidents/{id}/notes"),
                    token,
                    &json!({"text": text}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        let (_, timeline) = app
            .api(
                Method::GET,
                &format!("/api/v1/incidents/{id}/timeline"),
                Some(&app.admin_token),
            )
            .await;
        let actor = |text: &str| {
            timeline["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|entry| entry["text"] == text)
                .unwrap_or_else(|| panic!("{text}: {timeline}"))["actor"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(actor("Rolled back"), "user:ana");
        assert!(actor("Paged the vendor").starts_with("api:"), "{timeline}");
    }
}

/// Issue 29: an alert that joined an incident someone had acknowledged still became an
/// "unacknowledged" task an hour later. An alert an acknowledged open incident holds is being
/// handled; so is one that stopped firing before the task's check ran.
#[tokio::test]
async fn no_unacknowledged_task_opens_for_an_alert_of_an_acknowledged_incident() {
    for backend in backends() {
        let phones = Phones::start().await;
        let app = TestApp::spawn(
            backend,
            &paging_config(
                &phones,
                "declare_incident = \"critical\"\n\n[alerts]\ntask_unacknowledged_after = \"1h\"",
            ),
        )
        .await;
        fire(&app, &storm("HighErrorRate", 1, "firing")).await;
        phones.andrew.wait_for(1).await;
        app.idle().await;
        let listed = app.get("/api/v1/incidents").await;
        let id = listed["items"][0]["id"].as_str().unwrap().to_owned();
        let (status, body) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/acknowledge"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // A second alert of the group joins the acknowledged incident, and fires on.
        app.advance(60);
        fire(&app, &storm("HighErrorRate", 2, "firing")).await;
        app.idle().await;
        let detail = app.get(&format!("/api/v1/incidents/{id}")).await;
        assert_eq!(detail["alerts"].as_array().unwrap().len(), 2, "{detail}");
        app.advance(2 * 3600);
        app.idle().await;
        let tasks = app.get("/api/v1/tasks").await;
        assert_eq!(tasks["items"], json!([]), "{tasks}");
    }
}

#[tokio::test]
async fn a_firing_alert_attached_to_a_hand_declared_incident_is_acknowledged_with_it_and_knows_it()
{
    for backend in backends() {
        let phones = Phones::start().await;
        let app = TestApp::spawn(
            backend,
            &paging_config(&phones, "\n[alerts]\ntask_unacknowledged_after = \"1h\""),
        )
        .await;
        fire(&app, &storm("HighErrorRate", 1, "firing")).await;
        phones.andrew.wait_for(1).await;
        app.idle().await;
        let alerts = app.get("/api/v1/alerts").await;
        let alert = alerts["items"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(alerts["items"][0]["service"], "api", "{alerts}");

        // Someone declares by hand while it fires: it has no alerts until one is attached.
        let (status, incident) = call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            Some(json!({"title": "Errors on api", "severity": "SEV2", "services": ["api"]})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{incident}");
        let id = incident["id"].as_str().unwrap().to_owned();
        let detail = app.get(&format!("/api/v1/incidents/{id}")).await;
        assert_eq!(detail["alerts"], json!([]));
        let (status, _) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/acknowledge"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);

        // Refusals say why and change nothing.
        let (status, refused) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/alerts"),
            Some(json!({"alerts": ["no-such-alert"]})),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert_eq!(
            refused["error"]["message"],
            "there is no alert no-such-alert"
        );
        let (status, refused) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/alerts"),
            Some(json!({"alerts": []})),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");

        let (status, attached) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/alerts"),
            Some(json!({"alerts": [alert]})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{attached}");
        assert_eq!(attached["alerts"][0]["alert_id"], alert.as_str());
        assert_eq!(attached["alerts"][0]["state"], "acknowledged");
        // Attaching again changes nothing.
        let (status, again) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/alerts"),
            Some(json!({"alerts": [alert]})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["alerts"].as_array().unwrap().len(), 1);

        // The incident acknowledged it: acknowledged by the same hand, and it knows its incident.
        let shown = app.get(&format!("/api/v1/alerts/{alert}")).await;
        assert_eq!(shown["state"], "acknowledged", "{shown}");
        assert_eq!(shown["acknowledged_by"], "api:test-admin");
        assert_eq!(shown["incidents"][0]["number"], 1, "{shown}");
        assert!(
            shown["incidents"][0]["url"]
                .as_str()
                .unwrap()
                .ends_with("/incidents/1")
        );
        let timeline = app.get(&format!("/api/v1/incidents/{id}/timeline")).await;
        let attached_entries: Vec<(String, String)> = kinds_and_texts(&timeline)
            .into_iter()
            .filter(|(_, text)| text.starts_with("Alert attached"))
            .collect();
        assert_eq!(
            attached_entries,
            [(
                "alert".to_owned(),
                "Alert attached: HighErrorRate: HighErrorRate on api-0".to_owned()
            )]
        );

        // Its escalation stopped; no task opens for it.
        app.advance(2 * 3600);
        app.idle().await;
        assert_eq!(phones.gyeongjun.received().len(), 0);
        let tasks = app.get("/api/v1/tasks").await;
        assert_eq!(tasks["items"], json!([]), "{tasks}");

        // A resolved incident takes no more alerts.
        call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/resolve"),
            None,
        )
        .await;
        let (status, refused) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/alerts"),
            Some(json!({"alerts": [alert]})),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        assert_eq!(
            refused["error"]["message"],
            "the incident is resolved; alerts join only an open incident"
        );
        app.stop().await;
    }
}
