//! Post-mortems and action items: the draft made from a scripted incident's own record (a
//! snapshot), saves that never lose a concurrent edit, review and publish, search and export,
//! the blameless check through the API, action items that close the incident, and overdue
//! reminders on a controlled clock, once each across a restart.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::incidents::{call, paging_config};
use crate::oncall::{Phones, fire, link_path, storm};
use crate::support::{TestApp, backends};

const EXTRA: &str = r#"declare_incident = "critical"
repos = ["acme/api"]

[[integrations]]
name = "github"
kind = "github"
secret = "github-secret"
"#;

/// The draft with what differs from run to run (the address, the incident's id) named.
fn stable(markdown: &str, app: &TestApp, incident: &str) -> String {
    markdown
        .replace(&app.url, "http://firewatch")
        .replace(incident, "INCIDENT")
}

async fn at(app: &TestApp, to: &str) {
    let to: jiff::Timestamp = to.parse().unwrap();
    let now = firewatch::clock::Clock::now(&app.clock);
    app.advance(to.duration_since(now).as_secs());
}

#[tokio::test]
async fn a_resolved_incident_is_drafted_from_its_record_then_edited_reviewed_and_published() {
    for backend in backends() {
        let phones = Phones::start().await;
        let config = paging_config(&phones, EXTRA);
        let app =
            TestApp::spawn_at(backend, &config, "2026-11-01T23:00:00Z".parse().unwrap()).await;
        // Before it: a merged pull request and a deployment of api.
        let github = |event: &'static str, fixture: &'static str, delivery: &'static str| {
            let app = &app;
            async move {
                let body = crate::github::fixture(fixture);
                let (status, answer) =
                    crate::github::deliver(app, event, &body, delivery, "github-secret").await;
                assert!(status.is_success(), "{answer}");
            }
        };
        github("pull_request", "pull_request.closed.merged", "d-merge").await;
        at(&app, "2026-11-02T00:40:00Z").await;
        github("deployment_status", "deployment_status.success", "d-deploy").await;

        // The alerts open the incident and page Andrew, who acknowledges two minutes later.
        at(&app, "2026-11-02T01:00:00Z").await;
        fire(&app, &storm("HighErrorRate", 3, "firing")).await;
        let page = phones.andrew.wait_for(1).await[0].json();
        let id = page["data"]["incident_id"].as_str().unwrap().to_owned();
        app.idle().await;
        at(&app, "2026-11-02T01:02:00Z").await;
        let confirmed = app
            .http
            .post(format!("{}{}", app.url, link_path(&page)))
            .form(&[("action", "acknowledge")])
            .send()
            .await
            .unwrap();
        assert_eq!(confirmed.status(), StatusCode::OK);
        let path = |tail: &str| format!("/api/v1/incidents/{id}{tail}");
        let (status, body) = call(
            &app,
            Method::PUT,
            &path("/roles/commander"),
            Some(json!({"person": "andrew"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = call(
            &app,
            Method::PATCH,
            &path(""),
            Some(json!({"title": "Checkout errors after the 1.4.2 deploy"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        for (time, status, message) in [
            (
                "2026-11-02T01:05:00Z",
                "investigating",
                "Errors on checkout; looking",
            ),
            (
                "2026-11-02T01:12:00Z",
                "identified",
                "The 1.4.2 config caps the pool at 2",
            ),
            (
                "2026-11-02T01:20:00Z",
                "monitoring",
                "Rolled back to 1.4.1; errors are gone",
            ),
        ] {
            at(&app, time).await;
            let (code, body) = call(
                &app,
                Method::POST,
                &path("/updates"),
                Some(json!({"status": status, "message": message, "public": true})),
            )
            .await;
            assert_eq!(code, StatusCode::CREATED, "{body}");
        }
        let (code, _) = call(
            &app,
            Method::POST,
            &path("/notes"),
            Some(json!({"text": "The pool size came from a | typo in the chart", "starred": true})),
        )
        .await;
        assert_eq!(code, StatusCode::CREATED);

        // No post-mortem while it is open.
        let (code, body) = call(&app, Method::GET, &path("/postmortem"), None).await;
        assert_eq!(code, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(body["error"]["code"], "not_drafted");

        at(&app, "2026-11-02T01:30:00Z").await;
        let (code, _) = call(&app, Method::POST, &path("/resolve"), None).await;
        assert_eq!(code, StatusCode::OK);
        app.idle().await;
        let (code, draft) = call(&app, Method::GET, &path("/postmortem"), None).await;
        assert_eq!(code, StatusCode::OK, "{draft}");
        assert_eq!(draft["state"], "draft");
        assert_eq!(draft["version"], 1);
        let markdown = draft["markdown"].as_str().unwrap();
        expect_test::expect_file!["../snapshots/postmortem_draft.md"]
            .assert_eq(&stable(markdown, &app, &id));

        // Two editors start from version 1: the second save is refused, not lost.
        let edited = markdown.replace(
            "## What went well\n\n-",
            "## What went well\n\n- The page was acknowledged in 2m",
        );
        let (code, saved) = call(
            &app,
            Method::PUT,
            &path("/postmortem"),
            Some(json!({"markdown": edited, "version": 1})),
        )
        .await;
        assert_eq!(code, StatusCode::OK, "{saved}");
        assert_eq!(saved["version"], 2);
        let (code, refused) = call(
            &app,
            Method::PUT,
            &path("/postmortem"),
            Some(json!({"markdown": "# mine", "version": 1})),
        )
        .await;
        assert_eq!(code, StatusCode::CONFLICT, "{refused}");
        assert_eq!(refused["error"]["code"], "edit_conflict");
        let (_, current) = call(&app, Method::GET, &path("/postmortem"), None).await;
        assert!(
            current["markdown"]
                .as_str()
                .unwrap()
                .contains("acknowledged in 2m")
        );

        // The check flags blame and never blocks the save.
        let blameful = format!("{edited}\nAndrew forgot to check the pool size; human error.\n");
        let (code, checked) = call(
            &app,
            Method::POST,
            "/api/v1/postmortems/check",
            Some(json!({"markdown": blameful})),
        )
        .await;
        assert_eq!(code, StatusCode::OK);
        let phrases: Vec<&str> = checked["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["phrase"].as_str().unwrap())
            .collect();
        assert_eq!(phrases, ["Andrew forgot", "human error"]);
        let (code, _) = call(
            &app,
            Method::PUT,
            &path("/postmortem"),
            Some(json!({"markdown": blameful, "version": 2})),
        )
        .await;
        assert_eq!(code, StatusCode::OK);

        for (step, state) in [
            ("/postmortem/review", "in_review"),
            ("/postmortem/publish", "published"),
        ] {
            let (code, body) = call(&app, Method::POST, &path(step), None).await;
            assert_eq!(code, StatusCode::OK, "{body}");
            assert_eq!(body["state"], state);
        }
        let incident = app.get(&path("")).await;
        assert_eq!(
            incident["state"], "learning",
            "published: the incident is learning"
        );

        let (code, found) = call(
            &app,
            Method::GET,
            "/api/v1/postmortems?q=POOL%20SIZE&state=published",
            None,
        )
        .await;
        assert_eq!(code, StatusCode::OK);
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
        assert_eq!(
            found["items"][0]["incident_title"],
            "Checkout errors after the 1.4.2 deploy"
        );
        let (_, none) = call(&app, Method::GET, "/api/v1/postmortems?q=nowhere", None).await;
        assert_eq!(none["items"].as_array().unwrap().len(), 0);
        let exported = app
            .http
            .get(format!(
                "{}{}?format=markdown",
                app.url,
                path("/postmortem")
            ))
            .bearer_auth(&app.admin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(exported.status(), StatusCode::OK);
        assert!(
            exported.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/markdown")
        );
        assert!(
            exported
                .text()
                .await
                .unwrap()
                .starts_with("# Post-mortem: Checkout errors")
        );

        // Action items: the incident closes when the last is done.
        let mut items = Vec::new();
        for (title, kind) in [
            ("Alert on pool saturation", "mitigate"),
            ("Lint the chart's pool size", "prevent"),
        ] {
            let (code, item) = call(
                &app,
                Method::POST,
                &path("/action_items"),
                Some(json!({"title": title, "owner": "andrew", "due": "2026-11-20", "priority": "P2", "kind": kind})),
            )
            .await;
            assert_eq!(code, StatusCode::CREATED, "{item}");
            assert_eq!(item["status"], "outstanding");
            items.push(item["id"].as_str().unwrap().to_owned());
        }
        let (code, refused) = call(
            &app,
            Method::POST,
            &path("/action_items"),
            Some(json!({"title": "x", "owner": "nobody", "due": "2026-11-20", "kind": "prevent"})),
        )
        .await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{refused}");
        let (_, listed) = call(
            &app,
            Method::GET,
            "/api/v1/action_items?state=outstanding",
            None,
        )
        .await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 2);
        for (item, status) in items.iter().zip(["completed", "not_doing"]) {
            let (code, body) = call(
                &app,
                Method::PATCH,
                &format!("/api/v1/action_items/{item}"),
                Some(json!({"status": status})),
            )
            .await;
            assert_eq!(code, StatusCode::OK, "{body}");
            let incident = app.get(&path("")).await;
            let expected = if status == "completed" {
                "learning"
            } else {
                "closed"
            };
            assert_eq!(incident["state"], expected);
        }
        app.stop().await;
    }
}

const REMINDERS: &str = r#"
[[destinations]]
name = "team-chat"
kind = "slack"
url = "TEAM"

[[people]]
id = "mina"
name = "Mina"
timezone = "Asia/Seoul"
contacts = [ { name = "chat", kind = "chat", destination = "team-chat", mention = "<@U0MINA>" } ]

[[teams]]
id = "cloud"
channel = "team-chat"

[[services]]
id = "api"
team = "cloud"

[incidents]
update_every = {}
"#;

#[tokio::test]
async fn an_overdue_action_item_is_reminded_once_to_its_owner_and_team_across_a_restart() {
    for backend in backends() {
        let chat = crate::support::Destination::start().await;
        let app = TestApp::spawn(backend, &REMINDERS.replace("TEAM", &chat.url)).await;
        let (_, incident) = call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            Some(json!({"title": "Search is slow", "severity": "SEV3", "services": ["api"]})),
        )
        .await;
        let id = incident["id"].as_str().unwrap();
        let (code, item) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{id}/action_items"),
            Some(json!({"title": "Rebuild the index nightly", "owner": "mina", "due": "2026-11-03", "kind": "prevent"})),
        )
        .await;
        assert_eq!(code, StatusCode::CREATED, "{item}");
        // The end of 3 November in Seoul is 15:00 UTC that day.
        assert_eq!(item["overdue_at"], "2026-11-03T15:00:00Z");
        app.idle().await;
        let before = chat.received().len();
        let reminders = |chat: &crate::support::Destination| -> Vec<Value> {
            chat.received()
                .iter()
                .map(|r| r.json())
                .filter(|body| {
                    body["text"]
                        .as_str()
                        .unwrap_or_default()
                        .starts_with("Action item overdue")
                })
                .collect()
        };
        // 2026-11-03T14:59Z: not yet.
        app.advance(38 * 3600 - 60);
        app.idle().await;
        assert!(reminders(&chat).is_empty());
        let (_, overdue) = call(
            &app,
            Method::GET,
            "/api/v1/action_items?state=overdue",
            None,
        )
        .await;
        assert_eq!(overdue["items"].as_array().unwrap().len(), 0);
        app.advance(60);
        chat.wait_for(before + 1).await;
        let sent = reminders(&chat);
        assert_eq!(sent.len(), 1);
        assert!(sent[0].to_string().contains("<@U0MINA>"), "{}", sent[0]);
        assert!(sent[0].to_string().contains(&format!("/incidents/{id}")));
        let (_, overdue) = call(
            &app,
            Method::GET,
            "/api/v1/action_items?state=overdue",
            None,
        )
        .await;
        assert_eq!(overdue["items"].as_array().unwrap().len(), 1);

        // Across a restart and days later: still once.
        let app = app
            .restart_at("2026-11-06T00:00:00Z".parse().unwrap())
            .await;
        app.advance(3 * 86_400);
        app.idle().await;
        assert_eq!(reminders(&chat).len(), 1);
        app.stop().await;
    }
}

/// The trackers' documented shapes: path, auth, and the fields of the created issue.
#[tokio::test]
async fn action_items_become_issues_in_github_gitlab_or_jira_and_keep_their_links() {
    let trackers = crate::support::standins::Trackers::start().await;
    let cases = [
        (
            format!(
                "[postmortems.tracker]\nkind = \"github\"\nrepository = \"acme/api\"\ntoken = \"ghp_test\"\napi_url = \"{}\"\nlabels = [\"postmortem\"]\n",
                trackers.origin
            ),
            "/repos/acme/api/issues",
            "https://github.com/acme/api/issues/",
        ),
        (
            format!(
                "[postmortems.tracker]\nkind = \"gitlab\"\nproject = \"acme/api\"\ntoken = \"glpat-test\"\napi_url = \"{}\"\n",
                trackers.origin
            ),
            "/api/v4/projects/acme%2Fapi/issues",
            "https://gitlab.example.com/acme/api/-/issues/",
        ),
        (
            format!(
                "[postmortems.tracker]\nkind = \"jira\"\nurl = \"{}\"\nproject = \"OPS\"\nemail = \"ops@acme.example\"\napi_token = \"jira-token\"\n",
                trackers.origin
            ),
            "/rest/api/2/issue",
            "/browse/OPS-",
        ),
    ];
    let mut seen = 0;
    for backend in backends() {
        for (tracker, path, link) in &cases {
            let config = format!(
                "[[people]]\nid = \"andrew\"\nname = \"Andrew\"\n\n[[services]]\nid = \"api\"\n\n{tracker}"
            );
            let app = TestApp::spawn(backend, &config).await;
            let (_, incident) = call(
                &app,
                Method::POST,
                "/api/v1/incidents",
                Some(json!({"title": "Checkout fails", "severity": "SEV2", "services": ["api"]})),
            )
            .await;
            let id = incident["id"].as_str().unwrap();
            // The tracker is down once: the issue is made on the retry.
            trackers.fail_next(&[503]);
            let (code, item) = call(
                &app,
                Method::POST,
                &format!("/api/v1/incidents/{id}/action_items"),
                Some(json!({"title": "Alert on pool saturation", "owner": "andrew", "due": "2026-11-20", "priority": "P2", "kind": "prevent"})),
            )
            .await;
            assert_eq!(code, StatusCode::CREATED, "{item}");
            trackers.wait_for(seen + 1).await;
            app.idle().await;
            app.advance(600);
            let requests = trackers.wait_for(seen + 2).await;
            app.idle().await;
            let request = &requests[seen + 1];
            seen += 2;
            assert_eq!(request.path, *path);
            let body = request.json();
            match *path {
                "/repos/acme/api/issues" => {
                    assert_eq!(request.header("authorization"), "Bearer ghp_test");
                    assert_eq!(request.header("accept"), "application/vnd.github+json");
                    assert_eq!(request.header("x-github-api-version"), "2022-11-28");
                    assert_eq!(body["title"], "Alert on pool saturation");
                    assert_eq!(body["labels"], json!(["postmortem"]));
                    assert!(body["body"].as_str().unwrap().contains("incident #1"));
                }
                "/api/v4/projects/acme%2Fapi/issues" => {
                    assert_eq!(request.header("private-token"), "glpat-test");
                    assert_eq!(body["due_date"], "2026-11-20");
                    assert!(
                        body["description"]
                            .as_str()
                            .unwrap()
                            .contains("/incidents/")
                    );
                }
                _ => {
                    assert_eq!(
                        request.basic_auth(),
                        Some(("ops@acme.example".into(), "jira-token".into()))
                    );
                    assert_eq!(body["fields"]["project"]["key"], "OPS");
                    assert_eq!(body["fields"]["issuetype"]["name"], "Task");
                    assert_eq!(body["fields"]["summary"], "Alert on pool saturation");
                    assert_eq!(body["fields"]["duedate"], "2026-11-20");
                }
            }
            let (_, listed) = call(&app, Method::GET, "/api/v1/action_items?state=all", None).await;
            let url = listed["items"][0]["issue_url"].as_str().unwrap_or_default();
            assert!(url.contains(link), "{listed}");
            app.stop().await;
        }
    }
}

#[tokio::test]
async fn a_new_incident_on_the_same_service_shows_the_earlier_ones_post_mortems_and_open_items() {
    for backend in backends() {
        let config =
            "[[people]]\nid = \"andrew\"\nname = \"Andrew\"\n\n[[services]]\nid = \"api\"\n";
        let app = TestApp::spawn(backend, config).await;
        let declare = |title: &'static str| {
            let app = &app;
            async move {
                let (code, incident) = call(
                    app,
                    Method::POST,
                    "/api/v1/incidents",
                    Some(json!({"title": title, "severity": "SEV2", "services": ["api"]})),
                )
                .await;
                assert_eq!(code, StatusCode::CREATED);
                incident["id"].as_str().unwrap().to_owned()
            }
        };
        let first = declare("Checkout fails").await;
        let (code, _) = call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{first}/resolve"),
            None,
        )
        .await;
        assert_eq!(code, StatusCode::OK);
        app.idle().await;
        for title in ["Alert on pool saturation", "Lint the pool size"] {
            let (code, item) = call(
                &app,
                Method::POST,
                &format!("/api/v1/incidents/{first}/action_items"),
                Some(json!({"title": title, "owner": "andrew", "due": "2026-11-20", "kind": "prevent"})),
            )
            .await;
            assert_eq!(code, StatusCode::CREATED, "{item}");
            if title == "Lint the pool size" {
                let id = item["id"].as_str().unwrap();
                call(
                    &app,
                    Method::PATCH,
                    &format!("/api/v1/action_items/{id}"),
                    Some(json!({"status": "completed"})),
                )
                .await;
            }
        }
        app.advance(86_400);
        let second = declare("Checkout fails again").await;
        let detail = app.get(&format!("/api/v1/incidents/{second}")).await;
        let earlier = &detail["earlier"][0];
        assert_eq!(earlier["id"], first.as_str(), "{detail}");
        assert_eq!(earlier["postmortem"]["state"], "draft");
        let open: Vec<&str> = earlier["open_action_items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["title"].as_str().unwrap())
            .collect();
        assert_eq!(open, ["Alert on pool saturation"]);
        let timeline = app
            .get(&format!("/api/v1/incidents/{first}/timeline"))
            .await;
        let kinds: Vec<&str> = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .filter(|k| *k == "action_item")
            .collect();
        assert_eq!(kinds.len(), 3, "two added and one completed: {timeline}");
        app.stop().await;
    }
}
