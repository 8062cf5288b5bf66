//! `/api/v1`, operations endpoints and config reload.

use axum::http::StatusCode;
use firewatch::core::scope::Scope;
use reqwest::Method;

use crate::support::{TestApp, backends};

const CONFIG: &str = r#"
[[integrations]]
name = "ingest"
kind = "generic"
token = "t"

[[integrations]]
name = "other"
kind = "generic"
token = "t"
"#;

const AUTH: (&str, &str) = ("authorization", "Bearer t");

#[tokio::test]
async fn events_filter_and_paginate_newest_first() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let mut ids = Vec::new();
        for n in 0..7 {
            let kind = if n % 2 == 0 { "deploy" } else { "alert" };
            let (_, answer) = app
                .post_hook(
                    "ingest",
                    &format!(r#"{{"type":"{kind}","n":{n}}}"#),
                    &[AUTH],
                )
                .await;
            ids.push(answer["id"].as_str().unwrap().to_owned());
        }
        app.post_hook("other", r#"{"type":"deploy"}"#, &[AUTH])
            .await;

        let mut seen = Vec::new();
        let mut path = "/api/v1/events?integration=ingest&limit=3".to_owned();
        loop {
            let page = app.get(&path).await;
            for item in page["items"].as_array().unwrap() {
                seen.push(item["id"].as_str().unwrap().to_owned());
            }
            match page["next_cursor"].as_str() {
                Some(cursor) => {
                    path = format!("/api/v1/events?integration=ingest&limit=3&cursor={cursor}")
                }
                None => break,
            }
        }
        ids.reverse();
        assert_eq!(seen, ids, "every event once, newest first");

        let deploys = app.get("/api/v1/events?kind=deploy&source=generic").await;
        assert_eq!(deploys["items"].as_array().unwrap().len(), 5);
        let (status, body) = app
            .api(
                Method::GET,
                "/api/v1/events?limit=0",
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "invalid_parameter");
        let (status, _) = app
            .api(
                Method::GET,
                "/api/v1/events/does-not-exist",
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        app.stop().await;
    }
}

#[tokio::test]
async fn tokens_are_checked_for_scope_and_can_be_revoked() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let (status, body) = app.api(Method::GET, "/api/v1/events", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["code"], "unauthorized");
        let (status, _) = app
            .api(Method::GET, "/api/v1/events", Some("fw_not-a-token"))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let reader = app.token(&[Scope::EventsRead]).await;
        assert_eq!(
            app.api(Method::GET, "/api/v1/events", Some(&reader))
                .await
                .0,
            StatusCode::OK
        );
        let (status, body) = app
            .api(Method::GET, "/api/v1/notifications", Some(&reader))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["error"]["code"], "forbidden");
        assert_eq!(
            app.api(Method::POST, "/api/v1/notifications/redrive", Some(&reader))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.api(Method::GET, "/api/v1/tokens", Some(&reader))
                .await
                .0,
            StatusCode::FORBIDDEN
        );

        // An admin creates a token through the API; it works until revoked.
        let response = app
            .http
            .post(format!("{}/api/v1/tokens", app.url))
            .bearer_auth(&app.admin_token)
            .json(&serde_json::json!({"name": "deploy-bot", "scopes": ["notifications:read"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let created: serde_json::Value = response.json().await.unwrap();
        let token = created["token"].as_str().unwrap();
        assert_eq!(
            app.api(Method::GET, "/api/v1/notifications", Some(token))
                .await
                .0,
            StatusCode::OK
        );
        let listed = app.get("/api/v1/tokens").await;
        let listing = listed.to_string();
        assert!(
            listing.contains("deploy-bot") && !listing.contains(token),
            "the secret is never listed"
        );
        let id = created["id"].as_str().unwrap();
        assert_eq!(
            app.api(
                Method::DELETE,
                &format!("/api/v1/tokens/{id}"),
                Some(&app.admin_token)
            )
            .await
            .0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            app.api(Method::GET, "/api/v1/notifications", Some(token))
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.api(
                Method::DELETE,
                &format!("/api/v1/tokens/{id}"),
                Some(&app.admin_token)
            )
            .await
            .0,
            StatusCode::NOT_FOUND
        );

        let response = app
            .http
            .post(format!("{}/api/v1/tokens", app.url))
            .bearer_auth(&app.admin_token)
            .body(r#"{"name":"x","scopes":["everything"]}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        app.stop().await;
    }
}

#[tokio::test]
async fn operations_endpoints() {
    for backend in backends() {
        let app = TestApp::spawn(backend, CONFIG).await;
        let (status, body) = app.api(Method::GET, "/healthz", None).await;
        assert_eq!(
            (status, body["status"].as_str()),
            (StatusCode::OK, Some("ok"))
        );
        let (status, body) = app.api(Method::GET, "/readyz", None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "ready");

        app.post_hook("ingest", "{}", &[AUTH]).await;
        app.post_hook("ingest", "{}", &[]).await;
        let metrics = app.metrics().await;
        for expected in [
            r#"firewatch_intake_requests_total{integration="ingest",result="accepted"} 1"#,
            r#"firewatch_intake_requests_total{integration="ingest",result="invalid_token"} 1"#,
            "firewatch_intake_commit_batch_size_count 1",
            "firewatch_delivery_queue_depth 0",
            "firewatch_delivery_dead_letters 0",
            // The classic text format names a counter by its `_total` series.
            "# TYPE firewatch_delivery_attempts_total counter",
        ] {
            assert!(
                metrics.contains(expected),
                "missing {expected} in\n{metrics}"
            );
        }

        let (status, spec) = app.api(Method::GET, "/api/v1/openapi.json", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
        for path in [
            "/hooks/{integration}",
            "/api/v1/events",
            "/api/v1/notifications",
            "/api/v1/notifications/{id}/redrive",
            "/api/v1/tokens",
            "/api/v1/alerts",
            "/api/v1/alerts/{id}",
            "/api/v1/alerts/{id}/acknowledge",
            "/api/v1/alerts/{id}/resolve",
        ] {
            assert!(spec["paths"].get(path).is_some(), "{path} is documented");
        }

        // Bad path text is answered in the API's error format too.
        let (status, body) = app
            .api(Method::GET, "/api/v1/events/%FF", Some(&app.admin_token))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "invalid_parameter");
        let (status, body) = app.post_hook("%FF", "{}", &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "invalid_parameter");

        let (status, body) = app.api(Method::GET, "/no/such/route", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"]["code"], "not_found");
        let (status, body) = app.api(Method::GET, "/hooks/ingest", None).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(body["error"]["code"], "method_not_allowed");
        app.stop().await;
    }
}

#[tokio::test]
async fn reload_takes_a_good_config_and_keeps_the_old_one_on_errors() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("firewatch.toml");
        std::fs::write(&file, CONFIG).unwrap();
        let app = TestApp::spawn_with(backend, CONFIG, Some(file.clone())).await;
        assert_eq!(
            app.post_hook("added", "{}", &[AUTH]).await.0,
            StatusCode::NOT_FOUND
        );

        std::fs::write(
            &file,
            format!(
                "{CONFIG}\n[[integrations]]\nname = \"added\"\nkind = \"generic\"\ntoken = \"t\"\n"
            ),
        )
        .unwrap();
        app.app
            .as_ref()
            .unwrap()
            .reload_config()
            .await
            .expect("good config reloads");
        assert_eq!(
            app.post_hook("added", "{}", &[AUTH]).await.0,
            StatusCode::ACCEPTED
        );

        std::fs::write(&file, "[[routes]]\nto = [\"nowhere\"]\n").unwrap();
        let error = app
            .app
            .as_ref()
            .unwrap()
            .reload_config()
            .await
            .expect_err("bad config is refused");
        assert!(
            error
                .to_string()
                .contains("routes[0].to[0]: unknown destination \"nowhere\""),
            "{error}"
        );
        assert_eq!(
            app.post_hook("added", "{}", &[AUTH]).await.0,
            StatusCode::ACCEPTED,
            "the old config stays"
        );
        app.stop().await;
    }
}
