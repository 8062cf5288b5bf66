//! What an attacker on the internet, or an insider with a token, tried and must not get: tokens
//! that outlive their person or exceed their role, approvals by the announcer's own hand.

use firewatch::clock::Clock as _;
use firewatch::core::role::Role;
use firewatch::core::scope::Scope;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{TestApp, backends};
use crate::web::add_user;

const CONFIG: &str = r#"
[[services]]
id = "api"
"#;

/// Every `/api/v1/` route, with its path parameters filled in.
fn api_routes() -> Vec<(Method, String)> {
    firewatch::http::ROUTES
        .iter()
        .filter(|(_, path)| path.starts_with("/api/v1/") && *path != "/api/v1/openapi.json")
        .map(|(method, path)| {
            let method = method.to_uppercase().parse().unwrap();
            let mut filled = String::new();
            let mut rest = *path;
            while let Some(start) = rest.find('{') {
                let end = rest[start..].find('}').unwrap() + start;
                filled.push_str(&rest[..start]);
                filled.push_str("x1");
                rest = &rest[end + 1..];
            }
            filled.push_str(rest);
            (method, filled)
        })
        .collect()
}

#[tokio::test]
async fn a_disabled_persons_token_is_refused_on_every_route() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let boss = add_user(&app, "boss", Role::Admin).await;
        let token = app.user_token("boss", &[Scope::Admin]).await;
        let (status, body) = app.api(Method::GET, "/api/v1/tokens", Some(&token)).await;
        assert_eq!(status, StatusCode::OK, "{body}");

        app.store
            .set_user_disabled(&boss, Some(app.clock.now()))
            .await
            .unwrap();
        let routes = api_routes();
        assert!(routes.len() > 40, "{}", routes.len());
        for (method, path) in routes {
            let response = app
                .http
                .request(method.clone(), format!("{}{path}", app.url))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{backend:?} {method} {path}: {}",
                response.text().await.unwrap()
            );
        }
        // Enabled again, the token works again: it was the person, not the token.
        app.store.set_user_disabled(&boss, None).await.unwrap();
        let (status, _) = app.api(Method::GET, "/api/v1/tokens", Some(&token)).await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_token_can_do_no_more_than_its_persons_role() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        add_user(&app, "viewer1", Role::Viewer).await;
        add_user(&app, "ana", Role::Responder).await;
        let viewer = app
            .user_token("viewer1", &[Scope::Admin, Scope::ChangesWrite])
            .await;
        let pipeline = app.token(&[Scope::ChangesWrite]).await;
        let (status, change) = app
            .api_json(
                Method::POST,
                "/api/v1/changes",
                &pipeline,
                &json!({"summary": "Resize the pool", "service": "api", "environment": "production",
                        "risk": "low", "rollback": "resize back", "needs_approval": true}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{change}");
        let id = change["id"].as_str().unwrap();

        let approve = format!("/api/v1/changes/{id}/approve");
        let (status, refused) = app.api(Method::POST, &approve, Some(&viewer)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(refused["error"]["code"], "role_required", "{refused}");
        let (status, refused) = app.api(Method::GET, "/api/v1/tokens", Some(&viewer)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(refused["error"]["code"], "role_required", "{refused}");
        // What a viewer may read, the token reads.
        let reader = app.user_token("viewer1", &[Scope::AlertsRead]).await;
        let (status, _) = app.api(Method::GET, "/api/v1/alerts", Some(&reader)).await;
        assert_eq!(status, StatusCode::OK);
        let (_, still) = app
            .api(
                Method::GET,
                &format!("/api/v1/changes/{id}"),
                Some(&pipeline),
            )
            .await;
        assert_eq!(still["state"], "pending_approval");
    }
}

#[tokio::test]
async fn a_token_the_announcer_made_for_someone_else_cannot_approve_the_announcers_change() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        add_user(&app, "admin1", Role::Admin).await;
        add_user(&app, "resp2", Role::Responder).await;
        add_user(&app, "resp3", Role::Responder).await;
        let admin = app.user_token("admin1", &[Scope::Admin]).await;
        let (status, change) = app
            .api_json(
                Method::POST,
                "/api/v1/changes",
                &admin,
                &json!({"summary": "Drop the old index", "service": "api", "environment": "production",
                        "risk": "high", "rollback": "recreate it", "needs_approval": true}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{change}");
        let id = change["id"].as_str().unwrap();

        let (status, minted) = app
            .api_json(
                Method::POST,
                "/api/v1/tokens",
                &admin,
                &json!({"name": "for-resp2", "scopes": ["changes:write"], "user": "resp2"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{minted}");
        let minted = minted["token"].as_str().unwrap().to_owned();
        let approve = format!("/api/v1/changes/{id}/approve");
        let (status, refused) = app.api(Method::POST, &approve, Some(&minted)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(refused["error"]["code"], "self_approval", "{refused}");

        // Every token says who made it.
        let (_, tokens) = app.api(Method::GET, "/api/v1/tokens", Some(&admin)).await;
        let made = tokens["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "for-resp2")
            .unwrap();
        assert_eq!(made["created_by"], "user:admin1 (token admin1-token)");
        assert_eq!(made["user"], "resp2");

        // resp3's own token approves, recorded as resp3.
        let own = app.user_token("resp3", &[Scope::ChangesWrite]).await;
        let (status, approved) = app.api(Method::POST, &approve, Some(&own)).await;
        assert_eq!(status, StatusCode::OK, "{approved}");
        assert_eq!(approved["decided_by"], "user:resp3 (token resp3-token)");
    }
}
