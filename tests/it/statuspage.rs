//! The public status page: components follow the open public incidents and maintenance
//! windows, only public updates appear (never internal ones, notes, people or alert details),
//! `/status.json` has Statuspage's summary shape, and the Atom and RSS feeds parse.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::incidents::call;
use crate::support::{TestApp, backends};

const CONFIG: &str = r#"
[[people]]
id = "andrew"
name = "Andrew Kim"

[[services]]
id = "api"

[[services]]
id = "search"

[status_page]
title = "Acme status"
timezone = "Asia/Seoul"
links = [ { name = "Support", url = "https://acme.example/support" } ]

[[status_page.components]]
name = "Public API"
services = ["api"]

[[status_page.components]]
name = "Search"
services = ["search"]
"#;

async fn public(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", app.url))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

/// Posts an incident's status update, public or internal.
pub async fn post_update(app: &TestApp, id: &str, status: &str, message: &str, public: bool) {
    let (code, body) = call(
        app,
        Method::POST,
        &format!("/api/v1/incidents/{id}/updates"),
        Some(json!({"status": status, "message": message, "public": public})),
    )
    .await;
    assert_eq!(code, StatusCode::CREATED, "{body}");
}

async fn summary(app: &TestApp) -> Value {
    let (status, content_type, body) = public(app, "/status.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/json");
    serde_json::from_str(&body).unwrap()
}

fn component_status(summary: &Value, id: &str) -> String {
    summary["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_page_shows_public_updates_only_and_components_follow_incidents_and_maintenance() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let (status, content_type, html) = public(&app, "/status").await;
        assert_eq!(status, StatusCode::OK, "no sign-in");
        assert!(content_type.starts_with("text/html"));
        assert!(html.contains("All Systems Operational"), "{html}");
        let all = summary(&app).await;
        assert_eq!(all["status"]["indicator"], "none");
        assert_eq!(component_status(&all, "public-api"), "operational");

        // An incident with an internal update only stays off the page.
        let (_, incident) = call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            Some(json!({"title": "Checkout fails for EU customers", "severity": "SEV2", "services": ["api"]})),
        )
        .await;
        let id = incident["id"].as_str().unwrap().to_owned();
        let post = |status: &'static str, message: &'static str, public: bool| {
            post_update(&app, &id, status, message, public)
        };
        post(
            "investigating",
            "INTERNAL: pool capped at 2 by Andrew's chart change",
            false,
        )
        .await;
        let quiet = summary(&app).await;
        assert_eq!(component_status(&quiet, "public-api"), "operational");
        assert_eq!(quiet["incidents"].as_array().unwrap().len(), 0);

        // A public update puts it on the page; the SEV2 is a partial outage of Public API.
        app.advance(60);
        post(
            "identified",
            "Some EU payments fail; we are rolling back a change",
            true,
        )
        .await;
        call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/notes"),
            Some(json!({"text": "NOTE: Andrew Kim is on it", "starred": true})),
        )
        .await;
        let open = summary(&app).await;
        assert_eq!(component_status(&open, "public-api"), "partial_outage");
        assert_eq!(component_status(&open, "search"), "operational");
        assert_eq!(open["status"]["indicator"], "major");
        let listed = &open["incidents"][0];
        assert_eq!(listed["name"], "Checkout fails for EU customers");
        assert_eq!(listed["status"], "identified");
        assert_eq!(listed["impact"], "major");
        assert_eq!(listed["incident_updates"].as_array().unwrap().len(), 1);
        assert_eq!(
            listed["incident_updates"][0]["body"],
            "Some EU payments fail; we are rolling back a change"
        );
        assert_eq!(listed["components"][0]["id"], "public-api");
        let (_, _, html) = public(&app, "/status").await;
        let (_, _, page) = public(&app, &format!("/status/incidents/{id}")).await;
        let (_, _, atom) = public(&app, "/status/feed.atom").await;
        let (_, _, rss) = public(&app, "/status/feed.rss").await;
        for text in [&html, &page, &atom, &rss, &open.to_string()] {
            assert!(text.contains("Some EU payments fail"), "{text}");
            for private in [
                "INTERNAL",
                "NOTE:",
                "Andrew",
                "api:test-admin",
                "pool capped",
            ] {
                assert!(!text.contains(private), "{private} leaked: {text}");
            }
        }
        assert!(html.contains("Partial outage"), "{html}");

        // Monitoring: degraded; resolved: operational, and the incident is history.
        app.advance(60);
        post("monitoring", "Rolled back; payments recover", true).await;
        assert_eq!(
            component_status(&summary(&app).await, "public-api"),
            "degraded_performance"
        );
        app.advance(60);
        post("resolved", "All EU payments work again", true).await;
        let after = summary(&app).await;
        assert_eq!(component_status(&after, "public-api"), "operational");
        assert_eq!(after["incidents"].as_array().unwrap().len(), 0);
        let (_, _, html) = public(&app, "/status").await;
        assert!(html.contains("Past incidents"));

        // A maintenance window of search's service: under maintenance while it runs.
        let (code, body) = call(
            &app,
            Method::POST,
            "/api/v1/silences",
            Some(json!({"service": "search", "duration": "2h", "comment": "Search index rebuild"})),
        )
        .await;
        assert_eq!(code, StatusCode::CREATED, "{body}");
        let maintained = summary(&app).await;
        assert_eq!(component_status(&maintained, "search"), "under_maintenance");
        assert_eq!(
            maintained["scheduled_maintenances"][0]["name"],
            "Search index rebuild"
        );
        assert_eq!(
            maintained["scheduled_maintenances"][0]["status"],
            "in_progress"
        );
        // Past its end (and the page's 30 s), operational again.
        app.advance(2 * 3600 + 60);
        assert_eq!(
            component_status(&summary(&app).await, "search"),
            "operational"
        );
        let (_, _, html) = public(&app, "/status").await;
        assert!(
            html.contains("Search index rebuild<br>"),
            "the past window is in the history: {html}"
        );

        // A recurring window: each past run colours its day.
        let (code, body) = call(
            &app,
            Method::POST,
            "/api/v1/silences",
            Some(json!({"service": "search", "cron": "0 3 * * *", "duration": "1h", "timezone": "UTC", "comment": "Nightly backup"})),
        )
        .await;
        assert_eq!(code, StatusCode::CREATED, "{body}");
        app.advance(3 * 24 * 3600 + 3600);
        let (_, _, html) = public(&app, "/status").await;
        let runs = html.matches("Nightly backup<br>").count();
        assert!((3..=4).contains(&runs), "{runs} days with a run: {html}");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_feeds_parse_as_atom_and_rss_and_the_summary_has_statuspages_shape() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let (_, incident) = call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            Some(json!({"title": "Search is slow & <odd>", "severity": "SEV3", "services": ["search"]})),
        )
        .await;
        let id = incident["id"].as_str().unwrap().to_owned();
        for (status, message) in [
            ("investigating", "Searches take 5 s"),
            ("identified", "An index is missing"),
        ] {
            app.advance(60);
            let (code, _) = call(
                &app,
                Method::POST,
                &format!("/api/v1/incidents/{id}/updates"),
                Some(json!({"status": status, "message": message, "public": true})),
            )
            .await;
            assert_eq!(code, StatusCode::CREATED);
        }
        let (status, content_type, atom) = public(&app, "/status/feed.atom").await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.starts_with("application/atom+xml"));
        let feed = feed_rs::parser::parse(atom.as_bytes()).expect("the Atom feed parses");
        assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
        assert_eq!(feed.title.unwrap().content, "Acme status");
        assert_eq!(feed.entries.len(), 2);
        assert_eq!(
            feed.entries[0].title.as_ref().unwrap().content,
            "Identified: Search is slow & <odd>"
        );
        assert!(
            feed.entries[0].links[0]
                .href
                .ends_with(&format!("/status/incidents/{id}"))
        );
        let (_, content_type, rss) = public(&app, "/status/feed.rss").await;
        assert!(content_type.starts_with("application/rss+xml"));
        let feed = feed_rs::parser::parse(rss.as_bytes()).expect("the RSS feed parses");
        assert_eq!(feed.feed_type, feed_rs::model::FeedType::RSS2);
        assert_eq!(feed.entries.len(), 2);
        assert_eq!(
            feed.entries[1].summary.as_ref().unwrap().content,
            "Searches take 5 s"
        );
        assert!(feed.entries[0].published.is_some());

        let all = summary(&app).await;
        for key in [
            "page",
            "status",
            "components",
            "incidents",
            "scheduled_maintenances",
        ] {
            assert!(all.get(key).is_some(), "{key}: {all}");
        }
        for key in ["id", "name", "url", "time_zone", "updated_at"] {
            assert!(all["page"].get(key).is_some(), "page.{key}");
        }
        assert_eq!(all["status"]["indicator"], "minor");
        assert_eq!(all["status"]["description"], "Minor Service Outage");
        for key in [
            "id",
            "name",
            "status",
            "position",
            "created_at",
            "updated_at",
            "group",
            "only_show_if_degraded",
        ] {
            assert!(all["components"][0].get(key).is_some(), "component.{key}");
        }
        let incident = &all["incidents"][0];
        for key in [
            "id",
            "name",
            "status",
            "impact",
            "created_at",
            "updated_at",
            "shortlink",
            "incident_updates",
            "components",
        ] {
            assert!(incident.get(key).is_some(), "incident.{key}");
        }
        for key in [
            "id",
            "status",
            "body",
            "incident_id",
            "created_at",
            "display_at",
        ] {
            assert!(
                incident["incident_updates"][0].get(key).is_some(),
                "update.{key}"
            );
        }
        assert_eq!(
            incident["incident_updates"][0]["status"], "identified",
            "newest first"
        );
        let (code, _, _) = public(&app, "/status/incidents/nope").await;
        assert_eq!(code, StatusCode::NOT_FOUND);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_status_page_can_have_its_own_address_that_serves_nothing_else() {
    for backend in backends() {
        let config = CONFIG.replace(
            "[status_page]\n",
            "[status_page]\nlisten = \"127.0.0.1:0\"\n",
        );
        let app = TestApp::spawn(backend, &config).await;
        let address = app
            .app
            .as_ref()
            .unwrap()
            .status_address
            .expect("its own address");
        let client = reqwest::Client::new();
        let get = |path: &'static str| {
            let client = client.clone();
            async move {
                let response = client
                    .get(format!("http://{address}{path}"))
                    .send()
                    .await
                    .unwrap();
                (response.status(), response.text().await.unwrap())
            }
        };
        for path in [
            "/",
            "/status",
            "/status.json",
            "/feed.atom",
            "/status/feed.rss",
        ] {
            let (status, body) = get(path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(body.contains("Acme status"), "{path}: {body}");
        }
        for path in [
            "/api/v1/incidents",
            "/login",
            "/incidents",
            "/hooks/github",
            "/metrics",
        ] {
            assert_eq!(get(path).await.0, StatusCode::NOT_FOUND, "{path}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_status_set_by_hand_wins_says_so_and_clears() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let (code, body) = call(
            &app,
            Method::PUT,
            "/api/v1/status/components/search",
            Some(json!({"status": "degraded_performance", "note": "Slow results in Europe"})),
        )
        .await;
        assert_eq!(code, StatusCode::OK, "{body}");
        let set = summary(&app).await;
        assert_eq!(component_status(&set, "search"), "degraded_performance");
        assert_eq!(set["status"]["indicator"], "minor");
        let (_, _, html) = public(&app, "/status").await;
        assert!(
            html.contains("(set by hand: Slow results in Europe)"),
            "{html}"
        );
        assert!(!html.contains("test-admin"), "never who set it");
        let (code, _) = call(
            &app,
            Method::PUT,
            "/api/v1/status/components/nope",
            Some(json!({"status": "operational"})),
        )
        .await;
        assert_eq!(code, StatusCode::NOT_FOUND);
        let (code, _) = call(
            &app,
            Method::PUT,
            "/api/v1/status/components/search",
            Some(json!({"status": "broken"})),
        )
        .await;
        assert_eq!(code, StatusCode::BAD_REQUEST);
        let (code, _) = call(
            &app,
            Method::DELETE,
            "/api/v1/status/components/search",
            None,
        )
        .await;
        assert_eq!(code, StatusCode::NO_CONTENT);
        assert_eq!(
            component_status(&summary(&app).await, "search"),
            "operational"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_responder_sets_a_components_status_from_the_ui_and_a_viewer_cannot() {
    use firewatch::core::role::Role;
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let mut viewer = crate::web::signed_in(&app, "vic", Role::Viewer).await;
        let page = viewer.get("/status-components").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("All Systems Operational"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("action=\"/status-components/search\""));
        let csrf = viewer.csrf().await;
        let refused = viewer
            .post(
                "/status-components/search",
                &[("_csrf", csrf.as_str()), ("status", "major_outage")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(
            component_status(&summary(&app).await, "search"),
            "operational"
        );

        let mut rui = crate::web::signed_in(&app, "rui", Role::Responder).await;
        let csrf = rui.csrf().await;
        let missing = rui
            .post("/status-components/search", &[("status", "major_outage")])
            .await;
        assert_ne!(
            missing.status,
            StatusCode::SEE_OTHER,
            "no CSRF token, no change"
        );
        let saved = rui
            .post(
                "/status-components/search",
                &[
                    ("_csrf", csrf.as_str()),
                    ("status", "major_outage"),
                    ("note", "Search is down while we restore the index"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(
            component_status(&summary(&app).await, "search"),
            "major_outage"
        );
        let (_, _, html) = public(&app, "/status").await;
        assert!(html.contains("(set by hand: Search is down while we restore the index)"));
        assert!(!html.contains("rui"));
        let cleared = rui
            .post(
                "/status-components/search",
                &[("_csrf", csrf.as_str()), ("status", "clear")],
            )
            .await;
        assert_eq!(cleared.status, StatusCode::SEE_OTHER);
        assert_eq!(
            component_status(&summary(&app).await, "search"),
            "operational"
        );
        app.stop().await;
    }
}

/// Issue 29: a maintenance window's `created_at` and `updated_at` read its scheduled start (two
/// hours ahead for one made now) and it lacked Statuspage's `monitoring_at` and `resolved_at`;
/// the summary was only at `/status.json`; and an incident resolved without a public update
/// left the feeds at its last update, so readers kept showing "Monitoring".
#[tokio::test]
async fn a_maintenance_says_when_it_was_made_the_summary_is_at_statuspages_path_and_a_quiet_resolution_is_in_the_feeds()
 {
    for backend in backends() {
        let app = TestApp::spawn_at(backend, CONFIG, "2026-11-02T09:00:00Z".parse().unwrap()).await;
        let (code, body) = call(
            &app,
            Method::POST,
            "/api/v1/silences",
            Some(
                json!({"service": "search", "startsAt": "2026-11-02T11:00:00Z",
                        "duration": "1h", "comment": "Search index rebuild"}),
            ),
        )
        .await;
        assert_eq!(code, StatusCode::CREATED, "{body}");
        let planned = summary(&app).await;
        let window = &planned["scheduled_maintenances"][0];
        assert_eq!(window["status"], "scheduled", "{planned}");
        assert_eq!(window["scheduled_for"], "2026-11-02T11:00:00Z");
        assert_eq!(window["created_at"], "2026-11-02T09:00:00Z", "{window}");
        assert_eq!(window["updated_at"], "2026-11-02T09:00:00Z", "{window}");
        for key in ["monitoring_at", "resolved_at"] {
            assert!(
                window.as_object().unwrap().contains_key(key) && window[key].is_null(),
                "{key}: {window}"
            );
        }
        // The same document where Statuspage serves it.
        let (status, content_type, body) = public(&app, "/api/v2/summary.json").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type, "application/json");
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), planned);

        // Public until "monitoring", then resolved with no public update.
        let (_, incident) = call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            Some(json!({"title": "Checkout fails", "severity": "SEV2", "services": ["api"]})),
        )
        .await;
        let id = incident["id"].as_str().unwrap().to_owned();
        post_update(
            &app,
            &id,
            "monitoring",
            "A fix is out; we are watching",
            true,
        )
        .await;
        app.advance(600);
        let (code, body) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/resolve"),
            None,
        )
        .await;
        assert_eq!(code, StatusCode::OK, "{body}");
        for feed in ["/status/feed.atom", "/status/feed.rss"] {
            let (status, _, text) = public(&app, feed).await;
            assert_eq!(status, StatusCode::OK);
            let resolved = text
                .find("<title>Resolved: ")
                .unwrap_or_else(|| panic!("{feed}: {text}"));
            let monitoring = text.find("<title>Monitoring: ").unwrap();
            // Newest first.
            assert!(resolved < monitoring, "{feed}: {text}");
            assert!(text.contains("This incident has been resolved."), "{text}");
        }
    }
}
