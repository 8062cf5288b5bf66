//! Incidents through the API on a controlled clock: declare, move through the lifecycle (the
//! moves that make no sense refused with 409 and a sentence), acknowledge and resolve filling
//! the key times, edits kept in order, notes, and one timeline in order with its actors.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, backends};

const CONFIG: &str = r#"
[[teams]]
id = "cloud"

[[services]]
id = "api"
team = "cloud"
"#;

async fn call(
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
        assert!(String::from_utf8_lossy(&listed.stdout).contains("#1 SEV3 P3 mitigated"));
        let resolved = run(&["incident", "resolve", "1"]).await;
        assert!(String::from_utf8_lossy(&resolved.stdout).contains("resolved"));
        let refused = run(&["incident", "ack", "1"]).await;
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("already acknowledged"));

        let timeline = app.get("/api/v1/incidents/1/timeline").await;
        let kinds: Vec<&str> = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            ["state", "state", "acknowledged", "update", "state", "state"]
        );
        assert_eq!(
            timeline["items"][3]["text"],
            "monitoring (public): Index rebuilt; watching latency"
        );
        app.stop().await;
    }
}
