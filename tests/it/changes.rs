//! Change announcements and the two-person rule: announced to the team's chat before the work,
//! approved only by a user other than the announcer (refused on the API and the CLI alike, and
//! for a token that acts as no user), `change wait` exiting 0, 1 and 2 on the server's
//! controlled clock, expiry, and announcements in an incident's "what changed".

use firewatch::core::role::Role;
use firewatch::core::scope::Scope;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Destination, TestApp, backends};

const CONFIG: &str = r#"
[[destinations]]
name = "team-chat"
kind = "slack"
url = "TEAM"

[[teams]]
id = "cloud"
channel = "team-chat"

[[services]]
id = "api"
team = "cloud"

[changes]
approval_expires = "2h"
"#;

struct People {
    ana: String,
    mina: String,
    pipeline: String,
}

async fn people(app: &TestApp) -> People {
    crate::web::add_user(app, "ana", Role::Responder).await;
    crate::web::add_user(app, "mina", Role::Responder).await;
    People {
        ana: app
            .user_token("ana", &[Scope::ChangesWrite, Scope::IncidentsWrite])
            .await,
        mina: app.user_token("mina", &[Scope::ChangesWrite]).await,
        pipeline: app.token(&[Scope::ChangesWrite]).await,
    }
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn announce(app: &TestApp, token: &str, summary: &str, needs_approval: bool) -> Value {
    let (status, change) = app
        .api_json(
            Method::POST,
            "/api/v1/changes",
            token,
            &json!({"summary": summary, "service": "api", "environment": "production", "risk": "medium",
                    "rollback": "terraform apply the previous plan", "needs_approval": needs_approval}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{change}");
    change
}

#[tokio::test]
async fn a_change_needs_a_second_person_on_the_api_and_the_cli_and_wait_follows_the_answer() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &CONFIG.replace("TEAM", &chat.url)).await;
        let people = people(&app).await;

        // Ana announces from the CLI, as a pipeline would, before the work.
        let announced = crate::cli::client(
            &[
                "change",
                "announce",
                "Remove the Datadog log filter for api",
                "--service",
                "api",
                "--env",
                "production",
                "--risk",
                "medium",
                "--rollback",
                "Restore the filter from git",
                "--needs-approval",
            ],
            &app.url,
            &people.ana,
        )
        .await;
        assert!(announced.status.success(), "{}", stderr(&announced));
        let id = stdout(&announced)
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned();
        assert!(
            stdout(&announced).contains("pending_approval"),
            "{}",
            stdout(&announced)
        );
        chat.wait_for(1).await;
        let told = chat.received()[0].json().to_string();
        assert!(
            told.contains("Change: Remove the Datadog log filter for api"),
            "{told}"
        );
        assert!(told.contains(&format!("/changes/{id}")), "{told}");
        assert!(told.contains("Restore the filter from git"));

        // Ana cannot approve her own change: not by the API, not by the CLI.
        let path = format!("/api/v1/changes/{id}/approve");
        let (status, refused) = app.api(Method::POST, &path, Some(&people.ana)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(refused["error"]["code"], "self_approval");
        let cli = crate::cli::client(&["change", "approve", &id], &app.url, &people.ana).await;
        assert!(!cli.status.success());
        assert!(stderr(&cli).contains("self_approval"), "{}", stderr(&cli));
        // A token that is nobody cannot approve either.
        let (status, refused) = app.api(Method::POST, &path, Some(&people.pipeline)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(refused["error"]["code"], "approver_unknown");
        let still = app
            .api(
                Method::GET,
                &format!("/api/v1/changes/{id}"),
                Some(&people.ana),
            )
            .await
            .1;
        assert_eq!(still["state"], "pending_approval");

        // Mina approves from the CLI; the waiting pipeline goes ahead.
        let wait_args = ["change", "wait", id.as_str(), "--timeout", "10m"];
        let (waited, approved) = tokio::join!(
            crate::cli::client(&wait_args, &app.url, &people.ana),
            async {
                tokio::time::sleep(std::time::Duration::from_millis(700)).await;
                crate::cli::client(&["change", "approve", &id], &app.url, &people.mina).await
            }
        );
        assert!(approved.status.success(), "{}", stderr(&approved));
        assert_eq!(
            waited.status.code(),
            Some(0),
            "{}{}",
            stdout(&waited),
            stderr(&waited)
        );
        let change = app
            .api(
                Method::GET,
                &format!("/api/v1/changes/{id}"),
                Some(&people.ana),
            )
            .await
            .1;
        assert_eq!(change["state"], "approved");
        assert_eq!(change["decided_by"], "user:mina (token mina-token)");
        chat.wait_for(2).await;
        assert!(
            chat.received()[1]
                .json()
                .to_string()
                .contains("Approved by user:mina")
        );
        let (status, again) = app.api(Method::POST, &path, Some(&people.mina)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{again}");

        // Rejected: wait exits 1.
        let rejected = announce(&app, &people.pipeline, "Rotate the database password", true).await;
        let id = rejected["id"].as_str().unwrap().to_owned();
        let (status, body) = app
            .api_json(
                Method::POST,
                &format!("/api/v1/changes/{id}/reject"),
                &people.mina,
                &json!({"reason": "not during the sale"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let waited = crate::cli::client(
            &["change", "wait", &id, "--timeout", "10m"],
            &app.url,
            &people.ana,
        )
        .await;
        assert_eq!(waited.status.code(), Some(1));
        assert!(stdout(&waited).contains("not during the sale"));

        // Nobody answers: wait exits 2 once the server's clock passes the timeout.
        let pending = announce(&app, &people.pipeline, "Resize the api pool", true).await;
        let id = pending["id"].as_str().unwrap().to_owned();
        let wait_args = ["change", "wait", id.as_str(), "--timeout", "10m"];
        let (waited, ()) = tokio::join!(
            crate::cli::client(&wait_args, &app.url, &people.ana),
            async {
                tokio::time::sleep(std::time::Duration::from_millis(700)).await;
                app.advance(9 * 60);
                tokio::time::sleep(std::time::Duration::from_millis(700)).await;
                app.advance(60);
            }
        );
        assert_eq!(waited.status.code(), Some(2), "{}", stderr(&waited));
        assert!(stderr(&waited).contains("timed out"));

        // And two hours on, the approval expires and the team is told.
        app.advance(2 * 3600);
        app.idle().await;
        let change = app
            .api(
                Method::GET,
                &format!("/api/v1/changes/{id}"),
                Some(&people.ana),
            )
            .await
            .1;
        assert_eq!(change["state"], "expired");
        let texts: Vec<String> = chat
            .received()
            .iter()
            .map(|r| r.json()["text"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert!(
            texts.iter().any(|t| t == "Expired: Resize the api pool"),
            "{texts:?}"
        );
        let waited = crate::cli::client(
            &["change", "wait", &id, "--timeout", "10m"],
            &app.url,
            &people.ana,
        )
        .await;
        assert_eq!(waited.status.code(), Some(2));

        // A change that needs no approval is only told; wait goes ahead at once.
        let told = announce(&app, &people.ana, "Add a log line", false).await;
        assert_eq!(told["state"], "announced");
        let id = told["id"].as_str().unwrap().to_owned();
        let waited = crate::cli::client(&["change", "wait", &id], &app.url, &people.ana).await;
        assert_eq!(waited.status.code(), Some(0));
        app.stop().await;
    }
}

#[tokio::test]
async fn announcements_before_an_incident_are_in_what_changed() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &CONFIG.replace("TEAM", &chat.url)).await;
        let people = people(&app).await;
        let change = announce(&app, &people.ana, "Remove the Datadog log filter", false).await;
        app.advance(1800);
        let (status, incident) = app
            .api_json(
                Method::POST,
                "/api/v1/incidents",
                &people.ana,
                &json!({"title": "Datadog bill doubled", "severity": "SEV3", "services": ["api"]}),
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
        assert_eq!(changed["kind"], "announcement", "{detail}");
        assert_eq!(changed["id"], change["id"]);
        assert_eq!(changed["before"], "30m before");
        assert!(
            changed["title"]
                .as_str()
                .unwrap()
                .contains("Remove the Datadog log filter")
        );
        assert!(
            changed["url"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/changes/{}", change["id"].as_str().unwrap()))
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn through_the_ui_and_its_chat_link_the_announcer_cannot_approve_and_a_second_person_can() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &CONFIG.replace("TEAM", &chat.url)).await;
        let mut ana = crate::web::signed_in(&app, "ana", Role::Responder).await;
        let csrf = ana.csrf().await;
        let announced = ana
            .post(
                "/changes",
                &[
                    ("_csrf", csrf.as_str()),
                    ("summary", "Remove the Datadog log filter for api"),
                    ("service", "api"),
                    ("environment", "production"),
                    ("risk", "medium"),
                    ("rollback", "Restore the filter from git"),
                    ("needs_approval", "yes"),
                ],
            )
            .await;
        assert_eq!(
            announced.status,
            StatusCode::SEE_OTHER,
            "{}",
            announced.body
        );
        let location = announced.location.clone().unwrap();
        let id = location
            .trim_start_matches("/changes/")
            .split('?')
            .next()
            .unwrap()
            .to_owned();

        // The chat message's link is the change's page, behind sign-in.
        chat.wait_for(1).await;
        let link = format!("/changes/{id}");
        assert!(chat.received()[0].json().to_string().contains(&link));
        let anonymous = crate::web::Browser::new(&app).get(&link).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER);

        // Ana, through the link: no approve button, and the form refused if posted anyway.
        let own = ana.get(&link).await;
        assert_eq!(own.status, StatusCode::OK);
        assert!(
            own.body.contains("You announced this change"),
            "{}",
            own.body
        );
        assert!(!own.body.contains("id=\"approve\""));
        let refused = ana
            .post(&format!("{link}/approve"), &[("_csrf", csrf.as_str())])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert!(
            refused.body.contains("you announced this change"),
            "{}",
            refused.body
        );

        // A viewer sees the page, and no buttons.
        let mut viewer = crate::web::signed_in(&app, "vera", Role::Viewer).await;
        let seen = viewer.get(&link).await;
        assert!(!seen.body.contains("id=\"approve\""));

        // Mina approves from the same page.
        let mut mina = crate::web::signed_in(&app, "mina", Role::Responder).await;
        let page = mina.get(&link).await;
        assert!(page.body.contains("id=\"approve\""), "{}", page.body);
        let csrf = mina.csrf().await;
        let approved = mina
            .post(&format!("{link}/approve"), &[("_csrf", csrf.as_str())])
            .await;
        assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
        let token = app.user_token("ana", &[Scope::ChangesWrite]).await;
        let change = app
            .api(Method::GET, &format!("/api/v1/changes/{id}"), Some(&token))
            .await
            .1;
        assert_eq!(change["state"], "approved");
        assert_eq!(change["decided_by"], "user:mina");
        let feed = mina.get("/changes").await;
        assert!(
            feed.body.contains("Nothing is waiting for approval"),
            "{}",
            feed.body
        );
        app.stop().await;
    }
}

/// Issue 29: there was no `change list`. It lists the announcements with a header, newest
/// first, and says so when there are none.
#[tokio::test]
async fn change_list_shows_the_announcements_and_says_when_there_are_none() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &CONFIG.replace("TEAM", &chat.url)).await;
        let people = people(&app).await;
        let listed = crate::cli::client(&["change", "list"], &app.url, &people.pipeline).await;
        assert!(
            listed.status.success(),
            "{}",
            String::from_utf8_lossy(&listed.stderr)
        );
        assert_eq!(stdout(&listed), "no change announcements\n");
        let announced = crate::cli::client(
            &[
                "change",
                "announce",
                "Rotate the database password",
                "--service",
                "api",
                "--env",
                "production",
                "--risk",
                "low",
                "--rollback",
                "Restore the old secret",
            ],
            &app.url,
            &people.pipeline,
        )
        .await;
        assert!(
            announced.status.success(),
            "{}",
            String::from_utf8_lossy(&announced.stderr)
        );
        let listed = crate::cli::client(&["change", "list"], &app.url, &people.pipeline).await;
        let text = stdout(&listed);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[0], "ID STATE (RISK, SERVICE IN ENVIRONMENT): SUMMARY");
        assert!(
            lines[1]
                .ends_with("announced (low risk, api in production): Rotate the database password"),
            "{text}"
        );
        let none = crate::cli::client(
            &["change", "list", "--state", "rejected"],
            &app.url,
            &people.pipeline,
        )
        .await;
        assert_eq!(stdout(&none), "no change announcements\n");
    }
}
